// Drives a BodySink from a ServerSession's body actions, so every shell (the Asio server, the
// unit-test driver, the fuzz target) keeps the call order body_sink.hpp promises.
#pragma once

#include "harness/smtp/body_sink.hpp"
#include "harness/smtp/server_session.hpp"

namespace relaylab::smtp {

class BodyPump {
  public:
    explicit BodyPump(BodySink& sink) : sink_(sink) {}
    // The connection is gone: a message still arriving is aborted.
    ~BodyPump() { connection_lost(); }
    BodyPump(const BodyPump&) = delete;
    BodyPump& operator=(const BodyPump&) = delete;

    // Handles Action::body_begin / body_chunk / body_end / body_abort (answering body_end with
    // session.body_finished); returns false for any other action.
    bool handle(ServerSession& session, ServerSession::Action action);
    // The connection ended (closed, lost, timed out): a message before its finish is aborted.
    void connection_lost();
    bool receiving() const { return state_ == State::receiving; }

  private:
    enum class State { idle, receiving, finished };
    BodySink& sink_;
    State state_ = State::idle;
};

}  // namespace relaylab::smtp
