#include "harness/dns/sync_resolver.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "harness/dns/resolver.hpp"

namespace relaylab::dns {

namespace asio = boost::asio;

struct SyncResolver::Impl {
    asio::io_context io;
    Resolver resolver;
    explicit Impl(ResolverConfig config) : resolver(io.get_executor(), std::move(config)) {}

    template <class T>
    T run(asio::awaitable<T> work) {
        auto future = asio::co_spawn(io, std::move(work), asio::use_future);
        io.restart();
        io.run();
        return future.get();
    }
};

SyncResolver::SyncResolver(ResolverConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}
SyncResolver::~SyncResolver() = default;

Answer SyncResolver::lookup(const std::string& name, RrType type) {
    return impl_->run(impl_->resolver.lookup(name, type));
}
MxResult SyncResolver::mx(const std::string& domain) {
    return impl_->run(impl_->resolver.mx(domain));
}
LookupResult<std::string> SyncResolver::a(const std::string& name) {
    return impl_->run(impl_->resolver.a(name));
}
LookupResult<std::string> SyncResolver::aaaa(const std::string& name) {
    return impl_->run(impl_->resolver.aaaa(name));
}
LookupResult<std::string> SyncResolver::txt(const std::string& name) {
    return impl_->run(impl_->resolver.txt(name));
}
LookupResult<TlsaData> SyncResolver::tlsa(const std::string& name) {
    return impl_->run(impl_->resolver.tlsa(name));
}
LookupResult<std::string> SyncResolver::ptr(const std::string& ip) {
    return impl_->run(impl_->resolver.ptr(ip));
}
const ResolverStats& SyncResolver::stats() const {
    return impl_->resolver.stats();
}
void SyncResolver::clear_cache() {
    impl_->resolver.clear_cache();
}

}  // namespace relaylab::dns
