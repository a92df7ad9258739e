// Text output of the example images through semihosting, without printf:
// newlib's printf family reaches for malloc(), which these images do not have.
#pragma once

#include <cstdint>

namespace console {

void print(const char* text);

/// Prints `value` in decimal.
void print_number(uint32_t value);

/// Prints "label: value" and a newline.
void print_value(const char* label, uint32_t value);

}  // namespace console
