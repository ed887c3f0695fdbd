// MessageJudge driven over relaylab's async resolver: the fake MX judges every captured
// message with the fixture DNS without blocking its io thread. Independent queries (SPF's,
// every DKIM and ARC key) are in flight together; the whole judgement has one time budget
// (JudgeOptions::time_budget), after which unanswered queries count as timeouts (temperror).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "harness/dns/resolver.hpp"
#include "probes/auth/message_judge.hpp"
#include "probes/auth/verdicts.hpp"

namespace relaylab::auth {

// Run on the resolver's executor (one thread or a strand: the Resolver is not thread-safe);
// lookups are spawned there. Returns only once none of its lookups is still running, so the
// resolver may be destroyed afterwards. Cancelling the awaiting coroutine ends it as if the
// budget had run out. The DKIM/ARC cryptography runs on the calling thread (microseconds per
// signature; body hashing is linear in the message size).
boost::asio::awaitable<Verdicts> judge(dns::Resolver& resolver, JudgeInput input,
                                       JudgeOptions options = {});

}  // namespace relaylab::auth
