#include "fake-mx/dns-fixture/server.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <list>
#include <vector>

#include "harness/log/log.hpp"
#include "harness/log/spawn_handler.hpp"
#include "harness/net/connection_governor.hpp"
#include "harness/net/descriptor_limit.hpp"

namespace relaylab::dns::fixture {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t udp_buffer_octets = 65535;
constexpr int bind_attempts = 20;  // port 0: UDP picks, TCP may find it taken; try again
// Bursts of queries (dnsperf, a relay resolving a batch of domains) overflow the default
// receive buffer (about 200 KiB) and are lost; NSD asks for 1 MiB too. The kernel caps it.
constexpr int udp_receive_buffer_octets = 1 << 20;
// After a failed accept (out of descriptors) wait before trying again instead of spinning.
constexpr std::chrono::milliseconds accept_backoff{100};

// One TCP connection as the room-making logic sees it.
struct TcpConnection {
    tcp::socket* socket = nullptr;
    net::ClientKey key;
    bool idle = false;  // waiting for the next query's length prefix
    std::chrono::steady_clock::time_point idle_since{};
    bool evicted = false;  // closed to make room; its slot is already released
};

template <class Endpoint>
std::string to_text(const Endpoint& endpoint) {
    auto address = endpoint.address();
    return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
           std::to_string(endpoint.port());
}

}  // namespace

struct FixtureServer::State {
    asio::any_io_executor executor;
    Fixture fixture;
    ServerOptions options;
    udp::socket udp_socket;
    tcp::acceptor acceptor;
    QueryLogSink log;
    std::size_t tcp_connections = 0;
    std::size_t delayed_replies = 0;
    std::list<TcpConnection> connections;
    net::ConnectionGovernor governor;

    State(asio::any_io_executor ex, Fixture f, ServerOptions o)
        : executor(ex),
          fixture(std::move(f)),
          options(o),
          udp_socket(ex),
          acceptor(ex),
          governor(net::GovernorLimits{.max_connections = o.max_tcp_connections,
                                       .max_per_client = o.max_tcp_connections_per_client},
                   &net::DescriptorBudget::process()) {}

    // Closes the connection idle longest (of one client, or of anyone); false if none is idle.
    bool make_room(const net::ClientKey* of_client) {
        TcpConnection* victim = nullptr;
        for (auto& connection : connections) {
            if (!connection.idle || connection.evicted) continue;
            if (of_client && !(connection.key == *of_client)) continue;
            if (!victim || connection.idle_since < victim->idle_since) victim = &connection;
        }
        if (!victim) return false;
        victim->evicted = true;
        governor.release(victim->key);
        --tcp_connections;
        boost::system::error_code ignored;
        victim->socket->shutdown(tcp::socket::shutdown_both, ignored);
        victim->socket->cancel(ignored);
        return true;
    }

    Decision handle(std::span<const std::uint8_t> query, Transport transport,
                    const std::string& client) {
        auto received = std::chrono::system_clock::now();
        Decision decision = fixture.handle_query(query, transport);
        if (log) {
            decision.log.time = received;
            decision.log.client = client;
            log(decision.log);
        }
        return decision;
    }
};

