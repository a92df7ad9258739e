// Conversions of doubles by their IEEE 754 bits. A Cortex-M4 has no
// double-precision unit, and std::floor, std::ldexp or a cast to a 64-bit
// integer each link library routines (about 1 kB together) that these few
// integer operations replace.
#pragma once

#include <cstdint>
#include <cstring>

namespace lwm2m::io {

/// The integral part of a finite double below 2^64 in magnitude, rounded
/// toward zero, with its sign and whether the value had no fraction.
struct Truncated {
    uint64_t magnitude = 0;
    bool negative = false;
    bool exact = false;
};

/// Truncates `value`; returns false for infinities, NaN and magnitudes of
/// 2^64 and more.
inline bool truncate(double value, Truncated& result) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(bits));
    result.negative = (bits >> 63) != 0;
    const int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
    const uint64_t significand = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
    if (exponent < 0) {
        // Below 1 in magnitude: zero, a subnormal or a fraction.
        result.magnitude = 0;
        result.exact = (bits << 1) == 0;
        return true;
    }
    if (exponent > 63) {
        return false;
    }
    if (exponent >= 52) {
        result.magnitude = significand << (exponent - 52);
        result.exact = true;
        return true;
    }
    const int dropped = 52 - exponent;
    result.magnitude = significand >> dropped;
    result.exact = (significand & ((uint64_t{1} << dropped) - 1)) == 0;
    return true;
}

/// Converts `value` to an int64_t if it is an integer in [-2^63, 2^63).
inline bool exact_int64(double value, int64_t& result) {
    Truncated truncated;
    if (!truncate(value, truncated) || !truncated.exact) {
        return false;
    }
    constexpr uint64_t kLimit = uint64_t{1} << 63;
    if (truncated.negative ? truncated.magnitude > kLimit : truncated.magnitude >= kLimit) {
        return false;
    }
    // Two's complement: 0 - 2^63 is INT64_MIN.
    result =
        static_cast<int64_t>(truncated.negative ? 0 - truncated.magnitude : truncated.magnitude);
    return true;
}

/// Converts `value` to a uint64_t if it is an integer in [0, 2^64).
inline bool exact_uint64(double value, uint64_t& result) {
    Truncated truncated;
    if (!truncate(value, truncated) || !truncated.exact ||
        (truncated.negative && truncated.magnitude != 0)) {
        return false;
    }
    result = truncated.magnitude;
    return true;
}

/// floor(value) as an int64_t, for a finite value below 2^63 in magnitude.
inline int64_t floor_int64(double value) {
    Truncated truncated;
    (void)truncate(value, truncated);
    const int64_t whole = static_cast<int64_t>(truncated.magnitude);
    if (!truncated.negative) {
        return whole;
    }
    return truncated.exact ? -whole : -whole - 1;
}

}  // namespace lwm2m::io
