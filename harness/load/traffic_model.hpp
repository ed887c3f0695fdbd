// What a scenario's `traffic` section asks the load generator for: who sends to whom (address
// templates with weights), what the messages look like (subject, body, a size distribution,
// attachments) and how they arrive (count or duration, closed or open loop, constant or Poisson
// arrivals, ramp-up). Plain values, filled by the scenario parser (harness/scenario) and turned
// into messages by ScenarioMessageFactory and into a schedule by the LoadPlan.
//
// Every random choice is drawn from (seed, message number), never from a shared generator, so
// the same seed gives the same messages whatever the concurrency, the sharding or the timing.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/load/recipient_count.hpp"

namespace relaylab::load {

// An address template ("user{n}@gmail.test": {n} the message number, {r} the recipient's
// index, {i} a number drawn from 1..`pool` so a finite set of mailboxes recurs) and its share.
struct WeightedAddress {
    std::string address;
    double weight = 1;
    std::uint64_t pool = 0;  // 0: {i} is the message number
};

enum class SizeDistribution { fixed, uniform, lognormal };

// The whole message's size in octets (headers, body and attachments, before dot-stuffing).
struct SizeModel {
    SizeDistribution distribution = SizeDistribution::fixed;
    std::size_t bytes = 2048;  // fixed
    std::size_t min = 1024;    // uniform; lognormal: the floor
    std::size_t max = 65536;   // uniform; lognormal: the ceiling
    double median = 4096;      // lognormal: exp(mu)
    double sigma = 1.0;        // lognormal: the spread of ln(size)
};

struct Attachment {
    std::string filename;  // "invoice.pdf"
    std::string content_type = "application/octet-stream";
    std::size_t bytes = 10'000;  // decoded size; sent base64 (×4/3)
};

struct MessageModel {
    std::string subject = "relaylab test message {n}";
    // The text part; padded (or cut) to reach the drawn size. "{n}" is replaced.
    std::string body = "This is relaylab test message {n}.";
    SizeModel size;
    std::vector<Attachment> attachments;  // multipart/mixed when not empty
    // Extra header fields, "Name: value" each ({n} replaced), e.g. a List-Unsubscribe.
    std::vector<std::string> headers;
    // The From: header's address ({n} replaced) when it is not the envelope sender, as when an
    // ESP's bounce domain is MAIL FROM (SPF then passes for the wrong domain: no DMARC
    // alignment); empty: the envelope sender.
    std::string header_from;
    // An HTML alternative ({n} replaced): when set, the text and this HTML go as
    // multipart/alternative (what marketing mail looks like: links, images to track).
    std::string html;
};

enum class Arrivals {
    closed_loop,  // `concurrency` sessions, each sending as fast as replies allow
    constant,     // open loop: one message every 1/rate seconds
    poisson,      // open loop: exponential gaps with mean 1/rate (seeded)
};

struct TrafficModel {
    std::vector<WeightedAddress> from;  // at least one; picked per message by weight
    std::vector<WeightedAddress> to;    // picked per recipient by weight
    RecipientCount recipients;          // per message
    MessageModel message;
    std::optional<std::uint64_t> count;                 // messages; or:
    std::optional<std::chrono::milliseconds> duration;  // send for this long
    Arrivals arrivals = Arrivals::closed_loop;
    double rate = 0;                          // msgs/s, open loop
    std::size_t concurrency = 10;             // connections at once (open loop: the most in flight)
    std::size_t messages_per_connection = 0;  // 0: reuse until done
    // Open loop: the rate climbs linearly from 0 to `rate` over this long; closed loop: the
    // sessions start evenly spread over it.
    std::chrono::milliseconds ramp_up{0};
    std::uint64_t seed = 1;
    std::string run_id = "run";  // prefix of the tracking ids: "<run_id>-<n>"
};

}  // namespace relaylab::load
