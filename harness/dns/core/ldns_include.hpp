// Include ldns through this header only. ldns/common.h, unless <stdbool.h> came first,
// defines the macros bool, true and false in C++ too, which breaks every standard header
// included after it.
#pragma once

#include <stdbool.h>  // NOLINT(modernize-deprecated-headers): defines __bool_true_false_are_defined

#include <ldns/ldns.h>
