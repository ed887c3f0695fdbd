#include "harness/scenario/address_templates.hpp"

#include "harness/smtp/address.hpp"

namespace relaylab::scenario::detail {

namespace {

constexpr std::size_t max_addresses = 10'000;
constexpr std::size_t max_template_length = 512;
constexpr double max_weight = 1e9;
constexpr std::uint64_t max_pool = 1'000'000'000;

struct Placeholders {
    bool n = false;
    bool r = false;
    bool i = false;
};

// Every "{...}" is a placeholder: a literal brace in a local part (RFC 5322 atext allows it)
// would be read as one, so an unknown one is an error rather than text sent as is.
Placeholders check_placeholders(const std::string& text, const Where& where) {
    Placeholders found;
    for (std::size_t pos = 0; pos < text.size(); ++pos) {
        if (text[pos] == '}') {
            where.fail("\"" + text + "\": '}' at " + std::to_string(pos + 1) +
                       " closes no placeholder ({n}, {r} or {i})");
        }
        if (text[pos] != '{') continue;
        auto close = text.find('}', pos);
        if (close == std::string::npos) {
            where.fail("\"" + text + "\": '{' at " + std::to_string(pos + 1) +
                       " is not closed (placeholders are {n}, {r} and {i})");
        }
        auto name = text.substr(pos + 1, close - pos - 1);
        if (name == "n") {
            found.n = true;
        } else if (name == "r") {
            found.r = true;
        } else if (name == "i") {
            found.i = true;
        } else {
            where.fail("\"" + text + "\": unknown placeholder {" + name +
                       "} ({n} the message number, {r} the recipient's index, {i} a number "
                       "from 1 to pool)");
        }
        pos = close;
    }
    return found;
}

load::WeightedAddress parse_one(const nlohmann::json& value, const Where& where, AddressRole role,
                                bool object_form) {
    load::WeightedAddress address;
    Where address_at = where;
    const nlohmann::json* text_value = &value;
    if (object_form) {
        expect_object(value, where, {"address", "weight", "pool"});
        if (!value.contains("address")) {
            where.fail("needs \"address\": a template such as \"user{n}@gmail.test\"");
        }
        text_value = &value["address"];
        address_at = where / "address";
        if (value.contains("weight")) {
            address.weight = get_number(value["weight"], where / "weight", 0, max_weight);
            if (address.weight <= 0) {
                (where / "weight").fail("must be more than 0 (leave the entry out instead)");
            }
        }
        if (value.contains("pool"))
            address.pool = get_unsigned(value["pool"], where / "pool", 0, max_pool);
    }
    address.address = get_string(*text_value, address_at, max_template_length);
    auto found = check_placeholders(address.address, address_at);
    if (found.r && role == AddressRole::sender) {
        address_at.fail("\"" + address.address +
                        "\": {r} is a recipient's index and means nothing in a sender address");
    }
    if (found.i && address.pool == 0) {
        address_at.fail("\"" + address.address +
                        "\" uses {i} but has no pool: give {\"address\": ..., \"pool\": N} to "
                        "draw {i} from 1 to N");
    }
    auto expanded = expand_for_message_one(address.address);
    auto parsed = smtp::parse_path("<" + expanded + ">", smtp::PathOptions{});
    if (parsed.error != smtp::PathError::none || !parsed.rest.empty()) {
        auto why = parsed.error != smtp::PathError::none ? std::string(smtp::describe(parsed.error))
                                                         : std::string("text after the address");
        address_at.fail("\"" + address.address + "\" is \"" + expanded +
                        "\" for message 1: not a valid mailbox (" + why + ")");
    }
    return address;
}

}  // namespace

std::string expand_for_message_one(std::string_view address) {
    std::string out;
    for (std::size_t pos = 0; pos < address.size(); ++pos) {
        if (address[pos] == '{' && pos + 2 < address.size() && address[pos + 2] == '}' &&
            (address[pos + 1] == 'n' || address[pos + 1] == 'r' || address[pos + 1] == 'i')) {
            out += '1';
            pos += 2;
        } else {
            out += address[pos];
        }
    }
    return out;
}

std::vector<load::WeightedAddress> parse_addresses(const nlohmann::json& value, const Where& where,
                                                   AddressRole role) {
    if (value.is_string()) return {parse_one(value, where, role, false)};
    if (!value.is_array()) {
        where.fail(
            "must be an address template such as \"user{n}@gmail.test\" or an array of "
            "{\"address\", \"weight\", \"pool\"}, got " +
            json::type_name(value));
    }
    if (value.empty()) where.fail("must not be empty: at least one address");
    if (value.size() > max_addresses) {
        where.fail("has more than " + std::to_string(max_addresses) + " addresses");
    }
    std::vector<load::WeightedAddress> addresses;
    for (std::size_t i = 0; i < value.size(); ++i)
        addresses.push_back(parse_one(value[i], where / i, role, true));
    return addresses;
}

}  // namespace relaylab::scenario::detail
