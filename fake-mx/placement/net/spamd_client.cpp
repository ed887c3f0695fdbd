// Placeholder: the spam helper implements this.
#include "fake-mx/placement/net/spamd_client.hpp"

namespace relaylab::placement {

boost::asio::awaitable<SpamScore> score_with_spamd(const SpamdConfig&, std::string_view) {
    SpamScore score;
    score.error = "spamd client not built yet";
    co_return score;
}

}  // namespace relaylab::placement
