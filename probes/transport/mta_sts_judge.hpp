// Verdicts of the "mta-sts" and "tls-rpt" groups from facts gathered elsewhere (TXT answers,
// the HTTPS fetch of the policy, the MX set): pure functions, table-tested without sockets.
// mta_sts_checks.cpp gathers the facts and calls these in order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "probes/common/check_result.hpp"
#include "probes/transport/mta_sts_policy.hpp"
#include "probes/transport/mta_sts_record.hpp"

namespace relaylab::probe {

// A TXT lookup as a check saw it.
struct TxtFacts {
    enum class Outcome { found, absent, failed };
    std::string name;  // "_mta-sts.example.test"
    Outcome outcome = Outcome::failed;
    std::vector<std::string> records;  // each record's strings joined
    std::string failure;  // "servfail: ..." when failed; "nxdomain"/"nodata" when absent
};

// The HTTPS GET of the policy: a response (any status) or the client's reason for none.
struct PolicyFetchFacts {
    std::string url;  // "https://mta-sts.example.test/.well-known/mta-sts.txt"
    bool responded = false;
    std::string failure;  // "TLS handshake failed: certificate expired (127.0.0.1:443)"
    unsigned status = 0;
    std::string status_line;  // "HTTP/1.1 200 OK"
    std::string content_type;
    std::string location;
    std::string body;
    std::string tls_version;
};

struct MxFacts {
    bool failed = false;
    std::string failure;
    bool null_mx = false;
    bool implicit = false;  // no MX records: the domain itself (RFC 5321 5.1)
    std::vector<std::pair<std::uint16_t, std::string>> hosts;  // preference, exchange
};

// mta-sts.record: exactly one valid STSv1 record is a pass; none is a warn ("no MTA-STS");
// several or a malformed one is a fail (senders then act as if there were none, 3.1); a DNS
// failure is an error. `record` receives the parsed record on a pass.
CheckResult judge_sts_record(const TxtFacts& txt, std::optional<StsRecord>& record);

// mta-sts.policy, for a domain with a valid record: a 200 text/plain policy that parses is a
// pass under enforce, a warn under testing or none (and for a max_age under a day); anything
// else (unreachable, redirect, other status, content type, parse error) is a fail. `policy`
// receives the parsed policy whenever it parsed.
CheckResult judge_sts_policy(const PolicyFetchFacts& fetch, std::optional<StsPolicy>& policy);

// mta-sts.mx-match: every MX host matches a policy pattern: pass; one that does not: fail under
// enforce (senders will refuse to deliver to it), warn under testing; DNS failure: error.
CheckResult judge_sts_mx_match(const std::string& domain, const StsPolicy& policy,
                               const MxFacts& mx);

// tls-rpt: exactly one valid TLSRPTv1 record: pass; none: warn; several or malformed: fail;
// DNS failure: error.
CheckResult judge_tls_rpt(const TxtFacts& txt);

// Evidence line of a TXT record: "TXT _mta-sts.example.test \"v=STSv1; id=1\"".
std::string txt_evidence(const std::string& name, const std::string& text);

}  // namespace relaylab::probe
