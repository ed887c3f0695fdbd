// Beast compiled once for the whole program (BOOST_BEAST_SEPARATE_COMPILATION), as Asio is in
// harness/net: every other translation unit sees only declarations.
#include <boost/beast/src.hpp>
