// CoAP message decoder and encoder (RFC 7252, 3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "coap/constants.hpp"
#include "lwm2m/config.hpp"

namespace lwm2m::coap {

inline constexpr size_t kMaxTokenLength = 8;

/// One option of a decoded message; `value` points into the datagram.
struct Option {
    uint16_t number;
    std::span<const uint8_t> value;
};

/// A decoded message. Option values and the payload point into the datagram
/// passed to decode(), so they stay valid only while that buffer is unchanged.
struct Message {
    Type type = Type::kConfirmable;
    uint8_t code = code::kEmpty;
    uint16_t message_id = 0;
    uint8_t token_length = 0;
    uint8_t token[kMaxTokenLength] = {};
    uint8_t option_count = 0;
    Option options[LWM2M_MAX_OPTIONS] = {};
    std::span<const uint8_t> payload;

    std::span<const uint8_t> token_view() const { return {token, token_length}; }
    bool is_request() const { return code_class(code) == 0 && code != code::kEmpty; }
    bool is_response() const { return code_class(code) >= 2; }

    /// Returns the first option with `number`, or nullptr.
    const Option* find(uint16_t number) const;

    /// Reads an unsigned-integer option (RFC 7252, 3.2). Returns false if the
    /// option is absent or longer than `max_length` bytes.
    bool find_uint(uint16_t number, uint32_t& value, size_t max_length = 4) const;
};

enum class DecodeResult : uint8_t {
    kOk,
    /// Shorter than the 4-byte header or not version 1: ignore silently.
    kIgnore,
    /// Header readable but the rest is malformed (RFC 7252, 4.2 and 4.3: reject
    /// a CON with RST, drop anything else). type, code and message_id are set.
    kFormatError,
    /// Well formed but with more options than LWM2M_MAX_OPTIONS. type, code,
    /// message_id and the token are set.
    kTooManyOptions,
};

/// Decodes `datagram` into `message`. Never reads outside `datagram`.
DecodeResult decode(std::span<const uint8_t> datagram, Message& message);

/// Builds a message in a caller-owned buffer. Calls after the buffer is full
/// are ignored and set overflow(); check it once at the end.
class MessageWriter {
public:
    explicit MessageWriter(std::span<uint8_t> buffer) : buffer_(buffer) {}

    /// Writes the header and token. Must come first.
    void header(Type type, uint8_t code, uint16_t message_id, std::span<const uint8_t> token);

    /// Appends an option. Numbers must not decrease from one call to the next.
    void add_option(uint16_t number, std::span<const uint8_t> value);
    void add_option(uint16_t number, const char* text);
    /// Appends an option whose value is `prefix` followed by `text`, such as
    /// the Uri-Query "ep=" + endpoint name.
    void add_option(uint16_t number, const char* prefix, const char* text);
    /// Appends an option in the shortest unsigned-integer form (0 is empty).
    void add_uint_option(uint16_t number, uint32_t value);

    /// Appends payload bytes, writing the payload marker before the first ones.
    void append_payload(std::span<const uint8_t> bytes);
    void append_payload(const char* text);
    void append_payload_uint(uint64_t value);
    void append_payload_int(int64_t value);

    /// Replaces the code written by header(), for responses whose code is known
    /// only after the payload has been written.
    void set_code(uint8_t code) {
        if (size_ >= 2) {
            buffer_[1] = code;
        }
    }

    bool overflow() const { return overflow_; }
    bool has_payload() const { return has_payload_; }

    /// Bytes left in the buffer.
    size_t remaining() const { return buffer_.size() - size_; }

    /// Returns the free part of the buffer from `skip` bytes after the current
    /// end. A payload can be encoded there in place before append_payload()
    /// takes it, and skip 1 leaves room for the payload marker.
    std::span<uint8_t> free_space(size_t skip) const {
        return skip >= remaining() ? std::span<uint8_t>() : buffer_.subspan(size_ + skip);
    }
    size_t size() const { return size_; }
    std::span<const uint8_t> bytes() const { return buffer_.first(size_); }

    /// The writer's position, to go back to when what follows is dropped.
    struct Mark {
        size_t size;
        uint16_t last_option;
        bool has_payload;
        bool overflow;
    };
    Mark mark() const { return {size_, last_option_, has_payload_, overflow_}; }
    void restore(const Mark& mark) {
        size_ = mark.size;
        last_option_ = mark.last_option;
        has_payload_ = mark.has_payload;
        overflow_ = mark.overflow;
    }

private:
    void put(uint8_t byte);
    void put(std::span<const uint8_t> bytes);
    bool put_option_header(uint16_t number, size_t length);

    std::span<uint8_t> buffer_;
    size_t size_ = 0;
    uint16_t last_option_ = 0;
    bool has_payload_ = false;
    bool overflow_ = false;
};

/// Writes `value` in decimal into `out`; returns the number of characters, or 0
/// if `out` is too short.
size_t format_uint(uint64_t value, std::span<char> out);

}  // namespace lwm2m::coap
