// A pull tokenizer for JSON text (RFC 8259) and the number and string
// conversions that the JSON content formats (SenML JSON, LwM2M JSON) share.
// text/plain uses the same decimal number conversions.
// Fixed-size state only: nesting is limited to JsonReader::kMaxDepth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lwm2m/status.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::io {

enum class JsonToken : uint8_t {
    kArrayBegin,
    kArrayEnd,
    kObjectBegin,
    kObjectEnd,
    /// A member name; a value follows.
    kKey,
    kString,
    kNumber,
    kTrue,
    kFalse,
    kNull,
    /// The root value is complete and only whitespace follows it.
    kEnd,
};

/// Reads the tokens of one JSON text in order and checks the grammar as it
/// goes: separators, nesting, string escapes, UTF-8 and number syntax.
/// Unpaired UTF-16 surrogates in \u escapes are rejected although RFC 8259
/// lets them through, because they cannot be converted to UTF-8.
class JsonReader {
  public:
    /// Containers nested deeper than this are rejected as kMalformed.
    static constexpr size_t kMaxDepth = 8;

    explicit JsonReader(std::span<const uint8_t> text) : text_(text) {}

    /// Reads the next token. Returns kOk or kMalformed; after kMalformed every
    /// further call returns kMalformed.
    [[nodiscard]] Status next(JsonToken& token);

    /// Reads the next value whole, including nested containers, and drops it.
    [[nodiscard]] Status skip_value();

    /// For kKey and kString: the bytes between the quotes, escapes not yet
    /// decoded. For kNumber: the number as written. A view into the input.
    std::span<const uint8_t> token_text() const { return token_text_; }

    /// Number of containers open after the last token.
    size_t depth() const { return depth_; }

  private:
    enum class Expect : uint8_t {
        kValue,
        kArrayFirst,
        kObjectFirst,
        kColon,
        kCommaOrEnd,
        kDone,
    };

    Status read_value(JsonToken& token);
    Status read_key(JsonToken& token);
    Status read_after_value(JsonToken& token);
    Status read_string();
    Status read_number();
    Status read_literal(const char* literal);
    Status push(bool is_object);
    void finish_value();
    bool top_is_object() const { return (object_bits_ >> (depth_ - 1)) & 1u; }
    void skip_whitespace();
    Status fail();

    std::span<const uint8_t> text_;
    size_t position_ = 0;
    std::span<const uint8_t> token_text_;
    size_t depth_ = 0;
    /// Bit i is set when container i (0 = outermost) is an object.
    uint32_t object_bits_ = 0;
    Expect expect_ = Expect::kValue;
    bool failed_ = false;
};

/// Decodes the escapes of a string token (JsonReader::token_text()) one
/// UTF-8 byte at a time. The text must have been checked by JsonReader.
class JsonStringDecoder {
  public:
    explicit JsonStringDecoder(std::span<const uint8_t> escaped) : text_(escaped) {}

    /// Stores the next decoded byte; returns false at the end of the string.
    bool next(uint8_t& byte);

  private:
    void encode_utf8(uint32_t code_point);

    std::span<const uint8_t> text_;
    size_t position_ = 0;
    uint8_t pending_[4] = {};
    uint8_t pending_count_ = 0;
    uint8_t pending_next_ = 0;
};

/// True if the string token contains escapes, so that its decoded bytes
/// differ from token_text().
bool json_string_has_escapes(std::span<const uint8_t> escaped);

/// True if the decoded string token equals the NUL-terminated `literal`.
bool json_string_equals(std::span<const uint8_t> escaped, const char* literal);

/// Returns the last decoded byte of a string token, or 0 for an empty one.
uint8_t json_string_last_byte(std::span<const uint8_t> escaped);

/// Parses an LwM2M path "/o[/i[/r[/ri]]]" fed one decoded byte at a time, so
/// that a base name and a name can be joined without a copy. IDs are decimal
/// and at most 65534, because LwM2M reserves 65535.
class JsonPathParser {
  public:
    /// Takes the next byte; returns false once the text cannot be a path.
    bool feed(uint8_t c);

    /// Feeds the decoded bytes of a string token.
    bool feed_string(std::span<const uint8_t> escaped);

