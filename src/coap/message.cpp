#include "coap/message.hpp"

#include <cstring>

namespace lwm2m::coap {
namespace {

constexpr uint8_t kPayloadMarker = 0xff;
constexpr size_t kHeaderSize = 4;

// Reads the extended form of an option delta or length (RFC 7252, 3.1).
// Returns false on the reserved nibble 15 or when the bytes run out.
bool read_extended(uint8_t nibble, std::span<const uint8_t> data, size_t& pos, uint32_t& out) {
    if (nibble < 13) {
        out = nibble;
        return true;
    }
    if (nibble == 13) {
        if (pos + 1 > data.size()) {
            return false;
        }
        out = 13u + data[pos];
        pos += 1;
        return true;
    }
    if (nibble == 14) {
        if (pos + 2 > data.size()) {
            return false;
        }
        out = 269u + ((uint32_t{data[pos]} << 8) | data[pos + 1]);
        pos += 2;
        return true;
    }
    return false;
}

}  // namespace

const Option* Message::find(uint16_t number) const {
    for (uint8_t i = 0; i < option_count; ++i) {
        if (options[i].number == number) {
            return &options[i];
        }
    }
    return nullptr;
}

bool Message::find_uint(uint16_t number, uint32_t& value, size_t max_length) const {
    const Option* found = find(number);
    if (found == nullptr || found->value.size() > max_length || found->value.size() > 4) {
        return false;
    }
    value = 0;
    for (uint8_t byte : found->value) {
        value = (value << 8) | byte;
    }
    return true;
}

DecodeResult decode(std::span<const uint8_t> datagram, Message& message) {
    message.option_count = 0;
    message.payload = {};
    message.token_length = 0;
    if (datagram.size() < kHeaderSize || (datagram[0] >> 6) != 1) {
        return DecodeResult::kIgnore;
    }

    message.type = static_cast<Type>((datagram[0] >> 4) & 0x03);
    message.code = datagram[1];
    message.message_id = static_cast<uint16_t>((datagram[2] << 8) | datagram[3]);
    const uint8_t token_length = datagram[0] & 0x0f;

    // RFC 7252, 4.1: an Empty message has no token and nothing after the header.
    if (message.code == code::kEmpty) {
        if (token_length != 0 || datagram.size() != kHeaderSize) {
            return DecodeResult::kFormatError;
        }
        return DecodeResult::kOk;
    }
    if (token_length > kMaxTokenLength || kHeaderSize + token_length > datagram.size()) {
        return DecodeResult::kFormatError;
    }
    std::memcpy(message.token, datagram.data() + kHeaderSize, token_length);
    message.token_length = token_length;

    size_t pos = kHeaderSize + token_length;
    uint32_t number = 0;
    bool too_many = false;
    while (pos < datagram.size()) {
        const uint8_t first = datagram[pos++];
        if (first == kPayloadMarker) {
            // RFC 7252, 3: a marker followed by a zero-length payload is a format error.
            if (pos == datagram.size()) {
                return DecodeResult::kFormatError;
            }
            message.payload = datagram.subspan(pos);
            break;
        }
        uint32_t delta = 0;
        uint32_t length = 0;
        if (!read_extended(first >> 4, datagram, pos, delta) ||
            !read_extended(first & 0x0f, datagram, pos, length)) {
            return DecodeResult::kFormatError;
        }
        number += delta;
        if (number > 0xffff || length > datagram.size() - pos) {
            return DecodeResult::kFormatError;
        }
        if (message.option_count < LWM2M_MAX_OPTIONS) {
            message.options[message.option_count++] = {static_cast<uint16_t>(number),
                                                       datagram.subspan(pos, length)};
        } else {
            too_many = true;
        }
        pos += length;
    }
    return too_many ? DecodeResult::kTooManyOptions : DecodeResult::kOk;
}

void MessageWriter::put(uint8_t byte) {
    if (size_ >= buffer_.size()) {
        overflow_ = true;
        return;
    }
    buffer_[size_++] = byte;
}

void MessageWriter::put(std::span<const uint8_t> bytes) {
    if (bytes.size() > buffer_.size() - size_) {
        overflow_ = true;
        return;
    }
    if (!bytes.empty()) {
        // memmove: a caller may append bytes it encoded in place in the buffer.
        std::memmove(buffer_.data() + size_, bytes.data(), bytes.size());
    }
    size_ += bytes.size();
}

void MessageWriter::header(Type type, uint8_t code, uint16_t message_id,
                           std::span<const uint8_t> token) {
    size_ = 0;
    last_option_ = 0;
    has_payload_ = false;
    overflow_ = token.size() > kMaxTokenLength;
    put(static_cast<uint8_t>(0x40 | (static_cast<uint8_t>(type) << 4) | (token.size() & 0x0f)));
    put(code);
    put(static_cast<uint8_t>(message_id >> 8));
    put(static_cast<uint8_t>(message_id & 0xff));
    put(token);
}

void MessageWriter::add_option(uint16_t number, std::span<const uint8_t> value) {
    if (put_option_header(number, value.size())) {
        put(value);
    }
}

void MessageWriter::add_option(uint16_t number, const char* prefix, const char* text) {
    const size_t prefix_length = std::strlen(prefix);
    const size_t text_length = std::strlen(text);
    if (put_option_header(number, prefix_length + text_length)) {
        put({reinterpret_cast<const uint8_t*>(prefix), prefix_length});
        put({reinterpret_cast<const uint8_t*>(text), text_length});
    }
}

// Writes the delta and length of an option; returns false, writing nothing,
// if the option cannot be added.
bool MessageWriter::put_option_header(uint16_t number, size_t value_length) {
    if (number < last_option_ || has_payload_ || value_length > 0xffff + 269u) {
        overflow_ = true;  // a programming error; the message is unusable either way
        return false;
    }
    const uint32_t delta = number - last_option_;
    const uint32_t length = static_cast<uint32_t>(value_length);
    last_option_ = number;

    // Each field takes a nibble below 13, or 13 plus one byte, or 14 plus two bytes.
    auto nibble = [](uint32_t field) -> uint8_t {
        return field < 13 ? static_cast<uint8_t>(field) : (field < 269 ? 13 : 14);
    };
    auto put_extension = [this](uint32_t field) {
        if (field >= 269) {
            put(static_cast<uint8_t>((field - 269) >> 8));
            put(static_cast<uint8_t>((field - 269) & 0xff));
        } else if (field >= 13) {
            put(static_cast<uint8_t>(field - 13));
        }
    };
    put(static_cast<uint8_t>((nibble(delta) << 4) | nibble(length)));
    put_extension(delta);
    put_extension(length);
    return !overflow_;
}

void MessageWriter::add_option(uint16_t number, const char* text) {
    add_option(number, {reinterpret_cast<const uint8_t*>(text), std::strlen(text)});
}

void MessageWriter::add_uint_option(uint16_t number, uint32_t value) {
    uint8_t bytes[4];
    size_t length = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        const uint8_t byte = static_cast<uint8_t>(value >> shift);
        if (length > 0 || byte != 0) {
            bytes[length++] = byte;
        }
    }
    add_option(number, {bytes, length});
}

