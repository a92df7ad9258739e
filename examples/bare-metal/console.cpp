#include "console.hpp"

#include "semihosting.hpp"

namespace console {

void print(const char* text) {
    mps2::semihosting_write(text);
}

void print_number(uint32_t value) {
    char digits[11];
    char* first = digits + sizeof(digits);
    *--first = '\0';
    do {
        *--first = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    print(first);
}

void print_value(const char* label, uint32_t value) {
    print(label);
    print(": ");
    print_number(value);
    print("\n");
}

}  // namespace console
