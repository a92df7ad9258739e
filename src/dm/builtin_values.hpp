// Conversions between resource values and the fields of the built-in objects.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "lwm2m/value.hpp"

namespace lwm2m::detail {

inline std::span<const uint8_t> text_view(const char* text) {
    return {reinterpret_cast<const uint8_t*>(text), std::strlen(text)};
}

/// A string value viewing `text`, which must stay valid while the value is used.
inline Value text_value(const char* text) {
    return Value::make_bytes(DataType::kString, text_view(text));
}

/// Copies a string value into `out` (NUL-terminated); false if it does not fit.
inline bool copy_text(const Value& value, std::span<char> out) {
    if (value.bytes.size() >= out.size()) {
        return false;
    }
    if (!value.bytes.empty()) {
        std::memcpy(out.data(), value.bytes.data(), value.bytes.size());
    }
    out[value.bytes.size()] = '\0';
    return true;
}

/// Copies `bytes` into a key field and sets its length; false if they do not fit.
template <size_t N>
bool copy_key_bytes(std::span<const uint8_t> bytes, uint8_t (&out)[N], uint16_t& length) {
    static_assert(N <= 65535, "key lengths are kept in two bytes");
    if (bytes.size() > N) {
        return false;
    }
    if (!bytes.empty()) {
        std::memcpy(out, bytes.data(), bytes.size());
    }
    length = static_cast<uint16_t>(bytes.size());
    return true;
}

/// Reads a non-negative integer value of either integer type into `out`.
/// Returns false if it is negative, above UINT32_MAX or not an integer.
inline bool to_uint32(const Value& value, uint32_t& out) {
    if (value.type == DataType::kInteger && value.integer >= 0 && value.integer <= UINT32_MAX) {
        out = static_cast<uint32_t>(value.integer);
        return true;
    }
    if (value.type == DataType::kUnsignedInteger && value.unsigned_integer <= UINT32_MAX) {
        out = static_cast<uint32_t>(value.unsigned_integer);
        return true;
    }
    return false;
}

}  // namespace lwm2m::detail
