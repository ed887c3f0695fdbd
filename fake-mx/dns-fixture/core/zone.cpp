#include "fake-mx/dns-fixture/core/zone.hpp"

#include "harness/dns/core/ldns_include.hpp"

#include <algorithm>

#include "harness/dns/core/ldns_util.hpp"

namespace relaylab::dns::fixture {

using relaylab::dns::detail::dname_key_absolute;

void RrDeleter::operator()(ldns_struct_rr* rr) const {
    ldns_rr_free(rr);
}

namespace {

// "file:line: message", built by appending: g++ 12 at -O3 warns falsely (-Wrestrict, GCC bug
// 105329) on `"literal" + std::string` temporaries, which breaks Release builds with -Werror.
std::string located_message(const std::string& file, int line, const std::string& message) {
    std::string text = file;
    if (line > 0) {
        text += ':';
        text += std::to_string(line);
    }
    text += ": ";
    text += message;
    return text;
}

}  // namespace

ZoneError::ZoneError(std::string file, int line, const std::string& message)
    : std::runtime_error(located_message(file, line, message)),
      file_(std::move(file)),
      line_(line) {}

std::string parent_key(const std::string& key) {
    if (key.empty() || key == ".") return {};
    // The first dot not escaped by a backslash (ldns prints "\." inside a label).
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '\\') {
            ++i;
            continue;
        }
        if (key[i] == '.') return i + 1 == key.size() ? "." : key.substr(i + 1);
    }
    return ".";
}

const std::vector<OwnedRr>* Zone::find(const std::string& key) const {
    auto it = nodes_.find(key);
    return it == nodes_.end() ? nullptr : &it->second;
}

bool Zone::name_exists(const std::string& key) const {
    return names_.contains(key);
}

bool Zone::contains(const std::string& key) const {
    if (apex_ == ".") return true;
    if (key.size() < apex_.size()) return false;
    if (key.compare(key.size() - apex_.size(), apex_.size(), apex_) != 0) return false;
    return key.size() == apex_.size() || key[key.size() - apex_.size() - 1] == '.';
}

void Zone::add(OwnedRr rr) {
    if (record_count_ >= max_zone_records) {
        throw std::invalid_argument("more than " + std::to_string(max_zone_records) +
                                    " records in one zone");
    }
    std::string owner = dname_key_absolute(ldns_rr_owner(rr.get()));
    auto type = ldns_rr_get_type(rr.get());
    if (ldns_rr_get_class(rr.get()) != LDNS_RR_CLASS_IN) {
        throw std::invalid_argument("only class IN is served");
    }
    if (soa_ == nullptr) {
        if (type != LDNS_RR_TYPE_SOA) {
            throw std::invalid_argument(
                "the first record of a zone must be its SOA (RFC 1035 5.2)");
        }
        apex_ = owner;
        soa_ = rr.get();
    } else if (type == LDNS_RR_TYPE_SOA) {
        throw std::invalid_argument("a second SOA record; one zone per file");
    } else if (!contains(owner)) {
        throw std::invalid_argument("'" + owner + "' is outside the zone " + apex_);
    }
    auto& node = nodes_[owner];
    bool has_cname = std::any_of(node.begin(), node.end(), [](const OwnedRr& r) {
        return ldns_rr_get_type(r.get()) == LDNS_RR_TYPE_CNAME;
    });
    // RFC 1034 3.6.2 / RFC 2181 10.1: a CNAME owner has no other data.
    if ((type == LDNS_RR_TYPE_CNAME && !node.empty()) ||
        (type != LDNS_RR_TYPE_CNAME && has_cname)) {
        throw std::invalid_argument("'" + owner + "' has a CNAME and other data (RFC 2181 10.1)");
    }
    node.push_back(std::move(rr));
    ++record_count_;
    for (std::string name = owner; !name.empty() && names_.insert(name).second;) {
        if (name == apex_) break;
        name = parent_key(name);
    }
}

void ZoneSet::add(Zone zone) {
    for (const auto& existing : zones_) {
        if (existing.apex() == zone.apex()) {
            throw std::invalid_argument("zone " + zone.apex() + " is loaded twice");
        }
    }
    zones_.push_back(std::move(zone));
}

const Zone* ZoneSet::find_zone(const std::string& key) const {
    const Zone* best = nullptr;
    for (const auto& zone : zones_) {
        if (zone.contains(key) && (best == nullptr || zone.apex().size() > best->apex().size())) {
            best = &zone;
        }
    }
    return best;
}

namespace {

struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};

std::string read_file(const std::filesystem::path& path, const std::string& shown, int line) {
    FILE* raw = std::fopen(path.c_str(), "rb");
    if (raw == nullptr) throw ZoneError(shown, line, "cannot open " + path.string());
    std::unique_ptr<FILE, FileCloser> file(raw);
    std::string text;
    char buffer[65536];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        text.append(buffer, got);
        if (text.size() > max_zone_file_bytes) {
            throw ZoneError(path.string(), 0,
                            "larger than " + std::to_string(max_zone_file_bytes) + " bytes");
        }
    }
    return text;
}

// The parser's state that $INCLUDE hands down (RFC 1035 5.1: origin may be set for the file).
struct ParseState {
    Zone& zone;
    std::uint32_t default_ttl = default_zone_ttl;
    int depth = 0;
};

