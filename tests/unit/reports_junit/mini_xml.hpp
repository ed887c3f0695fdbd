// A strict little XML 1.0 reader for the JUnit tests: enough of the grammar for what
// render_junit writes (declaration, elements, quoted attributes, text, entity and character
// references), and unforgiving where a CI server's parser is: bytes that are not UTF-8,
// characters outside XML's Char production, a raw '<' or '&', "]]>" in text, mismatched tags,
// duplicate attributes. Comments, CDATA, DOCTYPE and processing instructions other than the
// declaration are refused, since render_junit never writes them.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relaylab::testing {

struct XmlElement {
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes;  // values after normalisation
    std::vector<XmlElement> children;
    std::string text;  // all character data directly inside, references resolved

    // The attribute's value; throws when absent, so a test fails saying which.
    const std::string& attribute(std::string_view key) const;
    bool has_attribute(std::string_view key) const;
    std::vector<const XmlElement*> children_named(std::string_view child_name) const;
    // The only child of that name; throws when there is none or more than one.
    const XmlElement& child(std::string_view child_name) const;
};

class XmlError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The root element; XmlError ("offset 123: raw '<' in an attribute value") when the text is
// not well-formed.
XmlElement parse_xml(std::string_view text);

}  // namespace relaylab::testing
