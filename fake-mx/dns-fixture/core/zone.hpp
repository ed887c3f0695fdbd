// Authoritative zone data for the fixture DNS server, loaded from RFC 1035 master files
// (section 5) with ldns: $ORIGIN, $TTL and $INCLUDE, several zones at once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

struct ldns_struct_rr;

namespace relaylab::dns::fixture {

inline constexpr std::size_t max_zone_file_bytes = 64u << 20;  // one file, $INCLUDEs apart
inline constexpr std::size_t max_zone_records = 1'000'000;     // per zone
inline constexpr int max_include_depth = 8;                    // $INCLUDE nesting (loops)
inline constexpr unsigned default_zone_ttl = 3600;             // when neither $TTL nor a TTL

// A zone file that cannot be served: names the file and line (exit code 2 in the CLI).
class ZoneError : public std::runtime_error {
  public:
    ZoneError(std::string file, int line, const std::string& message);
    const std::string& file() const { return file_; }
    int line() const { return line_; }

  private:
    std::string file_;
    int line_;
};

struct RrDeleter {
    void operator()(ldns_struct_rr* rr) const;
};
using OwnedRr = std::unique_ptr<ldns_struct_rr, RrDeleter>;

// Names are kept as lower-case absolute keys ("www.example.test."), the form ldns prints.
class Zone {
  public:
    const std::string& apex() const { return apex_; }
    const ldns_struct_rr* soa() const { return soa_; }
    std::size_t record_count() const { return record_count_; }

    // The records owned by `key`, or nullptr when no RR has that owner.
    const std::vector<OwnedRr>* find(const std::string& key) const;
    // True when `key` owns records or is an empty non-terminal (RFC 4592 2.2.2).
    bool name_exists(const std::string& key) const;
    bool contains(const std::string& key) const;  // `key` is the apex or below it

    // Adds one record (the loader's step); throws std::invalid_argument with a reason.
    void add(OwnedRr rr);

  private:
    std::string apex_;
    const ldns_struct_rr* soa_ = nullptr;
    std::unordered_map<std::string, std::vector<OwnedRr>> nodes_;
    std::unordered_set<std::string> names_;  // every owner and every ancestor up to the apex
    std::size_t record_count_ = 0;
};

class ZoneSet {
  public:
    void add(Zone zone);  // throws std::invalid_argument when the apex is already served
    // The zone with the longest apex that contains `key`, or nullptr (answer REFUSED).
    const Zone* find_zone(const std::string& key) const;
    const std::vector<Zone>& zones() const { return zones_; }

  private:
    std::vector<Zone> zones_;
};

// One zone per file: its first record must be the SOA, whose owner is the apex; every other
// record must be at or below the apex. Throws ZoneError naming file and line.
Zone load_zone_file(const std::filesystem::path& path);
// The same from text; `source` names it in errors, $INCLUDE paths are relative to `base_dir`.
Zone load_zone_text(std::string_view text, const std::string& source,
                    const std::filesystem::path& base_dir = ".");
ZoneSet load_zone_files(const std::vector<std::string>& paths);

// The parent of a key ("a.b.example." -> "b.example."; "." has none and gives "").
std::string parent_key(const std::string& key);

}  // namespace relaylab::dns::fixture
