#include "tests/unit/reports_junit/mini_xml.hpp"

#include <cstdint>

namespace relaylab::testing {
namespace {

bool is_xml_char(std::uint32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

void append_utf8(std::string& out, std::uint32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

class Reader {
  public:
    explicit Reader(std::string_view text) : text_(text) { check_characters(); }

    XmlElement document() {
        if (text_.starts_with("<?xml")) {
            auto end = text_.find("?>");
            if (end == std::string_view::npos) fail("unterminated XML declaration");
            pos_ = end + 2;
        }
        skip_space();
        XmlElement root = element();
        skip_space();
        if (pos_ != text_.size()) fail("content after the root element");
        return root;
    }

  private:
    [[noreturn]] void fail(const std::string& why) const {
        throw XmlError("offset " + std::to_string(pos_) + ": " + why);
    }

    // Every byte sequence must decode as UTF-8 to an XML Char (XML 1.0 2.2).
    void check_characters() {
        for (std::size_t i = 0; i < text_.size();) {
            pos_ = i;
            const auto lead = static_cast<unsigned char>(text_[i]);
            std::uint32_t c = 0;
            std::size_t length = 1;
            if (lead < 0x80) {
                c = lead;
            } else if (lead >= 0xC2 && lead <= 0xDF) {
                length = 2, c = lead & 0x1F;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                length = 3, c = lead & 0x0F;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                length = 4, c = lead & 0x07;
            } else {
                fail("a byte that cannot start UTF-8");
            }
            if (i + length > text_.size()) fail("truncated UTF-8");
            for (std::size_t k = 1; k < length; ++k) {
                const auto next = static_cast<unsigned char>(text_[i + k]);
                if ((next & 0xC0) != 0x80) fail("bad UTF-8 continuation byte");
                c = (c << 6) | (next & 0x3F);
            }
            const std::uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
            if (c < minimum[length]) fail("overlong UTF-8");
            if (c >= 0xD800 && c <= 0xDFFF) fail("a UTF-16 surrogate in UTF-8");
            if (!is_xml_char(c)) fail("character U+" + std::to_string(c) + " is not an XML Char");
            i += length;
        }
        pos_ = 0;
    }

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++pos_;
    }
    void skip_space() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
            ++pos_;
    }

    std::string name() {
        const auto name_start = [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
        };
        const auto name_char = [&](char c) {
            return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
        };
        if (!name_start(peek())) fail("expected a name");
        std::size_t start = pos_;
        while (!at_end() && name_char(peek()))
            ++pos_;
        return std::string(text_.substr(start, pos_ - start));
    }

    // After '&': an entity or character reference, resolved.
    void reference(std::string& out) {
        auto end = text_.find(';', pos_);
        if (end == std::string_view::npos || end - pos_ > 12) fail("'&' that starts no reference");
        const std::string_view ref = text_.substr(pos_, end - pos_);
        pos_ = end + 1;
        if (ref == "lt") return void(out += '<');
        if (ref == "gt") return void(out += '>');
        if (ref == "amp") return void(out += '&');
        if (ref == "quot") return void(out += '"');
        if (ref == "apos") return void(out += '\'');
        if (ref.size() < 2 || ref[0] != '#') fail("unknown entity &" + std::string(ref) + ";");
        const bool hex = ref[1] == 'x';
        std::uint32_t c = 0;
        const std::string_view digits = ref.substr(hex ? 2 : 1);
        if (digits.empty()) fail("empty character reference");
        for (char d : digits) {
            std::uint32_t v = 0;
            if (d >= '0' && d <= '9') {
                v = static_cast<std::uint32_t>(d - '0');
            } else if (hex && d >= 'a' && d <= 'f') {
                v = static_cast<std::uint32_t>(d - 'a' + 10);
            } else if (hex && d >= 'A' && d <= 'F') {
                v = static_cast<std::uint32_t>(d - 'A' + 10);
            } else {
                fail("bad digit in a character reference");
            }
            c = c * (hex ? 16 : 10) + v;
            if (c > 0x10FFFF) fail("character reference out of range");
        }
        if (!is_xml_char(c)) fail("character reference to a non-Char");
        append_utf8(out, c);
    }

    std::string attribute_value() {
        const char quote = peek();
        if (quote != '"' && quote != '\'') fail("attribute value without quotes");
        ++pos_;
        std::string value;
        while (true) {
            if (at_end()) fail("unterminated attribute value");
            const char c = text_[pos_];
            if (c == quote) break;
            if (c == '<') fail("raw '<' in an attribute value");
            ++pos_;
            if (c == '&') {
                reference(value);
            } else if (c == '\t' || c == '\n' || c == '\r') {
                value += ' ';  // XML 1.0 3.3.3: a literal white space character becomes a space
            } else {
                value += c;
            }
        }
        ++pos_;
        return value;
    }

    XmlElement element() {
        expect('<');
        XmlElement result;
        result.name = name();
        while (true) {
            const std::size_t before = pos_;
            skip_space();
            if (peek() == '/') {
                ++pos_;
                expect('>');
                return result;
            }
            if (peek() == '>') {
                ++pos_;
                break;
            }
            if (pos_ == before) fail("expected white space before an attribute");
            std::string key = name();
            skip_space();
            expect('=');
            skip_space();
            if (result.has_attribute(key)) fail("duplicate attribute " + key);
            result.attributes.emplace_back(std::move(key), attribute_value());
        }
        while (true) {
            if (at_end()) fail("unterminated element <" + result.name + ">");
            const char c = text_[pos_];
            if (c == '<') {
                if (text_.substr(pos_).starts_with("</")) {
                    pos_ += 2;
                    if (name() != result.name) fail("mismatched end tag for <" + result.name + ">");
                    skip_space();
                    expect('>');
                    return result;
                }
                if (text_.substr(pos_).starts_with("<!") || text_.substr(pos_).starts_with("<?"))
                    fail("comment, CDATA or processing instruction (render_junit writes none)");
                result.children.push_back(element());
                continue;
            }
            if (text_.substr(pos_).starts_with("]]>")) fail("']]>' in character data");
            ++pos_;
            if (c == '&') {
                reference(result.text);
            } else {
                result.text += c == '\r' ? '\n' : c;  // XML 1.0 2.11 end-of-line handling
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

const std::string& XmlElement::attribute(std::string_view key) const {
    for (const auto& [k, v] : attributes)
        if (k == key) return v;
    throw XmlError("<" + name + "> has no attribute " + std::string(key));
}

bool XmlElement::has_attribute(std::string_view key) const {
    for (const auto& attribute : attributes)
        if (attribute.first == key) return true;
    return false;
}

std::vector<const XmlElement*> XmlElement::children_named(std::string_view child_name) const {
    std::vector<const XmlElement*> found;
    for (const auto& c : children)
        if (c.name == child_name) found.push_back(&c);
    return found;
}

const XmlElement& XmlElement::child(std::string_view child_name) const {
    auto found = children_named(child_name);
    if (found.size() != 1)
        throw XmlError("<" + name + "> has " + std::to_string(found.size()) + " <" +
                       std::string(child_name) + ">, want exactly one");
    return *found.front();
}

XmlElement parse_xml(std::string_view text) {
    return Reader(text).document();
}

}  // namespace relaylab::testing
