#include "harness/dns/resolver.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "harness/dns/core/message.hpp"

namespace relaylab::dns {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Big enough for any UDP answer (EDNS sizes above 4096 are not advertised, RFC 6891 6.2.5).
constexpr std::size_t udp_receive_buffer = 65535;

template <class T>
LookupResult<T> from_answer(const Answer& answer) {
    LookupResult<T> result;
    result.status = answer.status;
    result.ttl = answer.ttl;
    result.detail = answer.detail;
    result.authenticated_data = answer.authenticated_data;
    return result;
}

}  // namespace

struct Resolver::Exchange {
    enum class Outcome { answered, truncated, timeout, failed } outcome = Outcome::failed;
    Answer answer;
    std::string detail;
};

Resolver::Resolver(asio::any_io_executor executor, ResolverConfig config)
    : executor_(std::move(executor)),
      config_(std::move(config)),
      cache_(config_.cache ? config_.max_cache_entries : 0),
      id_rng_(std::random_device{}()) {
    validate(config_);
}

asio::awaitable<Answer> Resolver::lookup(std::string name, RrType type) {
    ++stats_.lookups;
    if (auto problem = check_name(name); !problem.empty()) {
        Answer answer;
        answer.status = Status::servfail;
        answer.detail = "invalid domain name '" + name.substr(0, 300) + "': " + problem;
        co_return answer;
    }
    std::string key = normalize_name(name);
    if (config_.cache) {
        if (auto cached = cache_.get(key, type, AnswerCache::Clock::now())) {
            ++stats_.cache_hits;
            co_return *cached;
        }
    }
    Answer answer = co_await ask_servers(name, type);
    if (config_.cache) cache_.put(key, type, answer, AnswerCache::Clock::now());
    co_return answer;
}

// Every server in order, `tries` rounds (as glibc's res_send): a SERVFAIL, REFUSED or an
// unusable reply moves on to the next server; the first ok/nxdomain/nodata wins.
asio::awaitable<Answer> Resolver::ask_servers(const std::string& name, RrType type) {
    Answer failure;
    failure.status = Status::timeout;
    failure.detail = "no answer from any server";
    for (int round = 0; round < config_.tries; ++round) {
        for (const auto& server : config_.servers) {
            Exchange exchange = co_await udp_exchange(server, name, type);
            bool used_tcp = false;
            if (exchange.outcome == Exchange::Outcome::truncated) {
                exchange = co_await tcp_exchange(server, name, type);
                used_tcp = true;
            }
            if (exchange.outcome == Exchange::Outcome::answered) {
                exchange.answer.server = server.to_string();
                exchange.answer.truncated_retry = used_tcp;
                if (exchange.answer.status != Status::servfail &&
                    exchange.answer.status != Status::refused)
                    co_return exchange.answer;
                failure = exchange.answer;
            } else if (exchange.outcome == Exchange::Outcome::failed) {
                failure.status = Status::servfail;
                failure.server = server.to_string();
                failure.detail = exchange.detail;
            } else if (failure.status == Status::timeout) {
                failure.detail = exchange.detail;
            }
        }
    }
    co_return failure;
}

