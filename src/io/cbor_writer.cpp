#include "io/cbor_writer.hpp"

#include <cmath>
#include <cstring>

namespace lwm2m::io::cbor {
namespace {

// Additional information values of RFC 8949, 3: 24 to 27 announce an
// argument of 1, 2, 4 or 8 bytes that follows the initial byte.
constexpr uint8_t kArgument1 = 24;
constexpr uint8_t kArgument2 = 25;
constexpr uint8_t kArgument4 = 26;
constexpr uint8_t kArgument8 = 27;
constexpr uint8_t kIndefinite = 31;

void write_big_endian(PayloadSink& sink, uint64_t value, size_t size) {
    uint8_t bytes[8];
    for (size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<uint8_t>(value >> (8 * (size - 1 - i)));
    }
    sink.write(std::span<const uint8_t>(bytes, size));
}

uint8_t initial_byte(MajorType type, uint8_t additional) {
    return static_cast<uint8_t>((static_cast<uint8_t>(type) << 5) | additional);
}

}  // namespace

bool to_half(double value, uint16_t& half) {
    const uint16_t sign = std::signbit(value) ? 0x8000 : 0;
    if (std::isnan(value)) {
        half = 0x7e00;
        return true;
    }
    if (std::isinf(value)) {
        half = sign | 0x7c00;
        return true;
    }
    const double magnitude = std::fabs(value);
    if (magnitude == 0.0) {
        half = sign;
        return true;
    }
    if (magnitude > 65504.0) {
        return false;
    }

    // Subnormal halves are multiples of 2^-24 below 2^-14.
    if (magnitude < std::ldexp(1.0, -14)) {
        const double units = std::ldexp(magnitude, 24);
        if (units != std::floor(units)) {
            return false;
        }
        half = sign | static_cast<uint16_t>(units);
        return true;
    }

    // Normal halves: 1.m × 2^e with 10 fraction bits and e in [-14, 15].
    int exponent = 0;
    const double fraction = std::frexp(magnitude, &exponent);   // [0.5, 1)
    const double mantissa = std::ldexp(fraction, 11) - 1024.0;  // 10-bit field
    if (mantissa != std::floor(mantissa)) {
        return false;
    }
    const int biased = exponent - 1 + 15;
    half = sign | static_cast<uint16_t>(biased << 10) | static_cast<uint16_t>(mantissa);
    return true;
}

double from_half(uint16_t half) {
    const int exponent = (half >> 10) & 0x1f;
    const int mantissa = half & 0x3ff;
    double value = 0.0;
    if (exponent == 0) {
        value = std::ldexp(mantissa, -24);
    } else if (exponent != 31) {
        value = std::ldexp(mantissa + 1024, exponent - 25);
    } else {
        value = mantissa == 0 ? INFINITY : NAN;
    }
    return (half & 0x8000) != 0 ? -value : value;
}

void CborWriter::write_head(MajorType type, uint64_t argument) {
    if (argument < kArgument1) {
        sink_.write(initial_byte(type, static_cast<uint8_t>(argument)));
    } else if (argument <= 0xff) {
        sink_.write(initial_byte(type, kArgument1));
        write_big_endian(sink_, argument, 1);
    } else if (argument <= 0xffff) {
        sink_.write(initial_byte(type, kArgument2));
        write_big_endian(sink_, argument, 2);
    } else if (argument <= 0xffffffff) {
        sink_.write(initial_byte(type, kArgument4));
        write_big_endian(sink_, argument, 4);
    } else {
        sink_.write(initial_byte(type, kArgument8));
        write_big_endian(sink_, argument, 8);
    }
}

void CborWriter::write_integer(int64_t value) {
    if (value >= 0) {
        write_head(MajorType::kUnsigned, static_cast<uint64_t>(value));
        return;
    }
    // -1 - value without overflow for INT64_MIN.
    write_head(MajorType::kNegative, ~static_cast<uint64_t>(value));
}

void CborWriter::write_float(double value) {
    uint16_t half = 0;
    if (to_half(value, half)) {
        sink_.write(initial_byte(MajorType::kSimple, kArgument2));
        write_big_endian(sink_, half, 2);
        return;
    }

    const float single = static_cast<float>(value);
    if (static_cast<double>(single) == value) {
        uint32_t bits = 0;
        std::memcpy(&bits, &single, sizeof(bits));
        sink_.write(initial_byte(MajorType::kSimple, kArgument4));
        write_big_endian(sink_, bits, 4);
        return;
    }

    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(bits));
    sink_.write(initial_byte(MajorType::kSimple, kArgument8));
    write_big_endian(sink_, bits, 8);
}

void CborWriter::write_text(std::span<const uint8_t> text) {
    write_head(MajorType::kTextString, text.size());
    sink_.write(text);
}

void CborWriter::write_text(const char* text) {
    write_text({reinterpret_cast<const uint8_t*>(text), std::strlen(text)});
}

void CborWriter::write_bytes(std::span<const uint8_t> bytes) {
    write_head(MajorType::kByteString, bytes.size());
    sink_.write(bytes);
}

void CborWriter::write_indefinite(MajorType type) {
    sink_.write(initial_byte(type, kIndefinite));
}

}  // namespace lwm2m::io::cbor
