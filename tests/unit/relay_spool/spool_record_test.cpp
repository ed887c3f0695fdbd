// The record codec alone: CRC-32C check values, round trips of every record type, every
// truncation point of a record, every single flipped bit caught, and the caps that keep hostile
// bytes from allocating.
#include <catch2/catch.hpp>
#include <string>

#include "harness/relay/spool/crc32c.hpp"
#include "harness/relay/spool/spool_record.hpp"
#include "tests/unit/relay_spool/spool_test_support.hpp"

using namespace relaylab::relay;

namespace {

SpoolMessage full_message() {
    SpoolMessage message = test::message_for("0190ABCDEF012345", 3);
    message.dsn_ret = "HDRS";
    message.dsn_envid = "QQ314159";
    message.smtputf8 = true;
    message.eight_bit = true;
    message.auth_user = "alice";
    message.attempts = 7;
    message.next_attempt_ms = 1'790'000'123'456;
    message.recipients[1].notify = "SUCCESS,DELAY";
    message.recipients[1].orcpt = "rfc822;b@example.net";
    message.recipients[1].state = RecipientState::delivered;
    message.recipients[2].state = RecipientState::failed;
    message.recipients[2].last_reply = "550 5.1.1 no such user";
    return message;
}

std::string message_record(const SpoolMessage& message, const std::string& body) {
    std::string head;
    REQUIRE(encode_message_head(message, body, head) == EncodeError::none);
    return head + body;
}

}  // namespace

TEST_CASE("crc32c matches the published check values", "[relay_spool][record]") {
    // RFC 3720 B.4 and the usual "123456789" check value of CRC-32C.
    CHECK(crc32c("123456789") == 0xE3069283u);
    CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
    CHECK(crc32c(std::string(32, '\xFF')) == 0x62A8AB43u);
    CHECK(crc32c_extend_portable(0, "123456789") == 0xE3069283u);
    const std::string text = test::body_for("split", 1000);
    for (std::size_t split : {0, 1, 7, 8, 9, 500, 999, 1000}) {
        CHECK(crc32c_extend(crc32c(text.substr(0, split)), text.substr(split)) == crc32c(text));
    }
    // The hardware path (where the CPU has one) and the tables agree at every length and
    // alignment around the 8-octet steps.
    for (std::size_t start = 0; start < 9; ++start) {
        for (std::size_t size = 0; size < 40; ++size) {
            const std::string_view part = std::string_view(text).substr(start, size);
            CHECK(crc32c_extend(0x12345678u, part) == crc32c_extend_portable(0x12345678u, part));
        }
    }
}

TEST_CASE("message, state and finished records round-trip", "[relay_spool][record]") {
    const SpoolMessage message = full_message();
    for (std::size_t body_size : {0, 1, 1024, 100000}) {
        const std::string body = test::body_for(message.id, body_size);
        const std::string record = message_record(message, body);
        Frame frame;
        REQUIRE(decode_frame(record, frame) == FrameError::none);
        CHECK(frame.type == RecordType::message);
        CHECK(frame.size == record.size());
        SpoolMessage decoded;
        std::size_t body_offset = 0;
        REQUIRE(decode_message(frame.payload, decoded, body_offset) == PayloadError::none);
        CHECK(decoded.id == message.id);
        CHECK(decoded.dsn_ret == "HDRS");
        CHECK(decoded.dsn_envid == "QQ314159");
        CHECK(decoded.smtputf8);
        CHECK(decoded.eight_bit);
        CHECK(decoded.auth_user == "alice");
        CHECK(decoded.attempts == 7);
        CHECK(decoded.next_attempt_ms == 1'790'000'123'456);
        REQUIRE(decoded.recipients.size() == 3);
        CHECK(decoded.recipients[1].notify == "SUCCESS,DELAY");
        CHECK(decoded.recipients[1].orcpt == "rfc822;b@example.net");
        CHECK(decoded.recipients[1].state == RecipientState::delivered);
        CHECK(decoded.recipients[2].last_reply == "550 5.1.1 no such user");
        CHECK(decoded.body_size == body_size);
        CHECK(frame.payload.substr(body_offset) == body);
    }

    std::string record;
    REQUIRE(encode_state(message, record) == EncodeError::none);
    Frame frame;
    REQUIRE(decode_frame(record, frame) == FrameError::none);
    CHECK(frame.type == RecordType::state);
    StateChange change;
    REQUIRE(decode_state(frame.payload, change) == PayloadError::none);
    CHECK(change.id == message.id);
    CHECK(change.attempts == 7);
    CHECK(change.recipients[2].state == RecipientState::failed);

    REQUIRE(encode_finished(message.id, record) == EncodeError::none);
    REQUIRE(decode_frame(record, frame) == FrameError::none);
    CHECK(frame.type == RecordType::finished);
    std::string id;
    REQUIRE(decode_finished(frame.payload, id) == PayloadError::none);
    CHECK(id == message.id);
}

