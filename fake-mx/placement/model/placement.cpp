#include "fake-mx/placement/model/placement.hpp"

namespace relaylab::placement {

std::string_view to_string(Placement placement) {
    switch (placement) {
        case Placement::inbox:
            return "inbox";
        case Placement::spam:
            return "spam";
        case Placement::rejected:
            return "rejected";
        case Placement::deferred:
            return "deferred";
    }
    return "inbox";
}

}  // namespace relaylab::placement
