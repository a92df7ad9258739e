// Builds LwM2M TLV payloads (LwM2M Core, 7.4.3) for the requests of the tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace lwm2m::testing {

/// Kinds of TLV entry, bits 7-6 of the type byte.
inline constexpr uint8_t kTlvObjectInstance = 0;
inline constexpr uint8_t kTlvResourceInstance = 1;
inline constexpr uint8_t kTlvMultipleResource = 2;
inline constexpr uint8_t kTlvResource = 3;

/// Encodes one TLV entry of `kind` with an 8-bit ID and a value shorter than 256 bytes.
inline std::vector<uint8_t> tlv(uint8_t kind, uint8_t id, const std::vector<uint8_t>& value) {
    std::vector<uint8_t> out;
    if (value.size() < 8) {
        out.push_back(static_cast<uint8_t>(kind << 6 | value.size()));
        out.push_back(id);
    } else {
        out.push_back(static_cast<uint8_t>(kind << 6 | 1 << 3));
        out.push_back(id);
        out.push_back(static_cast<uint8_t>(value.size()));
    }
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

/// Concatenates the parts.
inline std::vector<uint8_t> join(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> out;
    for (const std::vector<uint8_t>& part : parts) {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

}  // namespace lwm2m::testing
