// Placeholder: the recipients helper implements this.
#include "fake-mx/placement/model/html_links.hpp"

namespace relaylab::placement {

HtmlLinks find_html_links(std::string_view, std::size_t) {
    return {};
}

}  // namespace relaylab::placement