std::string line_at(const std::string& text, int line_nr) {
    std::size_t begin = 0;
    for (int i = 1; i < line_nr && begin != std::string::npos; ++i) {
        begin = text.find('\n', begin);
        if (begin != std::string::npos) ++begin;
    }
    if (begin == std::string::npos) return {};
    std::size_t end = text.find('\n', begin);
    return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

void parse_text(const std::string& text, const std::string& source,
                const std::filesystem::path& base_dir, ldns_rdf* initial_origin, ParseState& state);

// "$INCLUDE file [origin]": the included text is parsed with its own origin, and the
// including file's origin is untouched afterwards (RFC 1035 5.1).
void do_include(const std::string& directive, const std::string& source, int line,
                const std::filesystem::path& base_dir, ldns_rdf* origin, ParseState& state) {
    std::string rest = directive.substr(directive.find("$INCLUDE") + 8);
    if (auto semicolon = rest.find(';'); semicolon != std::string::npos) rest.resize(semicolon);
    std::vector<std::string> words;
    std::size_t pos = 0;
    while (pos < rest.size()) {
        pos = rest.find_first_not_of(" \t\r", pos);
        if (pos == std::string::npos) break;
        std::size_t end = rest.find_first_of(" \t\r", pos);
        words.push_back(rest.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
        pos = end;
    }
    if (words.empty() || words.size() > 2) {
        throw ZoneError(source, line, "$INCLUDE wants a file name and an optional origin");
    }
    if (state.depth >= max_include_depth) {
        throw ZoneError(
            source, line,
            "$INCLUDE nested deeper than " + std::to_string(max_include_depth) + " (a loop?)");
    }
    std::filesystem::path path = words[0];
    if (path.is_relative()) path = base_dir / path;
    std::string text = read_file(path, source, line);
    relaylab::dns::detail::RdfPtr include_origin;
    if (words.size() == 2) {
        ldns_rdf* rdf = nullptr;
        if (ldns_str2rdf_dname(&rdf, words[1].c_str()) != LDNS_STATUS_OK || rdf == nullptr) {
            throw ZoneError(source, line, "bad $INCLUDE origin '" + words[1] + "'");
        }
        if (!ldns_dname_str_absolute(words[1].c_str()) && origin != nullptr) {
            ldns_dname_cat(rdf, origin);
        }
        include_origin.reset(rdf);
    }
    ++state.depth;
    parse_text(text, path.string(), path.parent_path(),
               include_origin ? include_origin.get() : origin, state);
    --state.depth;
}

void parse_text(const std::string& text, const std::string& source,
                const std::filesystem::path& base_dir, ldns_rdf* initial_origin,
                ParseState& state) {
    // ldns reads from a FILE*: give it the text from memory, so $INCLUDE lines stay visible.
    std::unique_ptr<FILE, FileCloser> file(
        fmemopen(const_cast<char*>(text.data()), text.size(), "r"));
    if (text.empty()) return;
    if (!file) throw ZoneError(source, 0, "cannot read zone text");
    ldns_rdf* origin = initial_origin ? ldns_rdf_clone(initial_origin) : nullptr;
    ldns_rdf* prev = nullptr;
    relaylab::dns::detail::RdfPtr origin_guard, prev_guard;
    int line_nr = 1;
    while (!std::feof(file.get())) {
        ldns_rr* rr = nullptr;
        int start_line = line_nr;
        ldns_status status =
            ldns_rr_new_frm_fp_l(&rr, file.get(), &state.default_ttl, &origin, &prev, &line_nr);
        origin_guard.release();
        origin_guard.reset(origin);
        prev_guard.release();
        prev_guard.reset(prev);
        switch (status) {
            case LDNS_STATUS_OK:
                try {
                    state.zone.add(OwnedRr(rr));
                } catch (const std::invalid_argument& e) {
                    throw ZoneError(source, start_line, e.what());
                }
                break;
            case LDNS_STATUS_SYNTAX_EMPTY:
            case LDNS_STATUS_SYNTAX_TTL:
            case LDNS_STATUS_SYNTAX_ORIGIN:
                break;
            case LDNS_STATUS_SYNTAX_INCLUDE: {
                // ldns consumed the directive without keeping it: read it back from the text.
                int include_line = start_line;
                std::string directive;
                for (int l = start_line; l <= line_nr; ++l) {
                    directive = line_at(text, l);
                    if (directive.find("$INCLUDE") != std::string::npos) {
                        include_line = l;
                        break;
                    }
                }
                do_include(directive, source, include_line, base_dir, origin, state);
                break;
            }
            default: {
                // Report the line the bad record starts on: the first line from where the
                // parser began that holds more than blanks or a comment.
                int line = start_line;
                for (; line < line_nr; ++line) {
                    std::string text_line = line_at(text, line);
                    auto first = text_line.find_first_not_of(" \t\r");
                    if (first != std::string::npos && text_line[first] != ';') break;
                }
                throw ZoneError(source, line, ldns_get_errorstr_by_id(status));
            }
        }
    }
}

Zone finish(Zone zone, const std::string& source) {
    if (zone.soa() == nullptr) throw ZoneError(source, 0, "no SOA record: not a zone");
    return zone;
}

}  // namespace

Zone load_zone_text(std::string_view text, const std::string& source,
                    const std::filesystem::path& base_dir) {
    Zone zone;
    ParseState state{zone};
    parse_text(std::string(text), source, base_dir, nullptr, state);
    return finish(std::move(zone), source);
}

Zone load_zone_file(const std::filesystem::path& path) {
    std::string text = read_file(path, path.string(), 0);
    Zone zone;
    ParseState state{zone};
    parse_text(text, path.string(), path.parent_path(), nullptr, state);
    return finish(std::move(zone), path.string());
}

ZoneSet load_zone_files(const std::vector<std::string>& paths) {
    ZoneSet set;
    for (const auto& path : paths) {
        try {
            set.add(load_zone_file(path));
        } catch (const std::invalid_argument& e) {
            throw ZoneError(path, 0, e.what());
        }
    }
    return set;
}

}  // namespace relaylab::dns::fixture
