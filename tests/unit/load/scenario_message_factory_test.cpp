// ScenarioMessageFactory: sizes (exact for fixed, within bounds for uniform and lognormal, the
// lognormal's median), weighted senders and recipients, {i} within its pool, byte-identical
// messages for the same seed, the MIME structure with base64 attachments, the tracking id, and
// models it refuses.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/load/scenario_message_factory.hpp"
#include "harness/smtp/sasl.hpp"

using namespace relaylab::load;

namespace {

const std::string fixed_date = "Wed, 02 Dec 2026 13:25:23 +0000";

ScenarioMessageFactory::DateSource pinned_date() {
    return [] { return fixed_date; };
}

TrafficModel basic_model() {
    TrafficModel model;
    model.from = {{"sender{n}@relaylab.test", 1, 0}};
    model.to = {{"user{i}@gmail.test", 1, 1000}};
    model.run_id = "run7";
    model.seed = 11;
    return model;
}

TrafficModel with_attachments(TrafficModel model) {
    model.message.attachments = {{"invoice.pdf", "application/pdf", 1000},
                                 {"photo.jpg", "image/jpeg", 2501}};
    return model;
}

std::vector<std::string_view> lines_of(std::string_view message) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < message.size()) {
        std::size_t end = message.find("\r\n", start);
        if (end == std::string_view::npos) {
            lines.push_back(message.substr(start));  // not CRLF-terminated: check_lines fails
            break;
        }
        lines.push_back(message.substr(start, end - start));
        start = end + 2;
    }
    return lines;
}

// CRLF line ends only, no line over 998 octets, 7-bit.
void check_lines(const std::string& message) {
    REQUIRE(message.ends_with("\r\n"));
    for (std::string_view line : lines_of(message)) {
        INFO("line: " << line.substr(0, 120));
        REQUIRE(line.size() <= 998);
        REQUIRE(line.find_first_of("\r\n") == std::string_view::npos);
        REQUIRE(std::all_of(line.begin(), line.end(),
                            [](unsigned char c) { return c < 0x80 && c != 0; }));
    }
}

std::string header_value(const std::string& message, std::string_view name) {
    std::string key = "\r\n" + std::string(name) + ": ";
    auto at = message.find(key);
    if (at == std::string::npos || at > message.find("\r\n\r\n")) return {};
    at += key.size();
    return message.substr(at, message.find("\r\n", at) - at);
}

std::string content_of(ScenarioMessageFactory& factory, std::uint64_t n) {
    return *factory.make(n).content;
}

}  // namespace

TEST_CASE("fixed size: exact from the fixed parts up, one octet over included",
          "[load][scenario_factory]") {
    bool attachments = GENERATE(false, true);
    TrafficModel model = attachments ? with_attachments(basic_model()) : basic_model();
    model.recipients = RecipientCount::fixed(3);
    model.message.size.bytes = 0;
    const std::size_t fixed_parts =
        ScenarioMessageFactory(model, pinned_date()).make(5).content->size();
    for (std::size_t size = fixed_parts; size < fixed_parts + 300; ++size) {
        model.message.size.bytes = size;
        ScenarioMessageFactory factory(model, pinned_date());
        auto content = content_of(factory, 5);
        INFO((attachments ? "multipart" : "text")
             << ", size " << size << ", fixed parts " << fixed_parts);
        REQUIRE(factory.drawn_size(5) == size);
        REQUIRE(content.size() == size);
        check_lines(content);
    }
    SECTION("below the fixed parts: the fixed parts alone") {
        model.message.size.bytes = fixed_parts / 2;
        ScenarioMessageFactory factory(model, pinned_date());
        CHECK(content_of(factory, 5).size() == fixed_parts);
    }
    SECTION("large sizes") {
        model.message.size.bytes = 1'000'003;
        ScenarioMessageFactory factory(model, pinned_date());
        auto content = content_of(factory, 77);
        CHECK(content.size() == 1'000'003);
        check_lines(content);
    }
}