asio::awaitable<Resolver::Exchange> Resolver::udp_exchange(const NameServer& server,
                                                           const std::string& name, RrType type) {
    Exchange result;
    auto id = static_cast<std::uint16_t>(id_rng_());
    std::vector<std::uint8_t> query = build_query(id, name, type, config_.edns_udp_size, true);
    udp::endpoint peer(asio::ip::make_address(server.address), server.port);
    // A fresh socket per query gets a fresh ephemeral port (RFC 5452 9.2), and connect()
    // makes the kernel drop datagrams from anyone but the server.
    udp::socket socket(executor_, peer.protocol());
    boost::system::error_code ec;
    socket.connect(peer, ec);
    if (ec) {
        result.detail = "cannot reach " + server.to_string() + ": " + ec.message();
        co_return result;
    }
    ++stats_.udp_queries;
    auto [send_ec, sent] = co_await socket.async_send(asio::buffer(query), use_tuple);
    if (send_ec) {
        result.detail = "sending to " + server.to_string() + ": " + send_ec.message();
        co_return result;
    }
    (void)sent;
    std::vector<std::uint8_t> buffer(udp_receive_buffer);
    auto receive = [&]() -> asio::awaitable<Exchange> {
        Exchange got;
        for (;;) {
            auto [rec_ec, n] = co_await socket.async_receive(asio::buffer(buffer), use_tuple);
            if (rec_ec) {
                // ICMP port unreachable arrives as connection_refused: nobody listens there.
                got.outcome = Exchange::Outcome::timeout;
                got.detail = server.to_string() + ": " + rec_ec.message();
                co_return got;
            }
            ParsedResponse parsed = parse_response(std::span(buffer.data(), n), id, name, type);
            switch (parsed.kind) {
                case ResponseKind::mismatch:
                    continue;  // a stray or forged packet: keep waiting for ours
                case ResponseKind::truncated:
                    got.outcome = Exchange::Outcome::truncated;
                    co_return got;
                case ResponseKind::malformed:
                    got.outcome = Exchange::Outcome::failed;
                    got.detail = server.to_string() + ": " + parsed.error;
                    co_return got;
                case ResponseKind::usable:
                    got.outcome = Exchange::Outcome::answered;
                    got.answer = std::move(parsed.answer);
                    co_return got;
            }
        }
    };
    asio::steady_timer timer(executor_, config_.timeout);
    auto raced = co_await (receive() || timer.async_wait(use_tuple));
    if (raced.index() == 1) {
        ++stats_.timeouts;
        result.outcome = Exchange::Outcome::timeout;
        result.detail = server.to_string() + ": no answer within " +
                        std::to_string(config_.timeout.count()) + " ms";
        co_return result;
    }
    co_return std::get<0>(std::move(raced));
}

asio::awaitable<Resolver::Exchange> Resolver::tcp_exchange(const NameServer& server,
                                                           const std::string& name, RrType type) {
    auto id = static_cast<std::uint16_t>(id_rng_());
    // Over TCP there is no size limit to advertise; EDNS stays for symmetry with UDP.
    std::vector<std::uint8_t> query = build_query(id, name, type, config_.edns_udp_size, true);
    tcp::endpoint peer(asio::ip::make_address(server.address), server.port);
    tcp::socket socket(executor_);
    ++stats_.tcp_queries;
    auto talk = [&]() -> asio::awaitable<Exchange> {
        Exchange got;
        got.outcome = Exchange::Outcome::failed;
        auto [connect_ec] = co_await socket.async_connect(peer, use_tuple);
        if (connect_ec) {
            got.outcome = Exchange::Outcome::timeout;
            got.detail = "TCP to " + server.to_string() + ": " + connect_ec.message();
            co_return got;
        }
        // RFC 1035 4.2.2: two octets of length, then the message.
        std::array<std::uint8_t, 2> length{static_cast<std::uint8_t>(query.size() >> 8),
                                           static_cast<std::uint8_t>(query.size() & 0xff)};
        std::array<asio::const_buffer, 2> out{asio::buffer(length), asio::buffer(query)};
        auto [write_ec, written] = co_await asio::async_write(socket, out, use_tuple);
        (void)written;
        if (write_ec) {
            got.detail = "TCP to " + server.to_string() + ": " + write_ec.message();
            co_return got;
        }
        auto [len_ec, len_n] = co_await asio::async_read(socket, asio::buffer(length), use_tuple);
        (void)len_n;
        if (len_ec) {
            got.detail = "TCP from " + server.to_string() + ": " + len_ec.message();
            co_return got;
        }
        std::vector<std::uint8_t> reply(static_cast<std::size_t>(length[0]) << 8 | length[1]);
        auto [body_ec, body_n] = co_await asio::async_read(socket, asio::buffer(reply), use_tuple);
        (void)body_n;
        if (body_ec) {
            got.detail = "TCP from " + server.to_string() + ": " + body_ec.message();
            co_return got;
        }
        ParsedResponse parsed = parse_response(reply, id, name, type);
        if (parsed.kind == ResponseKind::usable) {
            got.outcome = Exchange::Outcome::answered;
            got.answer = std::move(parsed.answer);
        } else {
            got.detail =
                "TCP from " + server.to_string() + ": " +
                (parsed.kind == ResponseKind::truncated ? "truncated even over TCP" : parsed.error);
        }
        co_return got;
    };
    asio::steady_timer timer(executor_, config_.timeout);
    auto raced = co_await (talk() || timer.async_wait(use_tuple));
    if (raced.index() == 1) {
        ++stats_.timeouts;
        Exchange result;
        result.outcome = Exchange::Outcome::timeout;
        result.detail = "TCP to " + server.to_string() + ": no answer within " +
                        std::to_string(config_.timeout.count()) + " ms";
        co_return result;
    }
    co_return std::get<0>(std::move(raced));
}

