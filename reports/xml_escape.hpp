// Text from a report (expectation names, actual values, a run's error message, scenario names)
// on its way into XML (junit.xml). Any of it may hold markup or bytes XML 1.0 cannot carry, and
// one such byte makes the whole file unreadable to a CI server's JUnit parser. Sans-I/O, no
// dependencies.
#pragma once

#include <string>
#include <string_view>

namespace relaylab::reports {

// Where the escaped text goes: element content, or a double- or single-quoted attribute value.
enum class XmlPlace { text, attribute };

// Appends `text` as XML 1.0 character data that reads back as the same characters:
//  - & < > " ' become entity references;
//  - in an attribute, tab, LF and CR become character references (&#9; &#10; &#13;): a parser
//    turns a literal one into a space there (XML 1.0 3.3.3). In element content LF and tab
//    stay literal (readable in the raw file), CR becomes &#13; (parsers turn it into LF);
//  - the other C0 controls and U+FFFE/U+FFFF are dropped: XML 1.0 2.2 "Char" excludes them,
//    so not even a character reference may name them; DEL goes too (allowed, but a control
//    that no report text needs and some viewers choke on);
//  - bytes that are not well-formed UTF-8 (RFC 3629 4) become U+FFFD.
void append_xml_escaped(std::string& out, std::string_view text, XmlPlace place);
std::string xml_escape(std::string_view text, XmlPlace place);

}  // namespace relaylab::reports
