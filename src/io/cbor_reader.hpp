// CBOR pull reader (RFC 8949) over a complete payload. It reads one data
// item head at a time, tracks the enclosing arrays and maps to check their
// lengths and break codes, and never reads outside the input span.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/cbor_writer.hpp"
#include "lwm2m/status.hpp"

namespace lwm2m::io::cbor {

/// Maximum depth of nested arrays, maps and tags that the reader accepts.
/// Deeper input is rejected as kMalformed. Each level costs 16 bytes of
/// CborReader state.
inline constexpr size_t kMaxNesting = 16;

enum class ItemType : uint8_t {
    kUnsigned,
    kNegative,
    kByteString,
    kTextString,
    kArray,
    kMap,
    kTag,
    kFloat,
    kBoolean,
    kNull,
    kUndefined,
    /// Unassigned simple value; `argument` is its number.
    kSimple,
    /// The break code that closed an indefinite-length array or map.
    kBreak,
};

/// One item head as read by CborReader::read().
struct Item {
    ItemType type = ItemType::kUndefined;
    /// Unsigned value, negative-integer argument (value = -1 - argument),
    /// string length, array length, number of map pairs, tag number or
    /// simple value. 0 for indefinite-length items.
    uint64_t argument = 0;
    bool indefinite = false;
    bool boolean = false;
    double floating = 0.0;
    /// Content of a definite-length string, viewing the input.
    std::span<const uint8_t> bytes;
};

/// A number read by read_number(), before conversion to a resource type.
struct Number {
    enum class Kind : uint8_t { kUnsigned, kNegative, kFloat };
    Kind kind = Kind::kUnsigned;
    /// The value for kUnsigned; for kNegative the value is -1 - argument.
    uint64_t argument = 0;
    double floating = 0.0;
};

class CborReader {
  public:
    explicit CborReader(std::span<const uint8_t> input) : input_(input) {}

    /// Reads the next item head. An array or map opens a new level that
    /// has_next() walks. A definite-length string includes its content; an
    /// indefinite-length one is followed by read_string() or skip_string().
    /// Errors: kMalformed (truncated input, reserved additional information
    /// 28 to 30, a break outside an indefinite-length item, an item past the
    /// end of a definite-length container, nesting past kMaxNesting).
    [[nodiscard]] Status read(Item& item);

    /// Sets `more` to whether the innermost open array or map has another
    /// item. When it has none, closes it (consuming the break code of an
    /// indefinite-length one). Errors: kMalformed, kInvalidState (no open
    /// container).
    [[nodiscard]] Status has_next(bool& more);

    /// Reads the chunks of the indefinite-length string whose head read()
    /// returned, concatenated into `scratch`. `text` views `scratch`.
    /// Errors: kMalformed (a chunk of another type, truncated input),
    /// kMessageTooLarge (the chunks do not fit `scratch`).
    [[nodiscard]] Status read_string(const Item& head, std::span<uint8_t> scratch,
                                     std::span<const uint8_t>& text);

    /// Reads any string fully: a definite one views the input, an
    /// indefinite one is copied into `scratch`.
    [[nodiscard]] Status read_any_string(const Item& head, std::span<uint8_t> scratch,
                                         std::span<const uint8_t>& text);

    /// Skips the chunks of the indefinite-length string whose head read()
    /// returned. Errors: kMalformed.
    [[nodiscard]] Status skip_string(const Item& head);

    /// Skips the rest of the data item whose head read() returned: the
    /// items of an array or map, the content of a tag, the chunks of a string.
    [[nodiscard]] Status skip_rest(const Item& head);

    /// Reads and skips one whole data item. Errors: as read().
    [[nodiscard]] Status skip();

    /// Reads one item, skipping any tags in front of it. `tag` is the
    /// innermost tag number, or kNoTag.
    [[nodiscard]] Status read_untagged(Item& item, uint64_t& tag);

    /// Completes a number whose first item (after tags) is `item`: an integer,
    /// a float, or the array of a decimal fraction when `tag` is 4
    /// (RFC 8949, 3.4.4). Errors: kMalformed (not a number).
    [[nodiscard]] Status read_number(const Item& item, uint64_t tag, Number& number);

    /// Number of open arrays and maps.
    size_t depth() const { return depth_; }
    size_t offset() const { return offset_; }
    bool at_end() const { return offset_ == input_.size(); }

    static constexpr uint64_t kNoTag = UINT64_MAX;

  private:
    struct Level {
        /// Items still expected in a definite-length container, or items
        /// read so far in an indefinite-length map (to check for pairs).
        uint64_t remaining;
        bool indefinite;
        bool map;
    };

    [[nodiscard]] Status read_head(uint8_t& major, uint8_t& additional, uint64_t& argument);
    [[nodiscard]] Status read_uint(size_t size, uint64_t& value);
    [[nodiscard]] Status take_slot();
    [[nodiscard]] Status close_indefinite();
    [[nodiscard]] Status fail();

    std::span<const uint8_t> input_;
    size_t offset_ = 0;
    Level levels_[kMaxNesting] = {};
    size_t depth_ = 0;
    /// Tags read whose content has not started yet.
    size_t pending_tags_ = 0;
    bool failed_ = false;
};

/// Converts a number to double. Integers above 2^53 are rounded.
double to_double(const Number& number);

}  // namespace lwm2m::io::cbor