TEST_CASE("the body text comes first, padded or cut to the size", "[load][scenario_factory]") {
    TrafficModel model = basic_model();
    model.message.body = "Hello {n},\nthis is line two.\r\nAnd three.";
    model.message.size.bytes = 4000;
    ScenarioMessageFactory factory(model, pinned_date());
    auto content = content_of(factory, 12);
    auto body = content.substr(content.find("\r\n\r\n") + 4);
    CHECK(body.starts_with("Hello 12,\r\nthis is line two.\r\nAnd three.\r\n"));
    CHECK(content.size() == 4000);

    std::size_t headers = content.size() - body.size();
    model.message.size.bytes = headers + 15;  // "Hello 12,\r\n" and 4 octets of line two
    ScenarioMessageFactory small(model, pinned_date());
    auto cut = content_of(small, 12);
    CHECK(cut.size() == headers + 15);
    CHECK(cut.substr(headers) == "Hello 12,\r\nth\r\n");
    check_lines(cut);
}

TEST_CASE("uniform sizes stay within [min, max] and cover the range", "[load][scenario_factory]") {
    TrafficModel model = basic_model();
    model.message.size.distribution = SizeDistribution::uniform;
    model.message.size.min = 2000;
    model.message.size.max = 9000;
    ScenarioMessageFactory factory(model, pinned_date());
    std::size_t low = SIZE_MAX, high = 0, lower_half = 0;
    for (std::uint64_t n = 1; n <= 2000; ++n) {
        std::size_t size = factory.drawn_size(n);
        REQUIRE(size >= 2000);
        REQUIRE(size <= 9000);
        low = std::min(low, size);
        high = std::max(high, size);
        lower_half += size < 5500;
        if (n <= 50) CHECK(content_of(factory, n).size() == size);
    }
    CHECK(low < 2100);
    CHECK(high > 8900);
    CHECK(lower_half == Approx(1000).margin(100));
}

TEST_CASE("lognormal sizes: the median, clamped to [min, max]", "[load][scenario_factory]") {
    TrafficModel model = basic_model();
    model.message.size.distribution = SizeDistribution::lognormal;
    model.message.size.median = 8000;
    model.message.size.sigma = GENERATE(0.5, 1.5);
    model.message.size.min = 600;
    model.message.size.max = 2'000'000;
    ScenarioMessageFactory factory(model, pinned_date());
    std::vector<std::size_t> sizes;
    for (std::uint64_t n = 1; n <= 5000; ++n)
        sizes.push_back(factory.drawn_size(n));
    std::sort(sizes.begin(), sizes.end());
    INFO("sigma " << model.message.size.sigma);
    CHECK(static_cast<double>(sizes[2500]) == Approx(8000).epsilon(0.1));
    CHECK(sizes.front() >= 600);
    CHECK(sizes.back() <= 2'000'000);
    // The spread: a quarter of ln(size) is below mu - 0.674 sigma.
    double quartile = 8000 * std::exp(-0.674 * model.message.size.sigma);
    CHECK(static_cast<double>(sizes[1250]) == Approx(quartile).epsilon(0.12));

    SECTION("tight bounds clamp") {
        model.message.size.min = 7000;
        model.message.size.max = 9000;
        ScenarioMessageFactory clamped(model, pinned_date());
        std::size_t at_bounds = 0;
        for (std::uint64_t n = 1; n <= 1000; ++n) {
            std::size_t size = clamped.drawn_size(n);
            REQUIRE(size >= 7000);
            REQUIRE(size <= 9000);
            at_bounds += size == 7000 || size == 9000;
        }
        CHECK(at_bounds > 300);
    }
}

