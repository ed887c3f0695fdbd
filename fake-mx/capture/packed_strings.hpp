// Several short strings in one heap block: a length-prefixed sequence behind one pointer.
//
// The capture store keeps metadata for up to a million messages. A std::string costs 32 bytes
// plus a heap block for anything over 15 characters, so twenty fields per message would cost
// more in headers and allocator overhead than in text. Here the fields cost their bytes plus a
// one- or two-byte length each, and one allocation in all.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace relaylab::fakemx::capture {

class PackedStrings {
  public:
    PackedStrings() = default;
    explicit PackedStrings(const std::vector<std::string_view>& fields);

    std::size_t size() const;                  // number of fields
    std::string_view at(std::size_t i) const;  // "" past the end
    // Calls f(field) for fields [first, size()); for variable-length tails (recipients).
    template <typename F>
    void for_each_from(std::size_t first, F&& f) const {
        std::size_t n = size();
        const char* p = fields_begin();
        for (std::size_t i = 0; i < n; ++i) {
            std::string_view field = read(p);
            if (i >= first) f(field);
        }
    }
    std::size_t heap_bytes() const { return bytes_; }

  private:
    const char* fields_begin() const;
    static std::string_view read(const char*& p);

    std::unique_ptr<char[]> data_;
    std::size_t bytes_ = 0;
};

}  // namespace relaylab::fakemx::capture