namespace {

using StatePtr = std::shared_ptr<FixtureServer::State>;

asio::awaitable<void> delayed_udp_reply(StatePtr state, udp::endpoint client,
                                        std::vector<std::uint8_t> reply,
                                        std::chrono::milliseconds delay) {
    asio::steady_timer timer(state->executor, delay);
    co_await timer.async_wait(use_tuple);
    if (state->udp_socket.is_open()) {
        co_await state->udp_socket.async_send_to(asio::buffer(reply), client, use_tuple);
    }
    --state->delayed_replies;
}

asio::awaitable<void> udp_loop(StatePtr state) {
    std::vector<std::uint8_t> buffer(udp_buffer_octets);
    udp::endpoint client;
    state->udp_socket.non_blocking(true);
    while (state->udp_socket.is_open()) {
        // A non-blocking read first: under load a datagram is usually waiting, and taking it
        // directly saves a round through the scheduler per query.
        boost::system::error_code ec;
        std::size_t n = state->udp_socket.receive_from(asio::buffer(buffer), client, 0, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            std::tie(ec, n) = co_await state->udp_socket.async_receive_from(asio::buffer(buffer),
                                                                            client, use_tuple);
        }
        if (ec == asio::error::operation_aborted || !state->udp_socket.is_open()) break;
        if (ec) continue;  // ICMP errors from earlier sends surface here: not ours to stop on
        Decision decision = state->handle(std::span(buffer.data(), n), Transport::udp,
                                          state->log ? to_text(client) : std::string());
        if (!decision.reply) continue;
        if (decision.delay.count() > 0) {
            if (state->delayed_replies >= state->options.max_delayed_replies) continue;
            ++state->delayed_replies;
            asio::co_spawn(
                state->executor,
                delayed_udp_reply(state, client, std::move(*decision.reply), decision.delay),
                log::spawn_handler("dns.delayed_udp_reply"));
            continue;
        }
        // The socket is non-blocking: a send normally completes at once; when the kernel
        // buffer is full, wait for it instead of blocking the io thread.
        boost::system::error_code send_ec;
        state->udp_socket.send_to(asio::buffer(*decision.reply), client, 0, send_ec);
        if (send_ec == asio::error::would_block) {
            co_await state->udp_socket.async_send_to(asio::buffer(*decision.reply), client,
                                                     use_tuple);
        }
    }
}

// RFC 1035 4.2.2 / RFC 7766: length-prefixed messages, several per connection, closed after
// an idle period; each read and write bounded by the idle timeout.
asio::awaitable<void> tcp_session(StatePtr state, tcp::socket socket,
                                  std::list<TcpConnection>::iterator self) {
    struct Release {
        FixtureServer::State& state;
        std::list<TcpConnection>::iterator self;
        ~Release() {
            if (!self->evicted) {
                state.governor.release(self->key);
                --state.tcp_connections;
            }
            state.connections.erase(self);
        }
    } release{*state, self};
    self->socket = &socket;
    std::string client;
    {
        boost::system::error_code ec;
        auto peer = socket.remote_endpoint(ec);
        if (!ec) client = to_text(peer);
    }
    asio::steady_timer timer(state->executor);
    std::vector<std::uint8_t> message;
    for (;;) {
        std::array<std::uint8_t, 2> length{};
        timer.expires_after(state->options.tcp_idle_timeout);
        self->idle = true;
        self->idle_since = std::chrono::steady_clock::now();
        auto got_length = co_await (asio::async_read(socket, asio::buffer(length), use_tuple) ||
                                    timer.async_wait(use_tuple));
        self->idle = false;
        if (self->evicted) break;
        if (got_length.index() != 0 || std::get<0>(std::get<0>(got_length))) break;
        std::size_t size = static_cast<std::size_t>(length[0]) << 8 | length[1];
        if (size == 0) break;
        message.resize(size);
        timer.expires_after(state->options.tcp_idle_timeout);
        auto got_body = co_await (asio::async_read(socket, asio::buffer(message), use_tuple) ||
                                  timer.async_wait(use_tuple));
        if (got_body.index() != 0 || std::get<0>(std::get<0>(got_body))) break;
        Decision decision = state->handle(message, Transport::tcp, client);
        if (!decision.reply) continue;  // "drop": the client waits for its own deadline
        if (decision.delay.count() > 0) {
            timer.expires_after(decision.delay);
            co_await timer.async_wait(use_tuple);
        }
        std::size_t reply_size = decision.reply->size();
        std::array<std::uint8_t, 2> prefix{static_cast<std::uint8_t>(reply_size >> 8),
                                           static_cast<std::uint8_t>(reply_size & 0xff)};
        std::array<asio::const_buffer, 2> out{asio::buffer(prefix), asio::buffer(*decision.reply)};
        timer.expires_after(state->options.tcp_idle_timeout);
        auto wrote =
            co_await (asio::async_write(socket, out, use_tuple) || timer.async_wait(use_tuple));
        if (wrote.index() != 0 || std::get<0>(std::get<0>(wrote))) break;
    }
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

asio::awaitable<void> tcp_accept_loop(StatePtr state) {
    while (state->acceptor.is_open()) {
        auto [ec, socket] = co_await state->acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) break;
        if (ec) {
            // Out of descriptors: say so and pause; the connection waits in the listen queue.
            log::warn("dns.accept_failed",
                      {{"error", ec.message()}, {"backoff_ms", accept_backoff.count()}});
            asio::steady_timer backoff(state->executor, accept_backoff);
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        boost::system::error_code peer_ec;
        auto peer = socket.remote_endpoint(peer_ec);
        net::ClientKey key = net::client_key(peer_ec ? "" : peer.address().to_string());
        auto now = std::chrono::steady_clock::now();
        net::Refusal refusal = state->governor.admit(key, now);
        if (refusal == net::Refusal::client_connections && state->make_room(&key)) {
            refusal = state->governor.admit(key, now);
        }
        if (refusal != net::Refusal::none && refusal != net::Refusal::client_connections &&
            state->make_room(nullptr)) {
            refusal = state->governor.admit(key, now);
        }
        if (refusal != net::Refusal::none) {
            boost::system::error_code ignored;
            socket.close(ignored);  // over the limit: the client sees a reset, tries later
            continue;
        }
        ++state->tcp_connections;
        auto self = state->connections.insert(state->connections.end(), TcpConnection{.key = key});
        asio::co_spawn(state->executor, tcp_session(state, std::move(socket), self),
                       log::spawn_handler("dns.tcp_session"));
    }
}

}  // namespace

FixtureServer::FixtureServer(asio::any_io_executor executor, Fixture fixture,
                             const std::string& address, std::uint16_t port, ServerOptions options)
    : state_(std::make_shared<State>(executor, std::move(fixture), options)) {
    auto ip = asio::ip::make_address(address);
    for (int attempt = 0;; ++attempt) {
        udp::endpoint udp_endpoint(ip, port);
        state_->udp_socket.open(udp_endpoint.protocol());
        state_->udp_socket.set_option(
            asio::socket_base::receive_buffer_size(udp_receive_buffer_octets));
        state_->udp_socket.bind(udp_endpoint);
        std::uint16_t bound = state_->udp_socket.local_endpoint().port();
        tcp::endpoint tcp_endpoint(ip, bound);
        boost::system::error_code ec;
        state_->acceptor.open(tcp_endpoint.protocol());
        state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
        state_->acceptor.bind(tcp_endpoint, ec);
        if (!ec) state_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (!ec) break;
        state_->acceptor.close();
        state_->udp_socket.close();
        // A fixed port that TCP cannot have is the caller's problem; an ephemeral one we retry.
        if (port != 0 || attempt + 1 >= bind_attempts) {
            throw boost::system::system_error(ec, "TCP bind " + to_text(tcp_endpoint));
        }
    }
}

FixtureServer::~FixtureServer() {
    stop();
}

std::uint16_t FixtureServer::port() const {
    return state_->udp_socket.local_endpoint().port();
}

std::string FixtureServer::endpoint() const {
    return to_text(state_->udp_socket.local_endpoint());
}

void FixtureServer::set_query_log(QueryLogSink sink) {
    state_->log = std::move(sink);
}

void FixtureServer::start() {
    asio::co_spawn(state_->executor, udp_loop(state_), log::spawn_handler("dns.udp_loop"));
    asio::co_spawn(state_->executor, tcp_accept_loop(state_),
                   log::spawn_handler("dns.tcp_listener"));
}

void FixtureServer::stop() {
    boost::system::error_code ignored;
    if (state_->udp_socket.is_open()) state_->udp_socket.close(ignored);
    if (state_->acceptor.is_open()) state_->acceptor.close(ignored);
}

}  // namespace relaylab::dns::fixture
