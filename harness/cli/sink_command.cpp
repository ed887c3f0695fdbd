// Placeholder while the SMTP core is being written in this session; replaced before commit.
#include "harness/cli/commands.hpp"
namespace relaylab::cli {
int sink_main(const Args&) { throw RunError("sink: not built yet"); }
}  // namespace relaylab::cli