void MessageWriter::append_payload(std::span<const uint8_t> bytes) {
    if (bytes.empty()) {
        return;
    }
    if (!has_payload_) {
        put(kPayloadMarker);
        has_payload_ = true;
    }
    put(bytes);
}

void MessageWriter::append_payload(const char* text) {
    append_payload({reinterpret_cast<const uint8_t*>(text), std::strlen(text)});
}

void MessageWriter::append_payload_uint(uint64_t value) {
    char digits[20];
    const size_t length = format_uint(value, digits);
    append_payload({reinterpret_cast<const uint8_t*>(digits), length});
}

void MessageWriter::append_payload_int(int64_t value) {
    if (value < 0) {
        append_payload("-");
        // Negate in unsigned arithmetic so that INT64_MIN does not overflow.
        append_payload_uint(0 - static_cast<uint64_t>(value));
        return;
    }
    append_payload_uint(static_cast<uint64_t>(value));
}

namespace {

// Divides `value` by 10 in place and returns the remainder, by long division
// in 16-bit steps: a 64-bit division is a library call on a Cortex-M4, and
// 0.7 kB of flash that nothing else in a small image needs.
uint32_t divide_by_10(uint64_t& value) {
    const uint32_t high = static_cast<uint32_t>(value >> 32);
    const uint32_t low = static_cast<uint32_t>(value);
    const uint32_t middle = ((high % 10) << 16) | (low >> 16);
    const uint32_t bottom = ((middle % 10) << 16) | (low & 0xffff);
    value = (uint64_t{high / 10} << 32) | (uint64_t{middle / 10} << 16) | (bottom / 10);
    return bottom % 10;
}

}  // namespace

size_t format_uint(uint64_t value, std::span<char> out) {
    char reversed[20];
    size_t count = 0;
    while (value > UINT32_MAX) {
        reversed[count++] = static_cast<char>('0' + divide_by_10(value));
    }
    uint32_t low = static_cast<uint32_t>(value);
    do {
        reversed[count++] = static_cast<char>('0' + low % 10);
        low /= 10;
    } while (low != 0);
    if (count > out.size()) {
        return 0;
    }
    for (size_t i = 0; i < count; ++i) {
        out[i] = reversed[count - 1 - i];
    }
    return count;
}

}  // namespace lwm2m::coap