TEST_CASE("senders and recipients follow their weights", "[load][scenario_factory]") {
    TrafficModel model = basic_model();
    model.from = {{"a@one.test", 1, 0}, {"b@two.test", 3, 0}};
    model.to = {{"x{n}@gmail.test", 5, 0}, {"y{n}@yahoo.test", 3, 0}, {"z{n}@outlook.test", 2, 0}};
    model.recipients = RecipientCount::fixed(2);
    ScenarioMessageFactory factory(model, pinned_date());
    std::map<std::string, double> senders, domains;
    constexpr int messages = 10'000;
    for (std::uint64_t n = 1; n <= messages; ++n) {
        senders[factory.mail_from(n)] += 1;
        for (const auto& address : factory.recipients(n))
            domains[address.substr(address.find('@') + 1)] += 1;
    }
    CHECK(senders["a@one.test"] / messages == Approx(0.25).margin(0.03));
    CHECK(senders["b@two.test"] / messages == Approx(0.75).margin(0.03));
    CHECK(domains["gmail.test"] / (2 * messages) == Approx(0.5).margin(0.03));
    CHECK(domains["yahoo.test"] / (2 * messages) == Approx(0.3).margin(0.03));
    CHECK(domains["outlook.test"] / (2 * messages) == Approx(0.2).margin(0.03));
}

TEST_CASE("{n}, {r} and {i} expand; {i} stays within its pool", "[load][scenario_factory]") {
    TrafficModel model = basic_model();
    model.from = {{"bounce-{n}-{i}@relaylab.test", 1, 0}};  // pool 0: {i} is n
    model.to = {{"user{i}.r{r}@gmail.test", 1, 7}};
    model.recipients = RecipientCount::fixed(3);
    ScenarioMessageFactory factory(model, pinned_date());
    std::set<std::uint64_t> seen;
    for (std::uint64_t n = 1; n <= 500; ++n) {
        CHECK(factory.mail_from(n) ==
              "bounce-" + std::to_string(n) + "-" + std::to_string(n) + "@relaylab.test");
        auto recipients = factory.recipients(n);
        REQUIRE(recipients.size() == 3);
        for (std::size_t r = 1; r <= 3; ++r) {
            const std::string& address = recipients[r - 1];
            INFO(address);
            REQUIRE(address.starts_with("user"));
            std::uint64_t i = std::stoull(address.substr(4));
            CHECK(i >= 1);
            CHECK(i <= 7);
            CHECK(address.ends_with(".r" + std::to_string(r) + "@gmail.test"));
            seen.insert(i);
        }
    }
    CHECK(seen.size() == 7);
}

TEST_CASE("recipients of one message are distinct", "[load][scenario_factory]") {
    TrafficModel model = basic_model();
    model.to = {{"postmaster@gmail.test", 1, 0}};
    model.recipients = RecipientCount::fixed(3);
    ScenarioMessageFactory factory(model, pinned_date());
    CHECK(factory.recipients(4) == std::vector<std::string>{"postmaster@gmail.test",
                                                            "postmaster+2@gmail.test",
                                                            "postmaster+3@gmail.test"});
}

TEST_CASE("the same seed gives byte-identical messages; another seed, others",
          "[load][scenario_factory]") {
    TrafficModel model = with_attachments(basic_model());
    model.message.size.distribution = SizeDistribution::lognormal;
    model.recipients = *RecipientCount::parse("1-4");
    ScenarioMessageFactory first(model, pinned_date());
    ScenarioMessageFactory second(model, pinned_date());
    model.seed = 12;
    ScenarioMessageFactory reseeded(model, pinned_date());
    std::size_t differing = 0;
    for (std::uint64_t n = 1; n <= 50; ++n) {
        auto a = first.make(n);
        auto b = second.make(n);
        INFO("n " << n);
        CHECK(*a.content == *b.content);
        CHECK(a.recipients == b.recipients);
        CHECK(a.mail_from == b.mail_from);
        differing += *reseeded.make(n).content != *a.content;
    }
    CHECK(differing == 50);
    // Made in any order, on any thread: the same message.
    std::vector<std::string> parallel(40);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (std::uint64_t n = 40 - t; n >= 1 && n <= 40; n -= 4)
                parallel[n - 1] = *first.make(n).content;
        });
    }
    for (auto& thread : threads)
        thread.join();
    for (std::uint64_t n = 1; n <= 40; ++n)
        CHECK(parallel[n - 1] == *second.make(n).content);
}

