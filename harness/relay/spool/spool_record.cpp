#include "harness/relay/spool/spool_record.hpp"

#include <algorithm>
#include <cstring>

#include "harness/relay/spool/crc32c.hpp"

namespace relaylab::relay {
namespace {

// Little-endian appends; the frame header's fields are filled in once the payload is known.
class ByteWriter {
  public:
    explicit ByteWriter(std::string& out) : out_(out) {}
    void u8(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
    void u32(std::uint32_t value) { put(value, 4); }
    void u64(std::uint64_t value) { put(value, 8); }
    void i64(std::int64_t value) { put(static_cast<std::uint64_t>(value), 8); }
    void str(std::string_view text) {
        u32(static_cast<std::uint32_t>(text.size()));
        out_.append(text);
    }

  private:
    void put(std::uint64_t value, int octets) {
        for (int i = 0; i < octets; ++i)
            out_.push_back(static_cast<char>(value >> (8 * i)));
    }
    std::string& out_;
};

std::uint64_t load_le(const char* p, int octets) {
    std::uint64_t value = 0;
    for (int i = 0; i < octets; ++i)
        value |= std::uint64_t(static_cast<unsigned char>(p[i])) << (8 * i);
    return value;
}

// Bounds-checked reads: the first failure sticks, later reads return zeros.
class ByteReader {
  public:
    explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
    PayloadError error() const { return error_; }
    std::size_t offset() const { return offset_; }
    std::size_t left() const { return bytes_.size() - offset_; }

    std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(take(4)); }
    std::uint64_t u64() { return take(8); }
    std::int64_t i64() { return static_cast<std::int64_t>(take(8)); }
    std::string str(std::size_t cap) {
        const std::uint32_t size = u32();
        if (error_ != PayloadError::none) return {};
        if (size > cap) return fail(PayloadError::field_too_long), std::string();
        if (size > left()) return fail(PayloadError::truncated), std::string();
        std::string text(bytes_.substr(offset_, size));
        offset_ += size;
        return text;
    }
    void fail(PayloadError error) {
        if (error_ == PayloadError::none) error_ = error;
    }

