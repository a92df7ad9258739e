// CBOR encoder primitives (RFC 8949) that stream into a PayloadSink. Every
// head is written in its shortest form, so the output is preferred
// serialization (RFC 8949, 4.1) whenever the caller uses definite lengths.
#pragma once

#include <cstdint>
#include <span>

#include "io/payload_sink.hpp"

namespace lwm2m::io::cbor {

/// The eight major types of RFC 8949, 3.1.
enum class MajorType : uint8_t {
    kUnsigned = 0,
    kNegative = 1,
    kByteString = 2,
    kTextString = 3,
    kArray = 4,
    kMap = 5,
    kTag = 6,
    kSimple = 7,
};

/// Tag numbers the content formats use (RFC 8949, 3.4).
inline constexpr uint64_t kTagEpochTime = 1;
inline constexpr uint64_t kTagDecimalFraction = 4;

/// Writes CBOR data items. The writer has no error state: writing past the
/// sink's window is reported by PayloadSink::overflowed().
class CborWriter {
  public:
    explicit CborWriter(PayloadSink& sink) : sink_(sink) {}

    /// Writes the head of `type` with `argument` in the fewest bytes.
    void write_head(MajorType type, uint64_t argument);

    void write_unsigned(uint64_t value) { write_head(MajorType::kUnsigned, value); }
    /// Writes major type 0 for values >= 0 and major type 1 otherwise.
    void write_integer(int64_t value);

    /// Writes `value` as a half, single or double float: the shortest of the
    /// three that represents it exactly. NaN becomes the half-precision quiet NaN.
    void write_float(double value);

    void write_bool(bool value) { sink_.write(value ? uint8_t{0xf5} : uint8_t{0xf4}); }
    void write_null() { sink_.write(uint8_t{0xf6}); }
    void write_undefined() { sink_.write(uint8_t{0xf7}); }

    void write_text(std::span<const uint8_t> text);
    /// Writes a NUL-terminated string as a text string.
    void write_text(const char* text);
    void write_bytes(std::span<const uint8_t> bytes);

    /// Heads of definite-length containers; the caller writes the items.
    void write_array(uint64_t count) { write_head(MajorType::kArray, count); }
    void write_map(uint64_t pair_count) { write_head(MajorType::kMap, pair_count); }
    void write_tag(uint64_t tag) { write_head(MajorType::kTag, tag); }

    /// Heads of indefinite-length items (arrays, maps, byte and text
    /// strings), each closed by write_break().
    void write_indefinite(MajorType type);
    void write_break() { sink_.write(uint8_t{0xff}); }

  private:
    PayloadSink& sink_;
};

/// Encodes `value` as IEEE 754 binary16 into `half` if that is exact.
bool to_half(double value, uint16_t& half);

/// Decodes IEEE 754 binary16 (RFC 8949, appendix D).
double from_half(uint16_t half);

}  // namespace lwm2m::io::cbor
