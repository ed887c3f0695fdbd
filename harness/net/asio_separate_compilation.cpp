// Asio and its SSL support compiled once for the whole program (BOOST_ASIO_SEPARATE_COMPILATION):
// every other translation unit sees only declarations, which keeps the build within CI's budget.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
