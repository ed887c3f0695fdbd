#include "harness/relay/engagement/html_markup_rewriter.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "harness/relay/engagement/html_entities.hpp"
#include "reports/html_escape.hpp"

namespace relaylab::relay {
namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(),
                      [](char a, char b) { return lower(a) == lower(b); });
}

// Case-insensitive find of an ASCII needle.
std::size_t ifind(std::string_view text, std::string_view needle, std::size_t from) {
    if (needle.empty() || text.size() < needle.size()) return std::string_view::npos;
    for (std::size_t i = from; i + needle.size() <= text.size(); ++i) {
        if (istarts_with(text.substr(i), needle)) return i;
    }
    return std::string_view::npos;
}

std::size_t irfind(std::string_view text, std::string_view needle) {
    if (needle.empty() || text.size() < needle.size()) return std::string_view::npos;
    for (std::size_t i = text.size() - needle.size() + 1; i-- > 0;) {
        if (istarts_with(text.substr(i), needle)) return i;
    }
    return std::string_view::npos;
}

bool html_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

std::string_view trim_html_space(std::string_view text) {
    while (!text.empty() && html_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && html_space(text.back()))
        text.remove_suffix(1);
    return text;
}

// Length of the last line of `out` so far.
std::size_t current_line_length(const std::string& out) {
    std::size_t lf = out.rfind('\n');
    return lf == std::string::npos ? out.size() : out.size() - lf - 1;
}

// Length of the rest of the input line from `pos` (newline excluded).
std::size_t rest_of_line(std::string_view text, std::size_t pos) {
    std::size_t lf = text.find('\n', pos);
    std::size_t end = lf == std::string_view::npos ? text.size() : lf;
    if (end > pos && text[end - 1] == '\r') --end;
    return end > pos ? end - pos : 0;
}

struct Attribute {
    std::string_view name;
    std::size_t value_begin = 0;  // within the document; of the value without its quotes
    std::size_t value_end = 0;
    char quote = 0;  // '"', '\'' or 0 (unquoted)
    bool has_value = false;
};

// Reads the attributes of a start tag from just after its name; returns the position after
// the '>' or nullopt when the tag does not end (the rest is then copied as text).
std::optional<std::size_t> read_attributes(std::string_view html, std::size_t pos,
                                           std::optional<Attribute>& href) {
    for (;;) {
        while (pos < html.size() && (html_space(html[pos]) || html[pos] == '/'))
            ++pos;
        if (pos >= html.size()) return std::nullopt;
        if (html[pos] == '>') return pos + 1;
        std::size_t name_begin = pos;
        while (pos < html.size() && !html_space(html[pos]) && html[pos] != '/' &&
               html[pos] != '>' && html[pos] != '=')
            ++pos;
        Attribute attribute;
        attribute.name = html.substr(name_begin, pos - name_begin);
        std::size_t after_name = pos;
        while (pos < html.size() && html_space(html[pos]))
            ++pos;
        if (pos < html.size() && html[pos] == '=') {
            ++pos;
            while (pos < html.size() && html_space(html[pos]))
                ++pos;
            if (pos >= html.size()) return std::nullopt;
            attribute.has_value = true;
            if (html[pos] == '"' || html[pos] == '\'') {
                attribute.quote = html[pos];
                std::size_t close = html.find(attribute.quote, pos + 1);
                if (close == std::string_view::npos) return std::nullopt;
                attribute.value_begin = pos + 1;
                attribute.value_end = close;
                pos = close + 1;
            } else {
                attribute.value_begin = pos;
                while (pos < html.size() && !html_space(html[pos]) && html[pos] != '>')
                    ++pos;
                attribute.value_end = pos;
            }
        } else {
            pos = after_name;
        }
        // The first href wins, as in a browser's DOM.
        if (!href && attribute.has_value && attribute.name.size() == 4 &&
            istarts_with(attribute.name, "href")) {
            href = attribute;
        }
    }
}

bool trackable_url(std::string_view url) {
    if (!istarts_with(url, "http://") && !istarts_with(url, "https://")) return false;
    return true;
}

// Blanks and controls are not in a URL (RFC 3986 2); one with them is left, and never reaches
// a Location field.
bool clean_url(std::string_view url) {
    return std::none_of(url.begin(), url.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
    });
}

class Rewriter {
  public:
    Rewriter(std::string_view html, MarkupContext& context) : html_(html), c_(context) {}

    std::string run() {
        out_.reserve(html_.size() + html_.size() / 4 + 256);
        std::size_t pos = 0;
        while (pos < html_.size()) {
            std::size_t lt = html_.find('<', pos);
            if (lt == std::string_view::npos) {
                out_ += html_.substr(pos);
                break;
            }
            out_ += html_.substr(pos, lt - pos);
            pos = markup(lt);
        }
        if (c_.urls.pixel) add_pixel();
        return std::move(out_);
    }