    /// Stores the path fed so far; returns false if it is incomplete.
    bool finish(Path& path);

  private:
    Path path_;
    uint32_t id_ = 0;
    bool started_ = false;
    bool expect_digit_ = false;
};

/// Decodes a string token into `output`. Returns the decoded length, or
/// kMessageTooLarge when `output` is too small.
[[nodiscard]] Result<size_t> json_decode_string(std::span<const uint8_t> escaped,
                                                std::span<uint8_t> output);

/// Decodes the base64 text of a string token into `output`. Accepts the
/// URL-safe alphabet of RFC 4648, section 5 (SenML "vd") and the standard one
/// of section 4, with or without padding. Returns the decoded length,
/// kMessageTooLarge when `output` is too small, or kMalformed for other
/// characters, misplaced padding, a length of 4n + 1, or nonzero unused bits
/// in the last character.
[[nodiscard]] Result<size_t> json_decode_base64(std::span<const uint8_t> escaped,
                                                std::span<uint8_t> output);

/// Length of the well-formed UTF-8 sequence (RFC 3629) that starts at `at`,
/// or 0 if it is not well formed.
size_t utf8_sequence_length(std::span<const uint8_t> text, size_t at);

/// Converts a number token that denotes an integer ("5", "-5.0", "5e2") to
/// int64. Returns false for a fraction or a value outside int64.
bool json_number_to_int64(std::span<const uint8_t> number, int64_t& value);

/// As json_number_to_int64() for uint64; "-0" is accepted as 0.
bool json_number_to_uint64(std::span<const uint8_t> number, uint64_t& value);

/// Converts a number token to the nearest double (ties to even), for any
/// number of digits. Returns false if the magnitude rounds above DBL_MAX.
bool json_number_to_double(std::span<const uint8_t> number, double& value);

/// Converts the JSON number `text` to a Value of `type` (float, unsigned
/// integer, time, or integer for anything else). Returns kMalformed if the
/// number does not fit `type` exactly.
Status json_number_to_value(std::span<const uint8_t> text, DataType type, Value& value);

/// Converts the contents of a JSON string to a Value of `type` (string or
/// corelnk). Without escapes it views `text`; with escapes it is decoded into
/// `scratch`. Errors: kMalformed, kMessageTooLarge (does not fit `scratch`).
Status json_string_to_value(std::span<const uint8_t> text, DataType type,
                            std::span<uint8_t> scratch, Value& value);

/// Decodes the base64 text of a string token into `scratch` and stores it
/// as an opaque Value that views `scratch`. Errors as json_decode_base64():
/// kMessageTooLarge, kMalformed.
Status json_base64_to_value(std::span<const uint8_t> text, std::span<uint8_t> scratch,
                            Value& value);

/// Room that shortest_digits() needs. A double needs at most 17 digits.
inline constexpr size_t kShortestDigitsMax = 20;

/// Writes the fewest decimal digits d1..dn (values 0 to 9, d1 != 0) for which
/// 0.d1..dn x 10^point reads back as exactly `value`, which must be positive
/// and finite. Among equally short digit strings it picks the nearest one,
/// and ties go to an even last digit. Returns n.
size_t shortest_digits(double value, uint8_t (&digits)[kShortestDigitsMax], int64_t& point);

/// Room that format_double() and the integer formatters need.
inline constexpr size_t kJsonNumberMaxLength = 32;

/// Writes the shortest decimal text that json_number_to_double() reads back
/// as exactly `value`, which must be finite. Plain notation while the
/// mantissa stays under 19 characters, exponent notation ("1.5e-7") after
/// that, as RFC 8428, section 5 recommends. Returns the length.
/// Uses about 1.2 KB of stack for big-integer arithmetic (arm-none-eabi-gcc
/// 12.2, -Os, Cortex-M4); json_number_to_double() about 0.5 KB.
size_t format_double(double value, char (&output)[kJsonNumberMaxLength]);

size_t format_int64(int64_t value, char (&output)[kJsonNumberMaxLength]);
size_t format_uint64(uint64_t value, char (&output)[kJsonNumberMaxLength]);

}  // namespace lwm2m::io
