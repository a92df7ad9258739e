#include "io/text_plain.hpp"

#include <bit>
#include <limits>

#include "io/cbor_value.hpp"
#include "io/json_reader.hpp"

namespace lwm2m::io {
namespace {

bool is_digit(uint8_t c) {
    return c >= '0' && c <= '9';
}

size_t count_digits(std::span<const uint8_t> text, size_t begin) {
    size_t end = begin;
    while (end < text.size() && is_digit(text[end])) {
        ++end;
    }
    return end - begin;
}

// Checks the syntax "-12.5e-3": the JSON number grammar, except that leading
// zeros are allowed. The conversions of json_reader.hpp then read the value.
bool is_number(std::span<const uint8_t> text) {
    size_t position = !text.empty() && text[0] == '-' ? 1 : 0;
    const size_t integer_size = count_digits(text, position);
    if (integer_size == 0) {
        return false;
    }
    position += integer_size;

    if (position < text.size() && text[position] == '.') {
        const size_t fraction_size = count_digits(text, position + 1);
        if (fraction_size == 0) {
            return false;
        }
        position += 1 + fraction_size;
    }

    if (position < text.size() && (text[position] == 'e' || text[position] == 'E')) {
        ++position;
        if (position < text.size() && (text[position] == '+' || text[position] == '-')) {
            ++position;
        }
        const size_t exponent_size = count_digits(text, position);
        if (exponent_size == 0) {
            return false;
        }
        position += exponent_size;
    }
    return position == text.size();
}

// RFC 3629: shortest forms only, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::span<const uint8_t> text) {
    // Each step consumes at least one byte, so the text size bounds the loop.
    for (size_t i = 0; i < text.size();) {
        const size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            return false;
        }
        i += length;
    }
    return true;
}

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_digit(uint8_t c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    return c == '/' ? 63 : -1;
}

// Decodes padded base64 (RFC 4648, section 4) into `buffer`. Rejects missing
// padding, characters outside the alphabet and non-zero bits in the padding.
Status decode_base64(std::span<const uint8_t> text, std::span<uint8_t> buffer,
                     std::span<const uint8_t>& decoded) {
    if (text.size() % 4 != 0) {
        return Status::kMalformed;
    }
    size_t padding = 0;
    if (!text.empty() && text[text.size() - 1] == '=') {
        padding = text[text.size() - 2] == '=' ? 2 : 1;
    }
    const size_t size = text.size() / 4 * 3 - padding;
    if (size > buffer.size()) {
        return Status::kMessageTooLarge;
    }

    size_t out = 0;
    for (size_t group = 0; group < text.size(); group += 4) {
        const bool last = group + 4 == text.size();
        const size_t digits = last ? 4 - padding : 4;
        uint32_t bits = 0;
        for (size_t i = 0; i < 4; ++i) {
            int digit = 0;
            if (i < digits) {
                digit = base64_digit(text[group + i]);
                if (digit < 0) {
                    return Status::kMalformed;
                }
            }
            bits = (bits << 6) | static_cast<uint32_t>(digit);
        }
        if ((padding == 1 && last && (bits & 0xFF) != 0) ||
            (padding == 2 && last && (bits & 0xFFFF) != 0)) {
            return Status::kMalformed;
        }
        const size_t bytes = digits - 1;
        for (size_t i = 0; i < bytes; ++i) {
            buffer[out++] = static_cast<uint8_t>(bits >> (16 - 8 * i));
        }
    }
    decoded = buffer.first(size);
    return Status::kOk;
}

