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
    // From the bits, as std::frexp and std::ldexp cost a Cortex-M4 about
    // 1 kB of library code: sign, 11-bit exponent (bias 1023), 52-bit fraction.
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(bits));
    const uint16_t sign = (bits >> 63) != 0 ? uint16_t{0x8000} : uint16_t{0};
    const int exponent = static_cast<int>((bits >> 52) & 0x7ff);
    const uint64_t fraction = bits & ((uint64_t{1} << 52) - 1);
    if (exponent == 0x7ff) {
        half = fraction != 0 ? 0x7e00 : static_cast<uint16_t>(sign | 0x7c00);  // NaN, infinity
        return true;
    }
    if (exponent == 0) {
        // Zero; a double subnormal lies far below the smallest half.
        half = sign;
        return fraction == 0;
    }
    const int power = exponent - 1023;  // value = 1.fraction × 2^power
    if (power > 15 || power < -24) {
        return false;
    }
    if (power >= -14) {
        // Normal halves: 10 fraction bits and a biased exponent of 1 to 30.
        if ((fraction & ((uint64_t{1} << 42) - 1)) != 0) {
            return false;
        }
        half = static_cast<uint16_t>(sign | ((power + 15) << 10) | (fraction >> 42));
        return true;
    }
    // Subnormal halves are whole multiples of 2^-24 below 2^-14.
    const uint64_t significand = fraction | (uint64_t{1} << 52);
    const int dropped = 52 - (power + 24);
    if ((significand & ((uint64_t{1} << dropped) - 1)) != 0) {
        return false;
    }
    half = static_cast<uint16_t>(sign | (significand >> dropped));
    return true;
}

double from_half(uint16_t half) {
    // Every half is a float too: move the fields into a float's bits.
    const uint32_t sign = static_cast<uint32_t>(half & 0x8000) << 16;
    const uint32_t exponent = (half >> 10) & 0x1f;
    const uint32_t mantissa = half & 0x3ffu;
    float value = 0.0f;
    if (exponent == 0) {
        // Subnormal: mantissa × 2^-24, exact in a float.
        value = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
        return sign != 0 ? -static_cast<double>(value) : static_cast<double>(value);
    }
    const uint32_t bits =
        sign | (exponent == 31 ? 0x7f800000u : (exponent - 15 + 127) << 23) | (mantissa << 13);
    std::memcpy(&value, &bits, sizeof(value));
    return static_cast<double>(value);
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
