#include "probes/auth/arc_chain.hpp"

#include <map>

namespace relaylab::auth {

std::string_view arc_result_name(ArcResult result) {
    switch (result) {
        case ArcResult::none:
            return "none";
        case ArcResult::pass:
            return "pass";
        case ArcResult::fail:
            return "fail";
    }
    return "fail";
}

std::optional<std::uint32_t> aar_instance(std::string_view value) {
    value = trim_wsp(value);
    if (value.empty() || value.front() != 'i') return std::nullopt;
    value.remove_prefix(1);
    value = trim_wsp(value);
    if (value.empty() || value.front() != '=') return std::nullopt;
    value.remove_prefix(1);
    value = trim_wsp(value);
    std::uint32_t instance = 0;
    std::size_t digits = 0;
    while (!value.empty() && value.front() >= '0' && value.front() <= '9' && digits < 3) {
        instance = instance * 10 + static_cast<std::uint32_t>(value.front() - '0');
        value.remove_prefix(1);
        ++digits;
    }
    if (digits == 0) return std::nullopt;
    value = trim_wsp(value);
    if (value.empty() || value.front() != ';') return std::nullopt;
    if (instance < 1 || instance > max_arc_instance) return std::nullopt;
    return instance;
}

ArcChain collect_arc_chain(const ParsedMessage& message) {
    ArcChain chain;
    std::map<std::uint32_t, ArcSet> by_instance;
    auto fail = [&](std::string reason) {
        if (chain.error.empty()) chain.error = std::move(reason);
    };
    for (const HeaderField& field : message.headers) {
        std::string_view name = field.name();
        bool is_aar = iequals(name, "ARC-Authentication-Results");
        bool is_ams = iequals(name, "ARC-Message-Signature");
        bool is_as = iequals(name, "ARC-Seal");
        if (!is_aar && !is_ams && !is_as) continue;
        chain.present = true;
        std::optional<std::uint32_t> instance;
        std::optional<Signature> signature;
        if (is_aar) {
            instance = aar_instance(field.value());
            if (!instance) {
                fail("ARC-Authentication-Results without a valid leading i= (RFC 8617 4.1.1)");
                continue;
            }
        } else {
            SignatureParseResult parsed = parse_signature(
                field, is_as ? SignatureKind::arc_seal : SignatureKind::arc_message);
            if (!parsed.signature) {
                fail(std::string(is_as ? "ARC-Seal" : "ARC-Message-Signature") + ": " +
                     parsed.error);
                continue;
            }
            instance = parsed.signature->instance;
            signature = std::move(parsed.signature);
        }
        chain.highest_instance = std::max(chain.highest_instance, *instance);
        ArcSet& set = by_instance[*instance];
        set.instance = *instance;
        const HeaderField*& slot = is_aar ? set.aar : is_ams ? set.ams : set.as;
        if (slot != nullptr) {
            fail("two " + std::string(name) + " fields with i=" + std::to_string(*instance));
            continue;
        }
        slot = &field;
        if (is_ams) set.ams_signature = std::move(signature);
        if (is_as) set.as_signature = std::move(signature);
    }
    if (!chain.present) return chain;
    if (auto it = by_instance.find(chain.highest_instance);
        it != by_instance.end() && it->second.as_signature)
        chain.highest_cv = it->second.as_signature->cv;
    for (std::uint32_t i = 1; i <= chain.highest_instance; ++i) {
        auto it = by_instance.find(i);
        if (it == by_instance.end() || it->second.aar == nullptr || it->second.ams == nullptr ||
            it->second.as == nullptr) {
            fail("ARC set i=" + std::to_string(i) + " is incomplete (RFC 8617 5.2 step 3)");
            break;
        }
        // 5.2 step 3: cv=none on i=1, cv=pass on every later seal.
        const std::string& cv = it->second.as_signature->cv;
        if (i == 1 && cv != "none") fail("ARC-Seal i=1 has cv=" + cv + " (must be none)");
        if (i > 1 && cv != "pass")
            fail("ARC-Seal i=" + std::to_string(i) + " has cv=" + cv + " (must be pass)");
        chain.sets.push_back(std::move(it->second));
    }
    chain.structure_ok = chain.error.empty();
    return chain;
}

std::string seal_signed_data(const std::vector<ArcSet>& sets, std::size_t upto,
                             std::string_view last_seal_without_b) {
    std::string data;
    for (std::size_t k = 0; k < upto && k < sets.size(); ++k) {
        const ArcSet& set = sets[k];
        data += canon_header(Canon::relaxed, set.aar->raw);
        data += canon_header(Canon::relaxed, set.ams->raw);
        if (k + 1 < upto) data += canon_header(Canon::relaxed, set.as->raw);
    }
    std::string last = canon_header(Canon::relaxed, last_seal_without_b);
    last.resize(last.size() - 2);
    data += last;
    return data;
}

}  // namespace relaylab::auth