  private:
    std::uint64_t take(int octets) {
        if (error_ != PayloadError::none) return 0;
        if (left() < static_cast<std::size_t>(octets)) return fail(PayloadError::truncated), 0;
        const std::uint64_t value = load_le(bytes_.data() + offset_, octets);
        offset_ += octets;
        return value;
    }
    std::string_view bytes_;
    std::size_t offset_ = 0;
    PayloadError error_ = PayloadError::none;
};

// A recipient takes at least this many payload octets (four empty strings and a state), so a
// count can be checked against what is left before anything is reserved.
constexpr std::size_t min_recipient_octets = 4 * 4 + 1;
constexpr std::uint8_t flag_smtputf8 = 1;
constexpr std::uint8_t flag_eight_bit = 2;

bool envelope_fits(std::string_view text) {
    return text.size() <= spool_limits::envelope_string;
}

EncodeError check_envelope(const SpoolMessage& message) {
    if (message.id.empty() || message.id.size() > spool_limits::id) {
        return EncodeError::field_too_long;
    }
    // No recipients is allowed (a state record after the engine dropped every one): only the
    // upper cap is the codec's business.
    if (message.recipients.size() > spool_limits::recipients) {
        return EncodeError::too_many_recipients;
    }
    for (std::string_view text :
         {std::string_view(message.mail_from), std::string_view(message.dsn_ret),
          std::string_view(message.dsn_envid), std::string_view(message.client_address),
          std::string_view(message.helo), std::string_view(message.auth_user)}) {
        if (!envelope_fits(text)) return EncodeError::field_too_long;
    }
    for (const auto& recipient : message.recipients) {
        if (!envelope_fits(recipient.address) || !envelope_fits(recipient.notify) ||
            !envelope_fits(recipient.orcpt)) {
            return EncodeError::field_too_long;
        }
    }
    return EncodeError::none;
}

void put_recipients(ByteWriter& out, const std::vector<SpoolRecipient>& recipients) {
    out.u32(static_cast<std::uint32_t>(recipients.size()));
    for (const auto& recipient : recipients) {
        out.str(recipient.address);
        out.str(recipient.notify);
        out.str(recipient.orcpt);
        out.u8(static_cast<std::uint8_t>(recipient.state));
        const std::string_view reply = recipient.last_reply;
        out.str(reply.substr(0, spool_limits::last_reply));
    }
}

std::vector<SpoolRecipient> get_recipients(ByteReader& in) {
    const std::uint32_t count = in.u32();
    std::vector<SpoolRecipient> recipients;
    if (in.error() != PayloadError::none) return recipients;
    if (count > spool_limits::recipients) {
        in.fail(PayloadError::too_many_recipients);
        return recipients;
    }
    if (count > in.left() / min_recipient_octets) {
        in.fail(PayloadError::truncated);
        return recipients;
    }
    recipients.reserve(count);
    for (std::uint32_t i = 0; i < count && in.error() == PayloadError::none; ++i) {
        SpoolRecipient recipient;
        recipient.address = in.str(spool_limits::envelope_string);
        recipient.notify = in.str(spool_limits::envelope_string);
        recipient.orcpt = in.str(spool_limits::envelope_string);
        const std::uint8_t state = in.u8();
        if (state > static_cast<std::uint8_t>(RecipientState::failed)) {
            in.fail(PayloadError::bad_state);
        }
        recipient.state = static_cast<RecipientState>(state);
        recipient.last_reply = in.str(spool_limits::last_reply);
        recipients.push_back(std::move(recipient));
    }
    return recipients;
}

std::string read_id(ByteReader& in) {
    std::string id = in.str(spool_limits::id);
    if (in.error() == PayloadError::none && id.empty()) in.fail(PayloadError::empty_id);
    return id;
}

void read_version(ByteReader& in) {
    if (in.u8() != spool_payload_version && in.error() == PayloadError::none) {
        in.fail(PayloadError::unknown_version);
    }
}

// Reserves the frame header in `record`; seal_frame() fills it once the payload is complete.
void open_frame(std::string& record) {
    record.assign(spool_limits::frame_header, '\0');
}

void seal_frame(std::string& record, RecordType type, std::uint64_t payload_size,
                std::uint32_t payload_crc_tail_extended) {
    std::string header;
    ByteWriter out(header);
    out.u32(spool_record_magic);
    out.u8(static_cast<std::uint8_t>(type));
    out.u32(static_cast<std::uint32_t>(payload_size));
    out.u32(payload_crc_tail_extended);
    std::memcpy(record.data(), header.data(), header.size());
}

std::uint32_t crc_of(RecordType type, std::string_view payload_part) {
    const char type_byte = static_cast<char>(type);
    return crc32c_extend(crc32c(std::string_view(&type_byte, 1)), payload_part);
}

}  // namespace

std::string_view to_string(FrameError error) {
    switch (error) {
        case FrameError::none:
            return "no error";
        case FrameError::truncated:
            return "record truncated";
        case FrameError::bad_magic:
            return "no record magic";
        case FrameError::bad_type:
            return "unknown record type";
        case FrameError::too_long:
            return "record length over the cap";
        case FrameError::bad_checksum:
            return "checksum mismatch";
    }
    return "unknown frame error";
}

std::string_view to_string(PayloadError error) {
    switch (error) {
        case PayloadError::none:
            return "no error";
        case PayloadError::truncated:
            return "payload field truncated";
        case PayloadError::unknown_version:
            return "unknown payload version";
        case PayloadError::field_too_long:
            return "field over its cap";
        case PayloadError::too_many_recipients:
            return "recipient count out of range";
        case PayloadError::bad_state:
            return "unknown recipient state";
        case PayloadError::empty_id:
            return "empty message id";
        case PayloadError::trailing_bytes:
            return "octets after the payload's last field";
    }
    return "unknown payload error";
}

std::string_view to_string(EncodeError error) {
    switch (error) {
        case EncodeError::none:
            return "no error";
        case EncodeError::field_too_long:
            return "an envelope field is over its cap";
        case EncodeError::too_many_recipients:
            return "more recipients than the spool takes";
        case EncodeError::too_large:
            return "the message is over the spool's record cap";
    }
    return "unknown encode error";
}

FrameError decode_frame(std::string_view bytes, Frame& frame) {
    if (bytes.size() < 4) return FrameError::truncated;
    if (load_le(bytes.data(), 4) != spool_record_magic) return FrameError::bad_magic;
    if (bytes.size() < spool_limits::frame_header) return FrameError::truncated;
    const auto type = static_cast<std::uint8_t>(bytes[4]);
    if (type < static_cast<std::uint8_t>(RecordType::message) ||
        type > static_cast<std::uint8_t>(RecordType::finished)) {
        return FrameError::bad_type;
    }
    const std::uint64_t length = load_le(bytes.data() + 5, 4);
    if (length > spool_limits::record_payload) return FrameError::too_long;
    if (bytes.size() - spool_limits::frame_header < length) return FrameError::truncated;
    const std::string_view payload = bytes.substr(spool_limits::frame_header, length);
    const auto expected = static_cast<std::uint32_t>(load_le(bytes.data() + 9, 4));
    if (crc_of(static_cast<RecordType>(type), payload) != expected) return FrameError::bad_checksum;
    frame.type = static_cast<RecordType>(type);
    frame.payload = payload;
    frame.size = spool_limits::frame_header + length;
    return FrameError::none;
}

PayloadError decode_message(std::string_view payload, SpoolMessage& message,
                            std::size_t& body_offset) {
    ByteReader in(payload);
    read_version(in);
    SpoolMessage decoded;
    decoded.id = read_id(in);
    decoded.mail_from = in.str(spool_limits::envelope_string);
    decoded.dsn_ret = in.str(spool_limits::envelope_string);
    decoded.dsn_envid = in.str(spool_limits::envelope_string);
    const std::uint8_t flags = in.u8();
    decoded.smtputf8 = (flags & flag_smtputf8) != 0;
    decoded.eight_bit = (flags & flag_eight_bit) != 0;
    decoded.client_address = in.str(spool_limits::envelope_string);
    decoded.helo = in.str(spool_limits::envelope_string);
    decoded.auth_user = in.str(spool_limits::envelope_string);
    decoded.received_at_ms = in.i64();
    decoded.attempts = in.u32();
    decoded.next_attempt_ms = in.i64();
    decoded.recipients = get_recipients(in);
    decoded.body_size = in.u64();
    if (in.error() != PayloadError::none) return in.error();
    if (decoded.body_size != in.left()) return PayloadError::trailing_bytes;
    body_offset = in.offset();
    message = std::move(decoded);
    return PayloadError::none;
}

PayloadError decode_state(std::string_view payload, StateChange& change) {
    ByteReader in(payload);
    read_version(in);
    StateChange decoded;
    decoded.id = read_id(in);
    decoded.attempts = in.u32();
    decoded.next_attempt_ms = in.i64();
    decoded.recipients = get_recipients(in);
    if (in.error() != PayloadError::none) return in.error();
    if (in.left() != 0) return PayloadError::trailing_bytes;
    change = std::move(decoded);
    return PayloadError::none;
}

PayloadError decode_finished(std::string_view payload, std::string& id) {
    ByteReader in(payload);
    read_version(in);
    std::string decoded = read_id(in);
    if (in.error() != PayloadError::none) return in.error();
    if (in.left() != 0) return PayloadError::trailing_bytes;
    id = std::move(decoded);
    return PayloadError::none;
}

EncodeError encode_message_head(const SpoolMessage& message, std::string_view body,
                                std::string& head) {
    if (const EncodeError error = check_envelope(message); error != EncodeError::none) {
        return error;
    }
    std::string record;
    open_frame(record);
    ByteWriter out(record);
    out.u8(spool_payload_version);
    out.str(message.id);
    out.str(message.mail_from);
    out.str(message.dsn_ret);
    out.str(message.dsn_envid);
    out.u8(static_cast<std::uint8_t>((message.smtputf8 ? flag_smtputf8 : 0) |
                                     (message.eight_bit ? flag_eight_bit : 0)));
    out.str(message.client_address);
    out.str(message.helo);
    out.str(message.auth_user);
    out.i64(message.received_at_ms);
    out.u32(message.attempts);
    out.i64(message.next_attempt_ms);
    put_recipients(out, message.recipients);
    out.u64(body.size());
    const std::uint64_t payload_size = record.size() - spool_limits::frame_header + body.size();
    if (payload_size > spool_limits::record_payload) return EncodeError::too_large;
    const std::string_view head_payload =
        std::string_view(record).substr(spool_limits::frame_header);
    const std::uint32_t crc = crc32c_extend(crc_of(RecordType::message, head_payload), body);
    seal_frame(record, RecordType::message, payload_size, crc);
    head = std::move(record);
    return EncodeError::none;
}

EncodeError encode_state(const SpoolMessage& message, std::string& record) {
    if (const EncodeError error = check_envelope(message); error != EncodeError::none) {
        return error;
    }
    std::string encoded;
    open_frame(encoded);
    ByteWriter out(encoded);
    out.u8(spool_payload_version);
    out.str(message.id);
    out.u32(message.attempts);
    out.i64(message.next_attempt_ms);
    put_recipients(out, message.recipients);
    const std::string_view payload = std::string_view(encoded).substr(spool_limits::frame_header);
    seal_frame(encoded, RecordType::state, payload.size(), crc_of(RecordType::state, payload));
    record = std::move(encoded);
    return EncodeError::none;
}

EncodeError encode_finished(std::string_view id, std::string& record) {
    if (id.empty() || id.size() > spool_limits::id) return EncodeError::field_too_long;
    std::string encoded;
    open_frame(encoded);
    ByteWriter out(encoded);
    out.u8(spool_payload_version);
    out.str(id);
    const std::string_view payload = std::string_view(encoded).substr(spool_limits::frame_header);
    seal_frame(encoded, RecordType::finished, payload.size(),
               crc_of(RecordType::finished, payload));
    record = std::move(encoded);
    return EncodeError::none;
}

}  // namespace relaylab::relay
