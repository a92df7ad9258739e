#include "io/cbor_reader.hpp"

#include <cstring>

#include "io/json_reader.hpp"
#include "lwm2m/config.hpp"

namespace lwm2m::io::cbor {
namespace {

constexpr uint8_t kBreakByte = 0xff;
constexpr uint8_t kIndefinite = 31;

bool is_container(ItemType type) {
    return type == ItemType::kArray || type == ItemType::kMap;
}

bool is_string(ItemType type) {
    return type == ItemType::kByteString || type == ItemType::kTextString;
}

// Writes an integer item in decimal into `out` (at least 21 bytes); returns
// the length. A negative item is -1 - argument, which needs 65 bits when the
// argument is the largest uint64.
size_t write_integer(const Item& item, char* out) {
    char digits[kJsonNumberMaxLength];
    if (item.type == ItemType::kUnsigned) {
        const size_t length = format_uint64(item.argument, digits);
        std::memcpy(out, digits, length);
        return length;
    }
    if (item.argument == UINT64_MAX) {
        std::memcpy(out, "-18446744073709551616", 21);
        return 21;
    }
    const size_t length = format_uint64(item.argument + 1, digits);
    out[0] = '-';
    std::memcpy(out + 1, digits, length);
    return length + 1;
}

}  // namespace

double to_double(const Number& number) {
    switch (number.kind) {
        case Number::Kind::kUnsigned:
            return static_cast<double>(number.argument);
        case Number::Kind::kNegative:
            return -1.0 - static_cast<double>(number.argument);
        case Number::Kind::kFloat:
            break;
    }
    return number.floating;
}

Status CborReader::fail() {
    failed_ = true;
    return Status::kMalformed;
}

Status CborReader::read_uint(size_t size, uint64_t& value) {
    if (input_.size() - offset_ < size) {
        return fail();
    }
    value = 0;
    for (size_t i = 0; i < size; ++i) {
        value = (value << 8) | input_[offset_ + i];
    }
    offset_ += size;
    return Status::kOk;
}

Status CborReader::read_head(uint8_t& major, uint8_t& additional, uint64_t& argument) {
    if (offset_ >= input_.size()) {
        return fail();
    }
    const uint8_t initial = input_[offset_++];
    major = initial >> 5;
    additional = initial & 0x1f;
    argument = 0;
    if (additional < 24) {
        argument = additional;
        return Status::kOk;
    }
    if (additional <= 27) {
        // 24..27 announce a 1, 2, 4 or 8 byte argument.
        return read_uint(size_t{1} << (additional - 24), argument);
    }
    if (additional < kIndefinite) {
        return fail();  // 28..30 are reserved (RFC 8949, 3).
    }
    return Status::kOk;
}

// Counts one item against the innermost definite-length container. The
// content of a tag shares the slot that the tag took.
Status CborReader::take_slot() {
    if (pending_tags_ > 0) {
        pending_tags_ = 0;
        return Status::kOk;
    }
    if (depth_ == 0) {
        return Status::kOk;
    }
    Level& level = levels_[depth_ - 1];
    if (level.indefinite) {
        ++level.remaining;
        return Status::kOk;
    }
    if (level.remaining == 0) {
        return fail();
    }
    --level.remaining;
    return Status::kOk;
}

// Consumes a break code and closes the innermost indefinite-length array or
// map, which must be open with no tag waiting for content.
Status CborReader::close_indefinite() {
    if (pending_tags_ > 0 || depth_ == 0) {
        return fail();
    }
    const Level& level = levels_[depth_ - 1];
    // A map needs a value for every key.
    if (!level.indefinite || (level.map && level.remaining % 2 != 0)) {
        return fail();
    }
    --depth_;
    return Status::kOk;
}

Status CborReader::read(Item& item) {
    if (failed_) {
        return Status::kMalformed;
    }
    uint8_t major = 0;
    uint8_t additional = 0;
    uint64_t argument = 0;
    if (read_head(major, additional, argument) != Status::kOk) {
        return Status::kMalformed;
    }
    item = Item{};
    item.argument = argument;
    item.indefinite = additional == kIndefinite;

    if (major == 7 && additional == kIndefinite) {
        if (close_indefinite() != Status::kOk) {
            return Status::kMalformed;
        }
        item.type = ItemType::kBreak;
        return Status::kOk;
    }

    if (major == 6) {
        if (item.indefinite || pending_tags_ >= kMaxNesting) {
            return fail();
        }
        if (pending_tags_ == 0 && take_slot() != Status::kOk) {
            return Status::kMalformed;
        }
        ++pending_tags_;
        item.type = ItemType::kTag;
        return Status::kOk;
    }

    if (take_slot() != Status::kOk) {
        return Status::kMalformed;
    }
    const size_t left = input_.size() - offset_;
    switch (major) {
        case 0:
        case 1:
            if (item.indefinite) {
                return fail();
            }
            item.type = major == 0 ? ItemType::kUnsigned : ItemType::kNegative;
            return Status::kOk;

        case 2:
        case 3:
            item.type = major == 2 ? ItemType::kByteString : ItemType::kTextString;
            if (item.indefinite) {
                // Without LWM2M_WITH_CBOR_EXTRAS a string comes in one piece.
                return LWM2M_WITH_CBOR_EXTRAS ? Status::kOk : fail();
            }
            if (argument > left) {
                return fail();
            }
            item.bytes = input_.subspan(offset_, static_cast<size_t>(argument));
            offset_ += static_cast<size_t>(argument);
            return Status::kOk;

        case 4:
        case 5: {
            item.type = major == 4 ? ItemType::kArray : ItemType::kMap;
            // Every item takes at least one byte, so a longer count is
            // truncated input; this also keeps 2 * count from overflowing.
            if (!item.indefinite && argument > left) {
                return fail();
            }
            if (depth_ == kMaxNesting) {
                return fail();
            }
            const uint64_t count = major == 4 ? argument : 2 * argument;
            levels_[depth_++] = Level{item.indefinite ? 0 : count, item.indefinite, major == 5};
            return Status::kOk;
        }

        default:
            break;
    }

    // Major type 7: simple values and floats (RFC 8949, 3.3).
    if (additional < 20) {
        item.type = ItemType::kSimple;
        return Status::kOk;
    }
    switch (additional) {
        case 20:
        case 21:
            item.type = ItemType::kBoolean;
            item.boolean = additional == 21;
            return Status::kOk;
        case 22:
            item.type = ItemType::kNull;
            return Status::kOk;
        case 23:
            item.type = ItemType::kUndefined;
            return Status::kOk;
        case 24:
            // Simple values below 32 in two bytes are not well-formed.
            if (argument < 32) {
                return fail();
            }
            item.type = ItemType::kSimple;
            return Status::kOk;
        case 25:
#if LWM2M_WITH_CBOR_EXTRAS
            item.type = ItemType::kFloat;
            item.floating = from_half(static_cast<uint16_t>(argument));
            return Status::kOk;
#else
            return fail();  // half-precision floats are not built in
#endif
        case 26: {
            item.type = ItemType::kFloat;
            const uint32_t bits = static_cast<uint32_t>(argument);
            float single = 0.0f;
            std::memcpy(&single, &bits, sizeof(single));
            item.floating = single;
            return Status::kOk;
        }
        default: {
            item.type = ItemType::kFloat;
            std::memcpy(&item.floating, &argument, sizeof(item.floating));
            return Status::kOk;
        }
    }
}

Status CborReader::has_next(bool& more) {
    more = false;
    if (failed_) {
        return Status::kMalformed;
    }
    if (depth_ == 0) {
        return Status::kInvalidState;
    }
    if (pending_tags_ > 0) {
        return fail();  // A tag with no content.
    }
    Level& level = levels_[depth_ - 1];
    if (!level.indefinite) {
        more = level.remaining > 0;
        if (!more) {
            --depth_;
        }
        return Status::kOk;
    }
    if (offset_ >= input_.size()) {
        return fail();
    }
    if (input_[offset_] == kBreakByte) {
        ++offset_;
        return close_indefinite();
    }
    more = true;
    return Status::kOk;
}

Status CborReader::read_string(const Item& head, std::span<uint8_t> scratch,
                               std::span<const uint8_t>& text) {
    text = {};
    if (failed_) {
        return Status::kMalformed;
    }
    if (!is_string(head.type) || !head.indefinite) {
        return Status::kInvalidState;
    }
#if !LWM2M_WITH_CBOR_EXTRAS
    (void)scratch;
    return fail();  // read() lets no indefinite-length string through
#else
    const uint8_t expected_major = head.type == ItemType::kByteString ? 2 : 3;
    size_t length = 0;
    // Each chunk consumes at least one byte, which bounds the loop.
    while (true) {
        if (offset_ >= input_.size()) {
            return fail();
        }
        if (input_[offset_] == kBreakByte) {
            ++offset_;
            break;
        }
        uint8_t major = 0;
        uint8_t additional = 0;
        uint64_t size = 0;
        if (read_head(major, additional, size) != Status::kOk) {
            return Status::kMalformed;
        }
        // Chunks are definite-length strings of the same major type.
        if (major != expected_major || additional == kIndefinite ||
            size > input_.size() - offset_) {
            return fail();
        }
        if (size > scratch.size() - length) {
            return Status::kMessageTooLarge;
        }
        if (size > 0) {
            std::memcpy(scratch.data() + length, input_.data() + offset_,
                        static_cast<size_t>(size));
        }
        length += static_cast<size_t>(size);
        offset_ += static_cast<size_t>(size);
    }
    text = scratch.first(length);
    return Status::kOk;
#endif
}

Status CborReader::read_any_string(const Item& head, std::span<uint8_t> scratch,
                                   std::span<const uint8_t>& text) {
    if (!head.indefinite) {
        text = head.bytes;
        return Status::kOk;
    }
    return read_string(head, scratch, text);
}

Status CborReader::skip_string(const Item& head) {
    if (failed_) {
        return Status::kMalformed;
    }
    if (!is_string(head.type) || !head.indefinite || !LWM2M_WITH_CBOR_EXTRAS) {
        return Status::kOk;
    }
    const uint8_t expected_major = head.type == ItemType::kByteString ? 2 : 3;
    while (true) {
        if (offset_ >= input_.size()) {
            return fail();
        }
        if (input_[offset_] == kBreakByte) {
            ++offset_;
            return Status::kOk;
        }
        uint8_t major = 0;
        uint8_t additional = 0;
        uint64_t size = 0;
        if (read_head(major, additional, size) != Status::kOk) {
            return Status::kMalformed;
        }
        if (major != expected_major || additional == kIndefinite ||
            size > input_.size() - offset_) {
            return fail();
        }
        offset_ += static_cast<size_t>(size);
    }
}

Status CborReader::skip_rest(const Item& head) {
    if (head.type == ItemType::kBreak) {
        return Status::kOk;
    }
    const size_t base = is_container(head.type) ? depth_ - 1 : depth_;
    Item item = head;
    // Every pass reads an item or closes a container, so the loop ends
    // within the input length plus kMaxNesting passes.
    while (true) {
        if (item.type == ItemType::kTag) {
            if (read(item) != Status::kOk) {
                return Status::kMalformed;
            }
            continue;
        }
        if (skip_string(item) != Status::kOk) {
            return Status::kMalformed;
        }
        bool more = false;
        while (depth_ > base && !more) {
            if (has_next(more) != Status::kOk) {
                return Status::kMalformed;
            }
        }
        if (!more) {
            return Status::kOk;
        }
        if (read(item) != Status::kOk) {
            return Status::kMalformed;
        }
    }
}

Status CborReader::skip() {
    Item item;
    if (read(item) != Status::kOk) {
        return Status::kMalformed;
    }
    if (item.type == ItemType::kBreak) {
        return fail();
    }
    return skip_rest(item);
}

Status CborReader::read_untagged(Item& item, uint64_t& tag) {
    tag = kNoTag;
    // read() rejects more than kMaxNesting tags in a row.
    while (true) {
        if (read(item) != Status::kOk) {
            return Status::kMalformed;
        }
        if (item.type != ItemType::kTag) {
            return Status::kOk;
        }
        tag = item.argument;
    }
}

Status CborReader::read_number(const Item& item, uint64_t tag, Number& number) {
    number = Number{};
    switch (item.type) {
        case ItemType::kUnsigned:
            number.kind = Number::Kind::kUnsigned;
            number.argument = item.argument;
            return Status::kOk;
        case ItemType::kNegative:
            number.kind = Number::Kind::kNegative;
            number.argument = item.argument;
            return Status::kOk;
        case ItemType::kFloat:
            number.kind = Number::Kind::kFloat;
            number.floating = item.floating;
            return Status::kOk;
        case ItemType::kArray:
            break;
        default:
            return Status::kMalformed;
    }
    if (tag != kTagDecimalFraction || !LWM2M_WITH_CBOR_EXTRAS) {
        return Status::kMalformed;
    }

    // Decimal fraction: [exponent, mantissa], value = mantissa × 10^exponent.
    // NOTE: a bignum mantissa (tags 2 and 3) is rejected as kMalformed.
    // The value is converted through its decimal text "<mantissa>e<exponent>",
    // which json_number_to_double() rounds correctly (std::pow would not, and
    // costs about 3 kB of flash on Cortex-M4).
    char text[2 * 21 + 2];
    size_t length = 0;
    size_t exponent_end = 0;
    for (int part = 0; part < 2; ++part) {
        bool more = false;
        Item element;
        if (has_next(more) != Status::kOk || !more || read(element) != Status::kOk) {
            return fail();
        }
        if (element.type != ItemType::kUnsigned && element.type != ItemType::kNegative) {
            return fail();
        }
        if (part == 1) {
            // The mantissa goes first in the text; move the exponent after it.
            char exponent[21];
            std::memcpy(exponent, text, exponent_end);
            length = 0;
            length += write_integer(element, text + length);
            text[length++] = 'e';
            std::memcpy(text + length, exponent, exponent_end);
            length += exponent_end;
        } else {
            exponent_end = write_integer(element, text);
        }
    }
    bool more = false;
    if (has_next(more) != Status::kOk || more) {
        return fail();
    }
    number.kind = Number::Kind::kFloat;
    if (!json_number_to_double({reinterpret_cast<const uint8_t*>(text), length},
                               number.floating)) {
        return fail();
    }
    return Status::kOk;
}

}  // namespace lwm2m::io::cbor