asio::awaitable<MxResult> Resolver::mx(std::string domain) {
    Answer answer = co_await lookup(domain, RrType::mx);
    if (answer.status != Status::nodata) co_return order_mx(answer, config_.seed);
    // RFC 5321 5.1: no MX records: the domain itself is the implicit MX if it has an address.
    Answer v4 = co_await lookup(domain, RrType::a);
    Answer v6 = co_await lookup(domain, RrType::aaaa);
    bool has_address = v4.status == Status::ok || v6.status == Status::ok;
    if (!has_address) {
        for (const Answer* failed : {&v4, &v6}) {
            if (failed->status == Status::servfail || failed->status == Status::timeout ||
                failed->status == Status::refused) {
                MxResult result;
                result.status = failed->status;
                result.detail = "implicit MX: " + failed->detail;
                co_return result;
            }
        }
    }
    co_return implicit_mx(normalize_name(domain), has_address);
}

asio::awaitable<LookupResult<std::string>> Resolver::a(std::string name) {
    Answer answer = co_await lookup(std::move(name), RrType::a);
    auto result = from_answer<std::string>(answer);
    for (const auto& r : answer.records) {
        if (const auto* a = std::get_if<AddressData>(&r.data)) result.values.push_back(a->address);
    }
    co_return result;
}

asio::awaitable<LookupResult<std::string>> Resolver::aaaa(std::string name) {
    Answer answer = co_await lookup(std::move(name), RrType::aaaa);
    auto result = from_answer<std::string>(answer);
    for (const auto& r : answer.records) {
        if (const auto* a = std::get_if<AddressData>(&r.data)) result.values.push_back(a->address);
    }
    co_return result;
}

asio::awaitable<LookupResult<std::string>> Resolver::txt(std::string name) {
    Answer answer = co_await lookup(std::move(name), RrType::txt);
    auto result = from_answer<std::string>(answer);
    for (const auto& r : answer.records) {
        if (const auto* t = std::get_if<TxtData>(&r.data)) result.values.push_back(t->joined());
    }
    co_return result;
}

asio::awaitable<LookupResult<TlsaData>> Resolver::tlsa(std::string name) {
    Answer answer = co_await lookup(std::move(name), RrType::tlsa);
    auto result = from_answer<TlsaData>(answer);
    for (const auto& r : answer.records) {
        if (const auto* t = std::get_if<TlsaData>(&r.data)) result.values.push_back(*t);
    }
    co_return result;
}

asio::awaitable<LookupResult<std::string>> Resolver::ptr(std::string ip) {
    std::string name = reverse_name(ip);
    if (name.empty()) {
        LookupResult<std::string> result;
        result.detail = "'" + ip.substr(0, 100) + "' is not an IP address";
        co_return result;
    }
    Answer answer = co_await lookup(name, RrType::ptr);
    auto result = from_answer<std::string>(answer);
    for (const auto& r : answer.records) {
        if (const auto* n = std::get_if<NameData>(&r.data)) result.values.push_back(n->name);
    }
    co_return result;
}

}  // namespace relaylab::dns
