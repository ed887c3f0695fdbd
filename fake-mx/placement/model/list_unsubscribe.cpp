// Placeholder: the recipients helper implements this.
#include "fake-mx/placement/model/list_unsubscribe.hpp"

namespace relaylab::placement {

ListUnsubscribe read_list_unsubscribe(std::string_view) {
    return {};
}

}  // namespace relaylab::placement