TEST_CASE("a record cut at any offset is truncated, never misread", "[relay_spool][record]") {
    const std::string record = message_record(full_message(), test::body_for("cut", 300));
    for (std::size_t size = 0; size < record.size(); ++size) {
        Frame frame;
        INFO("cut at " << size << " of " << record.size());
        CHECK(decode_frame(std::string_view(record).substr(0, size), frame) ==
              FrameError::truncated);
    }
}

TEST_CASE("every single flipped bit is caught", "[relay_spool][record]") {
    const std::string record = message_record(full_message(), test::body_for("flip", 200));
    for (std::size_t bit = 0; bit < record.size() * 8; ++bit) {
        std::string damaged = record;
        damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
        Frame frame;
        INFO("bit " << bit);
        CHECK(decode_frame(damaged, frame) != FrameError::none);
    }
}

TEST_CASE("hostile lengths are refused before anything is allocated", "[relay_spool][record]") {
    Frame frame;
    SECTION("a length field over the record cap") {
        std::string record;
        REQUIRE(encode_finished("0000000000000001", record) == EncodeError::none);
        record[5] = record[6] = record[7] = record[8] = '\xFF';
        CHECK(decode_frame(record, frame) == FrameError::too_long);
    }
    SECTION("garbage is not a record") {
        CHECK(decode_frame("not a spool record at all", frame) == FrameError::bad_magic);
    }
    SECTION("a string length beyond the payload") {
        // version, then an id claiming 60 octets with 3 present
        const std::string payload = std::string("\x01\x3C\x00\x00\x00", 5) + "abc";
        std::string id;
        CHECK(decode_finished(payload, id) == PayloadError::truncated);
    }
    SECTION("a string length over its cap") {
        const std::string payload = std::string("\x01\x00\x10\x00\x00", 5) + std::string(4096, 'x');
        std::string id;
        CHECK(decode_finished(payload, id) == PayloadError::field_too_long);
    }
    SECTION("a recipient count over the cap, or more than the payload can hold") {
        for (const std::string& count :
             {std::string("\xFF\xFF\xFF\x7F", 4), std::string("\x00\x01\x00\x00", 4)}) {
            const std::string payload = std::string("\x01\x01\x00\x00\x00", 5) + "x" +
                                        std::string(12, '\0') + count + std::string(40, '\0');
            StateChange change;
            CHECK(decode_state(payload, change) != PayloadError::none);
            CHECK(change.recipients.empty());
        }
    }
    SECTION("a payload version from the future") {
        std::string id;
        CHECK(decode_finished(std::string("\x02\x01\x00\x00\x00x", 6), id) ==
              PayloadError::unknown_version);
    }
}

TEST_CASE("encoding refuses what decoding would refuse", "[relay_spool][record]") {
    SpoolMessage message = full_message();
    std::string head;
    message.recipients.resize(spool_limits::recipients + 1);
    CHECK(encode_message_head(message, "", head) == EncodeError::too_many_recipients);
    message.recipients.clear();  // none is fine (the engine may have dropped them all)
    CHECK(encode_message_head(message, "", head) == EncodeError::none);
    message = full_message();
    message.helo = std::string(spool_limits::envelope_string + 1, 'h');
    CHECK(encode_message_head(message, "", head) == EncodeError::field_too_long);
    message = full_message();
    message.id.clear();
    CHECK(encode_message_head(message, "", head) == EncodeError::field_too_long);
    // A very long last reply is cut, not refused: the state matters, the text is for people.
    message = full_message();
    message.recipients[0].last_reply = std::string(spool_limits::last_reply * 2, 'r');
    std::string record;
    REQUIRE(encode_state(message, record) == EncodeError::none);
    Frame frame;
    REQUIRE(decode_frame(record, frame) == FrameError::none);
    StateChange change;
    REQUIRE(decode_state(frame.payload, change) == PayloadError::none);
    CHECK(change.recipients[0].last_reply.size() == spool_limits::last_reply);
}
