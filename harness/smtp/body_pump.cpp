#include "harness/smtp/body_pump.hpp"

namespace relaylab::smtp {

bool BodyPump::handle(ServerSession& session, ServerSession::Action action) {
    using Action = ServerSession::Action;
    switch (action) {
        case Action::body_begin:
            if (state_ == State::receiving) sink_.abort();  // cannot happen; keep the order anyway
            sink_.begin(session.envelope());
            state_ = State::receiving;
            return true;
        case Action::body_chunk:
            if (state_ == State::receiving) sink_.append(session.body());
            return true;
        case Action::body_end: {
            std::optional<Reply> refusal;
            if (state_ == State::receiving) refusal = sink_.finish(session.message());
            state_ = refusal ? State::idle : State::finished;
            session.body_finished(refusal);
            return true;
        }
        case Action::body_abort:
            if (state_ != State::idle) sink_.abort();
            state_ = State::idle;
            return true;
        default:
            return false;
    }
}

void BodyPump::connection_lost() {
    if (state_ == State::receiving) sink_.abort();
    state_ = State::idle;
}

}  // namespace relaylab::smtp