void write_base64(PayloadSink& sink, std::span<const uint8_t> bytes) {
    char text[64];
    size_t used = 0;
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const size_t remaining = bytes.size() - i;
        uint32_t bits = uint32_t{bytes[i]} << 16;
        if (remaining > 1) {
            bits |= uint32_t{bytes[i + 1]} << 8;
        }
        if (remaining > 2) {
            bits |= bytes[i + 2];
        }
        for (size_t j = 0; j < 4; ++j) {
            const bool pad = j > remaining;
            text[used++] = pad ? '=' : kBase64Alphabet[(bits >> (18 - 6 * j)) & 0x3F];
        }
        if (used == sizeof(text)) {
            sink.write(std::span(reinterpret_cast<const uint8_t*>(text), used));
            used = 0;
        }
    }
    sink.write(std::span(reinterpret_cast<const uint8_t*>(text), used));
}

void write_text(PayloadSink& sink, const char* text, size_t size) {
    sink.write(std::span(reinterpret_cast<const uint8_t*>(text), size));
}

void write_unsigned(PayloadSink& sink, uint64_t value) {
    char text[kJsonNumberMaxLength];
    write_text(sink, text, format_uint64(value, text));
}

void write_signed(PayloadSink& sink, int64_t value) {
    char text[kJsonNumberMaxLength];
    write_text(sink, text, format_int64(value, text));
}

void write_zeros(PayloadSink& sink, int count) {
    static constexpr char kZeros[] = "0000000000000000";
    constexpr int kChunk = sizeof(kZeros) - 1;
    for (; count > 0; count -= kChunk) {
        write_text(sink, kZeros, static_cast<size_t>(count < kChunk ? count : kChunk));
    }
}

Status write_float(PayloadSink& sink, double value) {
    if (value != value || value == std::numeric_limits<double>::infinity() ||
        value == -std::numeric_limits<double>::infinity()) {
        return Status::kInvalidArgument;
    }
    if ((std::bit_cast<uint64_t>(value) >> 63) != 0) {
        sink.write(static_cast<uint8_t>('-'));
        value = -value;
    }
    if (value == 0) {
        sink.write(static_cast<uint8_t>('0'));
        return Status::kOk;
    }
    uint8_t digit_values[kShortestDigitsMax];
    int64_t exponent = 0;
    const int count = static_cast<int>(shortest_digits(value, digit_values, exponent));
    char digits[kShortestDigitsMax];
    for (int i = 0; i < count; ++i) {
        digits[i] = static_cast<char>('0' + digit_values[i]);
    }

    // Plain notation, as in the float example of LwM2M Core appendix C
    // ("0.00000000006667"): the decimal point goes after `exponent` digits,
    // which lies within -323 to 309 for a finite double.
    const int point = static_cast<int>(exponent);
    if (point <= 0) {
        write_text(sink, "0.", 2);
        write_zeros(sink, -point);
        write_text(sink, digits, static_cast<size_t>(count));
    } else if (point < count) {
        write_text(sink, digits, static_cast<size_t>(point));
        sink.write(static_cast<uint8_t>('.'));
        write_text(sink, digits + point, static_cast<size_t>(count - point));
    } else {
        write_text(sink, digits, static_cast<size_t>(count));
        write_zeros(sink, point - count);
    }
    return Status::kOk;
}

Status write_value(PayloadSink& sink, const Value& value) {
    switch (value.type) {
        case DataType::kNone:
            return Status::kOk;
        case DataType::kInteger:
            write_signed(sink, value.integer);
            return Status::kOk;
        case DataType::kTime:
            write_signed(sink, value.time);
            return Status::kOk;
        case DataType::kUnsignedInteger:
            write_unsigned(sink, value.unsigned_integer);
            return Status::kOk;
        case DataType::kFloat:
            return write_float(sink, value.floating);
        case DataType::kBoolean:
            sink.write(static_cast<uint8_t>(value.boolean ? '1' : '0'));
            return Status::kOk;
        case DataType::kObjlnk:
            write_unsigned(sink, value.objlnk.object_id);
            sink.write(static_cast<uint8_t>(':'));
            write_unsigned(sink, value.objlnk.instance_id);
            return Status::kOk;
        case DataType::kOpaque:
            write_base64(sink, value.bytes);
            return Status::kOk;
        case DataType::kString:
        case DataType::kCorelnk:
            sink.write(value.bytes);
            return Status::kOk;
    }
    return Status::kInvalidArgument;
}

}  // namespace

