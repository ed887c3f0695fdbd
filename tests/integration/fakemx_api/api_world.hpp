// A filled capture store behind an ApiServer on an ephemeral loopback port.
#pragma once

#include <memory>
#include <string>

#include "fake-mx/api/api_server.hpp"
#include "fake-mx/capture/capture_store.hpp"

namespace relaylab::fakemx::api::testing {

// Message ids 1..4 (see api_world.cpp): 1 is the oldest and its raw was dropped (the memory
// bound holds three); 2 came over TLS with verdicts; 4 went to mx2.test.
struct ApiWorld {
    explicit ApiWorld(ApiConfig config = {});
    std::string url(const std::string& path) const;
    std::string raw_of(int n) const;

    capture::CaptureStore store;
    std::unique_ptr<ApiServer> server;
};

}  // namespace relaylab::fakemx::api::testing
