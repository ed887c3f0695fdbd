// The few HTML character references a URL in an attribute uses, both ways, for the tracking
// rewriter: an href is read as a browser would follow it ("&amp;" is "&") and the click URL is
// written back escaped. Sans-I/O.
#pragma once

#include <string>
#include <string_view>

namespace relaylab::relay {

// &amp; &lt; &gt; &quot; &apos; &#NN; &#xHH; (as UTF-8); any other reference stays as written.
std::string decode_html_entities(std::string_view text);

}  // namespace relaylab::relay