TEST_CASE("headers: tracking id, Message-ID, Date, extra fields", "[load][scenario_factory]") {
    TrafficModel model = basic_model();
    model.message.subject = "Invoice {n}";
    model.message.headers = {"List-Unsubscribe: <mailto:unsub-{n}@relaylab.test>",
                             "X-Campaign: spring"};
    ScenarioMessageFactory factory(model, pinned_date());
    auto message = factory.make(42);
    const std::string& content = *message.content;
    CHECK(message.tracking_id == "run7-42");
    CHECK(content.starts_with("From: <sender42@relaylab.test>\r\n"));
    CHECK(header_value(content, "X-Relaylab-Id") == "run7-42");
    CHECK(header_value(content, "Message-ID") == "<run7-42@relaylab.test>");
    CHECK(header_value(content, "Subject") == "Invoice 42");
    CHECK(header_value(content, "Date") == fixed_date);
    CHECK(header_value(content, "MIME-Version") == "1.0");
    CHECK(header_value(content, "List-Unsubscribe") == "<mailto:unsub-42@relaylab.test>");
    CHECK(header_value(content, "X-Campaign") == "spring");
    CHECK(header_value(content, "Content-Type") == "text/plain; charset=us-ascii");
    CHECK(header_value(content, "To") == "<" + message.recipients[0] + ">");
}