  private:
    // At a '<': copies what it stands for and returns where to go on.
    std::size_t markup(std::size_t lt) {
        std::string_view rest = html_.substr(lt);
        if (rest.starts_with("<!--")) {
            std::size_t end = html_.find("-->", lt + 4);
            end = end == std::string_view::npos ? html_.size() : end + 3;
            out_ += html_.substr(lt, end - lt);
            return end;
        }
        std::size_t name_end = lt + 1;
        while (name_end < html_.size() && name_char(html_[name_end]))
            ++name_end;
        std::string_view name = html_.substr(lt + 1, name_end - lt - 1);
        if (name.empty()) {
            out_ += '<';
            return lt + 1;
        }
        if (name.size() == 1 && lower(name[0]) == 'a' && c_.urls.click) return anchor(lt, name_end);
        for (std::string_view raw_text : {"script", "style"}) {
            if (name.size() == raw_text.size() && istarts_with(name, raw_text)) {
                // Raw text up to the end tag: no markup inside to rewrite.
                std::string closing = "</" + std::string(raw_text);
                std::size_t end = ifind(html_, closing, name_end);
                end = end == std::string_view::npos ? html_.size() : end;
                out_ += html_.substr(lt, end - lt);
                return end;
            }
        }
        out_ += html_.substr(lt, name_end - lt);
        return name_end;
    }

    std::size_t anchor(std::size_t lt, std::size_t name_end) {
        std::optional<Attribute> href;
        auto end = read_attributes(html_, name_end, href);
        if (!end) {
            out_ += html_.substr(lt, name_end - lt);
            return name_end;
        }
        if (!href) {
            out_ += html_.substr(lt, *end - lt);
            return *end;
        }
        std::string_view raw = html_.substr(href->value_begin, href->value_end - href->value_begin);
        std::string url(trim_html_space(decode_html_entities(raw)));
        if (!trackable_url(url)) {  // mailto:, #anchor, relative, tel:, javascript: ...
            out_ += html_.substr(lt, *end - lt);
            return *end;
        }
        if (!clean_url(url) || url.size() > c_.limits.max_url_bytes || c_.keep_urls.contains(url) ||
            c_.links_rewritten >= c_.limits.max_links) {
            ++c_.links_left;
            out_ += html_.substr(lt, *end - lt);
            return *end;
        }
        std::string value = reports::html_escape(c_.urls.click(url));
        char quote = href->quote ? href->quote : '"';
        std::size_t value_start = href->quote ? href->value_begin - 1 : href->value_begin;
        std::size_t value_stop = href->quote ? href->value_end + 1 : href->value_end;
        std::size_t replacement = value.size() + 2;
        std::string before(html_.substr(lt, value_start - lt));
        bool break_line = false;
        if (c_.line_limited) {
            std::size_t tail = rest_of_line(html_, value_stop);
            std::size_t head = current_line_length(out_) + current_line_length(before);
            if (before.find('\n') != std::string::npos) head = current_line_length(before);
            if (head + replacement + tail > max_mail_line) {
                if (replacement + tail > max_mail_line) {  // even alone on its line
                    ++c_.links_left;
                    out_ += html_.substr(lt, *end - lt);
                    return *end;
                }
                break_line = true;
            }
        }
        out_ += before;
        if (break_line) out_ += c_.newline;  // "href=" newline "value": still one attribute
        out_ += quote;
        out_ += value;
        out_ += quote;
        out_ += html_.substr(value_stop, *end - value_stop);
        ++c_.links_rewritten;
        return *end;
    }

    void add_pixel() {
        std::string tag = tracking_pixel_tag(c_.urls.pixel());
        std::size_t body_end = irfind(out_, "</body");
        std::size_t at = body_end == std::string::npos ? out_.size() : body_end;
        // When there is no </body>, a document ending with a newline keeps ending with one.
        bool before_final_newline =
            body_end == std::string::npos && !out_.empty() && out_.back() == '\n';
        if (before_final_newline) {
            at = out_.size() - 1;
            if (at > 0 && out_[at - 1] == '\r') --at;
        }
        std::string insert = tag;
        if (c_.line_limited) {
            std::string_view head(out_.data(), at);
            std::size_t lf = head.rfind('\n');
            std::size_t head_length = lf == std::string_view::npos ? at : at - lf - 1;
            std::size_t tail = rest_of_line(out_, at);
            if (head_length + tag.size() + tail > max_mail_line) {
                insert = std::string(c_.newline) + tag + std::string(c_.newline);
            }
        }
        out_.insert(at, insert);
        ++c_.pixels;
    }

    std::string_view html_;
    MarkupContext& c_;
    std::string out_;
};

}  // namespace

std::string tracking_pixel_tag(std::string_view url) {
    return "<img src=\"" + reports::html_escape(url) +
           "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">";
}

std::string rewrite_html_markup(std::string_view html, MarkupContext& context) {
    return Rewriter(html, context).run();
}

}  // namespace relaylab::relay
