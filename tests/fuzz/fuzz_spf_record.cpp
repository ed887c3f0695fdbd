// libFuzzer target for the SPF record parser (RFC 7208 4.6, 12) and macro expansion, then the
// whole check_host() evaluator over a zone in which every TXT record is the fuzz input: that
// drives include/redirect recursion, the processing limits and exp= with hostile text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "probes/auth/spf_eval.hpp"
#include "probes/auth/spf_macro.hpp"
#include "probes/auth/spf_record.hpp"

namespace {

using namespace relaylab::auth;

class FuzzDns : public DnsLookup {
  public:
    explicit FuzzDns(std::string record) : record_(std::move(record)) {}
    DnsAnswer lookup(const DnsQuery& q) override {
        switch (q.type) {
            case RrType::txt:
                return {DnsStatus::ok, {record_}};
            case RrType::a:
                return {DnsStatus::ok, {"192.0.2.1", "junk"}};
            case RrType::aaaa:
                return {DnsStatus::nodata, {}};
            case RrType::mx:
                return {DnsStatus::ok, {"mx.example.com", ""}};
            case RrType::ptr:
                return {DnsStatus::ok, {"mx.example.com."}};
            default:
                return {DnsStatus::servfail, {}};
        }
    }

  private:
    std::string record_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    (void)is_spf_record(text);
    const SpfParseResult parsed = parse_spf_record(text);
    if (parsed.record) {
        MacroValues values;
        values.sender = "user@example.com";
        values.local_part = "user";
        values.domain = values.sender_domain = "example.com";
        values.ip_dotted = values.ip_readable = "192.0.2.1";
        values.ip_version = "in-addr";
        values.ptr_name = "mx.example.com";
        for (const auto& m : parsed.record->mechanisms) {
            if (!m.domain_spec.empty()) {
                auto expanded = expand_macros(m.domain_spec, values, MacroContext::domain_spec);
                if (!expanded) __builtin_trap();  // parsed domain-specs always expand
                (void)truncate_domain(*expanded);
            }
        }
    } else if (parsed.error.empty()) {
        __builtin_trap();  // a refusal always says why
    }
    (void)macro_syntax_error(text, MacroContext::explanation);
    (void)domain_spec_error(text);

    FuzzDns dns(text);
    SpfParams params;
    params.ip = "192.0.2.1";
    params.mail_from = "user@example.com";
    params.helo = "mx.example.com";
    const SpfOutcome out = evaluate_spf(params, dns);
    if (out.queries > params.limits.max_queries) __builtin_trap();
    return 0;
}
