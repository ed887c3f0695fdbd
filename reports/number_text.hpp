// Numbers as the reports print them: the shortest text that reads back as the same double, in
// plain decimal notation ("0.9712", "3", "2250.7"), never "3.000000" or "1e+06". Shared by the
// expectation rows and the report writers so a value reads the same everywhere.
#pragma once

#include <string>

namespace relaylab::reports {

// "nan" and "inf"/"-inf" for the values JSON cannot hold (they never come from a report, but
// a division can make them).
std::string format_number(double value);

}  // namespace relaylab::reports