Status encode_text_plain(const Path& request_path, const RecordSource& source, PayloadSink& sink) {
    OutputRecord record;
    const Status status = get_single_record(request_path, source, record);
    if (status != Status::kOk) {
        return status;
    }
    return write_value(sink, record.value);
}

TextPlainDecoder::TextPlainDecoder(std::span<const uint8_t> payload, const Path& request_path,
                                   std::span<uint8_t> opaque_buffer)
    : payload_(payload), request_path_(request_path), opaque_buffer_(opaque_buffer) {}

Status TextPlainDecoder::next_entry(Path& path) {
    return entry_.next(request_path_, path);
}

void TextPlainDecoder::start_stream(size_t whole_value_limit) {
    final_window_ = false;
    whole_value_limit_ = whole_value_limit;
}

void TextPlainDecoder::feed(std::span<const uint8_t> window, bool last) {
    payload_ = window;
    final_window_ = last;
}

Status TextPlainDecoder::read_value(DataType type, Value& value) {
    if (!entry_.current()) {
        return Status::kInvalidState;
    }
    if (payload_.size() > whole_value_limit_) {
        return Status::kMessageTooLarge;
    }
    if (!final_window_) {
        return Status::kWouldBlock;
    }
    return read_complete_value(type, value);
}

Status TextPlainDecoder::read_complete_value(DataType type, Value& value) {
    switch (type) {
        case DataType::kNone:
            if (!payload_.empty()) {
                return Status::kMalformed;
            }
            value = Value();
            return Status::kOk;
        case DataType::kInteger:
        case DataType::kTime: {
            int64_t integer = 0;
            if (!is_number(payload_) || !json_number_to_int64(payload_, integer)) {
                return Status::kMalformed;
            }
            value =
                type == DataType::kTime ? Value::make_time(integer) : Value::make_integer(integer);
            return Status::kOk;
        }
        case DataType::kUnsignedInteger: {
            // Unlike JSON, text/plain rejects "-0" for an unsigned integer.
            uint64_t magnitude = 0;
            const bool negative = !payload_.empty() && payload_[0] == '-';
            if (negative || !is_number(payload_) || !json_number_to_uint64(payload_, magnitude)) {
                return Status::kMalformed;
            }
            value = Value::make_unsigned(magnitude);
            return Status::kOk;
        }
        case DataType::kFloat: {
            double floating = 0;
            if (!is_number(payload_) || !json_number_to_double(payload_, floating)) {
                return Status::kMalformed;
            }
            value = Value::make_float(floating);
            return Status::kOk;
        }
        case DataType::kBoolean:
            if (payload_.size() != 1 || (payload_[0] != '0' && payload_[0] != '1')) {
                return Status::kMalformed;
            }
            value = Value::make_boolean(payload_[0] == '1');
            return Status::kOk;
        case DataType::kObjlnk: {
            Objlnk link;
            if (!cbor::parse_objlnk(payload_, link)) {
                return Status::kMalformed;
            }
            value = Value::make_objlnk(link.object_id, link.instance_id);
            return Status::kOk;
        }
        case DataType::kOpaque: {
            std::span<const uint8_t> decoded;
            const Status status = decode_base64(payload_, opaque_buffer_, decoded);
            if (status == Status::kOk) {
                value = Value::make_bytes(DataType::kOpaque, decoded);
            }
            return status;
        }
        case DataType::kString:
        case DataType::kCorelnk:
            if (!is_valid_utf8(payload_)) {
                return Status::kMalformed;
            }
            value = Value::make_bytes(type, payload_);
            return Status::kOk;
    }
    return Status::kMalformed;
}

}  // namespace lwm2m::io
