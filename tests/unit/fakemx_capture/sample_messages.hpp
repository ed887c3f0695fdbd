// Messages for the capture tests: a small RFC 5322 message with a tracking id, and its
// metadata as the fake MX shell would build it.
#pragma once

#include <string>

#include "fake-mx/capture/capture_store.hpp"
#include "fake-mx/capture/captured_message.hpp"

namespace relaylab::fakemx::capture::testing {

struct SampleOptions {
    std::string from = "sender@example.org";
    std::string to = "rcpt@example.com";
    std::string subject = "Hello";
    std::string tracking_id = "run-1";
    std::string host = "mx1.test";
    std::size_t body_bytes = 100;
    std::int64_t received_unix_s = 1'700'000'000;
};

inline std::string sample_raw(const SampleOptions& o) {
    std::string raw = "From: Sender <" + o.from + ">\r\nTo: <" + o.to +
                      ">\r\nSubject: " + o.subject + "\r\nMessage-ID: <" + o.tracking_id +
                      "@example.org>\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\nX-Relaylab-Id: " +
                      o.tracking_id + "\r\n\r\n";
    raw.append(o.body_bytes, 'x');
    raw += "\r\n";
    raw.shrink_to_fit();
    return raw;
}

inline CapturedMessage sample_message(const SampleOptions& o, std::uint64_t size) {
    CapturedMessage m;
    m.session_id = "S" + o.tracking_id;
    m.queue_id = "Q" + o.tracking_id;
    m.host = o.host;
    m.client_ip = "127.0.0.1";
    m.client_port = 40000;
    m.helo = "client.example.org";
    m.esmtp = true;
    m.mail_from = o.from;
    m.mail_params.size = size;
    m.recipients.push_back({o.to, {}});
    m.connected_at =
        std::chrono::system_clock::time_point(std::chrono::seconds(o.received_unix_s - 1));
    m.received_at = std::chrono::system_clock::time_point(std::chrono::seconds(o.received_unix_s));
    m.size = size;
    return m;
}

// Stores a sample message; returns its id.
inline std::uint64_t add_sample(CaptureStore& store, const SampleOptions& o) {
    std::string raw = sample_raw(o);
    CapturedMessage m = sample_message(o, raw.size());
    return store.add(std::move(m), std::move(raw));
}

}  // namespace relaylab::fakemx::capture::testing
