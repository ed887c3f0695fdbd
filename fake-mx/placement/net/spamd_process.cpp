// Placeholder: the spam helper implements this.
#include "fake-mx/placement/net/spamd_process.hpp"

#include <stdexcept>

namespace relaylab::placement {

struct SpamdProcess::Impl {
    SpamdProcessConfig config;
};

SpamdProcess::SpamdProcess(SpamdProcessConfig config)
    : impl_(std::make_unique<Impl>(Impl{std::move(config)})) {}
SpamdProcess::~SpamdProcess() = default;
void SpamdProcess::start() {
    throw std::runtime_error("spamd process control is not built yet");
}
void SpamdProcess::stop() {}
std::string SpamdProcess::address() const {
    return impl_->config.address;
}
std::uint16_t SpamdProcess::port() const {
    return impl_->config.port;
}
std::optional<std::filesystem::path> SpamdProcess::find_binary() {
    return std::nullopt;
}

}  // namespace relaylab::placement