TEST_CASE("attachments: multipart/mixed with base64 parts that decode to their size",
          "[load][scenario_factory]") {
    TrafficModel model = with_attachments(basic_model());
    model.message.body = "See attached.";
    model.message.size.bytes = 12'000;
    ScenarioMessageFactory factory(model, pinned_date());
    const std::string content = content_of(factory, 9);
    CHECK(content.size() == 12'000);
    check_lines(content);

    std::string type = header_value(content, "Content-Type");
    REQUIRE(type.starts_with("multipart/mixed; boundary=\""));
    std::string boundary = type.substr(27, type.size() - 28);
    REQUIRE(!boundary.empty());
    REQUIRE(boundary.size() <= 70);  // RFC 2046 5.1.1
    std::string delimiter = "--" + boundary;
    CHECK(content.ends_with("\r\n" + delimiter + "--\r\n"));

    // The parts, between delimiter lines.
    auto body = content.substr(content.find("\r\n\r\n") + 4);
    std::vector<std::string> parts;
    std::size_t at = body.find(delimiter + "\r\n");
    REQUIRE(at == 0);
    while (at != std::string::npos) {
        std::size_t start = at + delimiter.size() + 2;
        std::size_t next = body.find("\r\n" + delimiter, start);
        REQUIRE(next != std::string::npos);
        parts.push_back(body.substr(start, next + 2 - start));
        at = body.compare(next + 2 + delimiter.size(), 2, "--") == 0 ? std::string::npos : next + 2;
    }
    REQUIRE(parts.size() == 3);
    CHECK(parts[0].starts_with("Content-Type: text/plain; charset=us-ascii\r\n\r\nSee attached."));
    const std::vector<std::pair<std::string, std::size_t>> expected = {{"invoice.pdf", 1000},
                                                                       {"photo.jpg", 2501}};
    for (std::size_t k = 0; k < 2; ++k) {
        const std::string& part = parts[k + 1];
        INFO("attachment " << k);
        CHECK(part.find("filename=\"" + expected[k].first + "\"") != std::string::npos);
        CHECK(part.find("Content-Transfer-Encoding: base64\r\n") != std::string::npos);
        std::string encoded;
        std::string part_body = part.substr(part.find("\r\n\r\n") + 4);
        auto lines = lines_of(part_body);
        for (std::size_t l = 0; l < lines.size(); ++l) {
            CHECK(lines[l].size() <= 76);
            if (l + 1 < lines.size()) CHECK(lines[l].size() == 76);
            encoded += lines[l];
        }
        auto decoded = relaylab::smtp::base64_decode(encoded);
        REQUIRE(decoded);
        CHECK(decoded->size() == expected[k].second);
    }
    // Other messages carry other bytes.
    CHECK(content_of(factory, 10).substr(2000, 2000) != content.substr(2000, 2000));
}

TEST_CASE("models that would make broken mail are refused, naming the field",
          "[load][scenario_factory]") {
    struct Case {
        std::string label;
        std::function<void(TrafficModel&)> spoil;
        std::string field;
    };
    std::vector<Case> cases = {
        {"no sender", [](TrafficModel& m) { m.from.clear(); }, "from"},
        {"zero weight", [](TrafficModel& m) { m.to[0].weight = 0; }, "to[0].weight"},
        {"infinite sum",
         [](TrafficModel& m) {
             m.to = {{"a@b.test", 1e308, 0}, {"c@d.test", 1e308, 0}};
         },
         "to[1].weight"},
        {"no @", [](TrafficModel& m) { m.from[0].address = "sender{n}"; }, "from[0].address"},
        {"space", [](TrafficModel& m) { m.to[0].address = "a b@c.test"; }, "to[0].address"},
        {"local part too long once expanded",
         [](TrafficModel& m) { m.to[0].address = std::string(50, 'a') + "{n}@c.test"; },
         "to[0].address"},
        {"run id", [](TrafficModel& m) { m.run_id = "a b"; }, "run_id"},
        {"subject with a line break", [](TrafficModel& m) { m.message.subject = "a\r\nBcc: x"; },
         "message.subject"},
        {"non-ASCII subject", [](TrafficModel& m) { m.message.subject = "caf\xc3\xa9"; },
         "message.subject"},
        {"body line over 998", [](TrafficModel& m) { m.message.body = std::string(999, 'x'); },
         "message.body"},
        {"header without colon", [](TrafficModel& m) { m.message.headers = {"X-Bad value"}; },
         "message.headers[0]"},
        {"header the factory writes", [](TrafficModel& m) { m.message.headers = {"date: x"}; },
         "message.headers[0]"},
        {"header value with CR", [](TrafficModel& m) { m.message.headers = {"X-A: b\rc"}; },
         "message.headers[0]"},
        {"min above max",
         [](TrafficModel& m) {
             m.message.size.distribution = SizeDistribution::uniform;
             m.message.size.min = 10;
             m.message.size.max = 5;
         },
         "message.size.min"},
        {"huge", [](TrafficModel& m) { m.message.size.bytes = std::size_t{1} << 40; },
         "message.size.bytes"},
        {"median 0",
         [](TrafficModel& m) {
             m.message.size.distribution = SizeDistribution::lognormal;
             m.message.size.median = 0;
         },
         "message.size.median"},
        {"quote in a file name",
         [](TrafficModel& m) {
             m.message.attachments = {{"a\".pdf", "application/pdf", 10}};
         },
         "message.attachments[0].filename"},
        {"content type without subtype",
         [](TrafficModel& m) {
             m.message.attachments = {{"a.pdf", "application", 10}};
         },
         "message.attachments[0].content_type"},
        {"attachments too big",
         [](TrafficModel& m) {
             m.message.attachments = {{"a.bin", "application/octet-stream", std::size_t{1} << 40}};
         },
         "message.attachments[0].bytes"},
    };
    for (const auto& c : cases) {
        TrafficModel model = basic_model();
        c.spoil(model);
        INFO(c.label);
        try {
            ScenarioMessageFactory factory(model);
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            std::string what = e.what();
            INFO(what);
            CHECK(what.starts_with("traffic model: " + c.field + ": "));
        }
    }
}
