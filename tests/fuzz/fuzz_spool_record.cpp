// libFuzzer: hostile bytes into the spool's record decoder (harness/relay/spool/spool_record.hpp),
// as replay meets them in a rotted or hand-edited segment file: the frame, then each payload
// type. Must never crash, hang or allocate more than the input's size (every length is checked
// against what is left and a cap first). The payload decoders also get the raw input, so the
// fuzzer need not forge a checksum to reach them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/relay/spool/spool_record.hpp"

namespace {

void decode_payload(relaylab::relay::RecordType type, std::string_view payload) {
    using namespace relaylab::relay;
    switch (type) {
        case RecordType::message: {
            SpoolMessage message;
            std::size_t body_offset = 0;
            if (decode_message(payload, message, body_offset) == PayloadError::none &&
                body_offset + message.body_size != payload.size()) {
                __builtin_trap();  // the body must end the payload exactly
            }
            break;
        }
        case RecordType::state: {
            StateChange change;
            (void)decode_state(payload, change);
            break;
        }
        case RecordType::finished: {
            std::string id;
            (void)decode_finished(payload, id);
            break;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace relaylab::relay;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    // Walk records as replay does, stopping at the first bad frame.
    for (std::string_view rest = bytes; !rest.empty();) {
        Frame frame;
        if (decode_frame(rest, frame) != FrameError::none) break;
        if (frame.size == 0 || frame.size > rest.size()) __builtin_trap();
        decode_payload(frame.type, frame.payload);
        rest.remove_prefix(frame.size);
    }
    for (RecordType type : {RecordType::message, RecordType::state, RecordType::finished}) {
        decode_payload(type, bytes);
    }
    return 0;
}
