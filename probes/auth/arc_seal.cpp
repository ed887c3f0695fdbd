#include "probes/auth/arc_seal.hpp"

#include <chrono>

#include "probes/auth/arc_verify.hpp"
#include "probes/auth/authres.hpp"
#include "probes/auth/dkim_base64.hpp"
#include "probes/auth/dkim_sign.hpp"

namespace relaylab::auth {
namespace {

// Inserts the signature after the "b=" of a field built with an empty b=. The value is not
// folded: whitespace inside b= survives relaxed canonicalisation as a space, so a later hop's
// seal would depend on how this hop folded; the ARC test suite's reference signatures and its
// "standardized" format (no whitespace inside values) assume an unfolded b=.
std::string insert_b(const std::string& field, std::string_view base64) {
    std::size_t at = field.find(" b=");
    if (at == std::string::npos) at = field.find("\tb=");
    at += 3;
    return field.substr(0, at) + std::string(base64) + field.substr(at);
}

}  // namespace

ArcSealResult arc_seal(std::string_view message, const PrivateKey& key,
                       const ArcSealOptions& options, ArcResult chain_status) {
    ArcSealResult result;
    MessageParseResult parsed = parse_message(message);
    if (!parsed.message) {
        result.reason = "message is malformed: " + parsed.error;
        return result;
    }
    if (key.type() != KeyType::rsa) {
        result.reason = "ARC signs with rsa-sha256 only (RFC 8617 4.1.3)";
        return result;
    }
    ParsedMessage msg = std::move(*parsed.message);
    ArcChain chain = collect_arc_chain(msg);
    if (chain.highest_cv == "fail") {
        result.reason =
            "the chain already failed (ARC-Seal i=" + std::to_string(chain.highest_instance) +
            " has cv=fail); not sealing";
        return result;
    }
    if (chain.highest_instance >= max_arc_instance) {
        result.reason = "the chain has 50 sets already (RFC 8617 4.2.1)";
        return result;
    }
    std::uint32_t instance = chain.highest_instance + 1;
    ArcResult cv = chain.present ? chain_status : ArcResult::none;
    if (chain.present && !chain.structure_ok) cv = ArcResult::fail;
    if (chain.present && cv == ArcResult::none) cv = ArcResult::fail;
    std::string i_tag = "i=" + std::to_string(instance);
    std::int64_t timestamp =
        options.timestamp.value_or(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());

    // AAR: this ADMD's Authentication-Results, merged in order (RFC 8617 4.1.1).
    std::string aar_value = i_tag + "; " + options.authserv_id;
    std::size_t merged = 0;
    for (const HeaderField& field : msg.headers) {
        if (!iequals(field.name(), "Authentication-Results")) continue;
        std::vector<std::string> parts = split_authres_raw(field.value());
        if (parts.empty()) continue;
        std::string_view id = parts[0];
        if (std::size_t space = id.find_first_of(" \t\r\n("); space != std::string_view::npos)
            id = id.substr(0, space);  // drop a version number or comment
        if (!iequals(id, options.authserv_id)) continue;
        for (std::size_t k = 1; k < parts.size(); ++k) {
            aar_value += (merged++ == 0 ? "; " : ";\r\n\t") + parts[k];
        }
    }
    if (merged == 0) aar_value += "; none";
    HeaderField aar{"ARC-Authentication-Results: " + aar_value, 26};

    // AMS over the message as it will be, with the new AAR on top.
    std::vector<HeaderField> headers;
    headers.reserve(msg.headers.size() + 2);
    headers.push_back(aar);
    headers.insert(headers.end(), msg.headers.begin(), msg.headers.end());
    std::string h = "h=";
    for (std::size_t k = 0; k < options.headers.size(); ++k)
        h += (k ? ":" : "") + to_lower(options.headers[k]);
    std::string body_hash = base64_encode(sha256(canon_body(Canon::relaxed, msg.body)));
    std::vector<std::string> ams_tags = {"a=rsa-sha256",
                                         "b=",
                                         "bh=" + body_hash,
                                         "c=relaxed/relaxed",
                                         "d=" + options.domain,
                                         h,
                                         i_tag,
                                         "s=" + options.selector,
                                         "t=" + std::to_string(timestamp)};
    std::string ams_unsigned = fold_tag_field("ARC-Message-Signature", ams_tags);
    std::string ams_data =
        signed_header_data(headers, options.headers, Canon::relaxed, ams_unsigned);
    std::string ams_signature = key.sign(ams_data);
    if (ams_signature.empty()) {
        result.reason = "signing failed (OpenSSL)";
        return result;
    }
    HeaderField ams{insert_b(ams_unsigned, base64_encode(ams_signature)), 21};

    // AS over every set, oldest first, then the new AAR, AMS and this seal without b=.
    std::vector<std::string> as_tags = {"a=rsa-sha256",
                                        "b=",
                                        "cv=" + std::string(arc_result_name(cv)),
                                        "d=" + options.domain,
                                        i_tag,
                                        "s=" + options.selector,
                                        "t=" + std::to_string(timestamp)};
    std::string as_unsigned = fold_tag_field("ARC-Seal", as_tags);
    std::string seal_data;
    // With cv=fail the seal covers only the set being added (as dkimpy and the ARC suite do):
    // a verifier stops at that cv=fail (RFC 8617 5.2 step 2) and never hashes older sets, and a
    // broken chain may not even have them in order.
    if (cv != ArcResult::fail && chain.structure_ok) {
        for (const ArcSet& set : chain.sets) {
            seal_data += canon_header(Canon::relaxed, set.aar->raw);
            seal_data += canon_header(Canon::relaxed, set.ams->raw);
            seal_data += canon_header(Canon::relaxed, set.as->raw);
        }
    }
    seal_data += canon_header(Canon::relaxed, aar.raw);
    seal_data += canon_header(Canon::relaxed, ams.raw);
    std::string own = canon_header(Canon::relaxed, as_unsigned);
    own.resize(own.size() - 2);
    seal_data += own;
    std::string seal_signature = key.sign(seal_data);
    if (seal_signature.empty()) {
        result.reason = "signing failed (OpenSSL)";
        return result;
    }
    HeaderField as{insert_b(as_unsigned, base64_encode(seal_signature)), 8};

    result.sealed = true;
    result.cv = cv;
    result.instance = instance;
    result.reason =
        "sealed i=" + std::to_string(instance) + " with cv=" + std::string(arc_result_name(cv));
    result.aar = std::string(aar.value());
    result.ams = std::string(ams.value());
    result.as = std::string(as.value());
    result.fields = as.raw + "\r\n" + ams.raw + "\r\n" + aar.raw + "\r\n";
    return result;
}

ArcSealResult arc_seal(std::string_view message, const PrivateKey& key,
                       const ArcSealOptions& options, DnsLookup& dns,
                       DkimVerifyOptions verify_options) {
    ArcVerdict verdict = verify_arc(message, dns, verify_options);
    return arc_seal(message, key, options, verdict.result);
}

}  // namespace relaylab::auth
