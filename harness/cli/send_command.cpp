// Placeholder while the SMTP core is being written in this session; replaced before commit.
#include "harness/cli/commands.hpp"
namespace relaylab::cli {
int send_main(const Args&) { throw RunError("send: not built yet"); }
}  // namespace relaylab::cli
