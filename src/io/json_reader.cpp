#include "io/json_reader.hpp"

#include <cmath>
#include <cstring>

namespace lwm2m::io {
namespace {

bool is_whitespace(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(uint8_t c) {
    return c >= '0' && c <= '9';
}

int hex_value(uint8_t c) {
    if (is_digit(c)) {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Reads the 4 hex digits at `at`, or returns -1 if they are not all there.
int32_t read_hex4(std::span<const uint8_t> text, size_t at) {
    if (at + 4 > text.size()) {
        return -1;
    }
    int32_t value = 0;
    for (size_t i = 0; i < 4; ++i) {
        const int digit = hex_value(text[at + i]);
        if (digit < 0) {
            return -1;
        }
        value = value * 16 + digit;
    }
    return value;
}

}  // namespace

// Shortest form only, no surrogates, at most U+10FFFF.
size_t utf8_sequence_length(std::span<const uint8_t> text, size_t at) {
    const uint8_t lead = text[at];
    size_t length = 0;
    uint8_t min_second = 0x80;
    uint8_t max_second = 0xBF;
    if (lead < 0x80) {
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        min_second = lead == 0xE0 ? 0xA0 : 0x80;
        max_second = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        min_second = lead == 0xF0 ? 0x90 : 0x80;
        max_second = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (at + length > text.size()) {
        return 0;
    }
    if (text[at + 1] < min_second || text[at + 1] > max_second) {
        return 0;
    }
    for (size_t i = 2; i < length; ++i) {
        if (text[at + i] < 0x80 || text[at + i] > 0xBF) {
            return 0;
        }
    }
    return length;
}

// ---------------------------------------------------------------------------
// JsonReader

Status JsonReader::fail() {
    failed_ = true;
    return Status::kMalformed;
}

void JsonReader::skip_whitespace() {
    while (position_ < text_.size() && is_whitespace(text_[position_])) {
        ++position_;
    }
}

Status JsonReader::next(JsonToken& token) {
    if (failed_) {
        return Status::kMalformed;
    }
    skip_whitespace();
    switch (expect_) {
        case Expect::kDone:
            if (position_ != text_.size()) {
                return fail();
            }
            token = JsonToken::kEnd;
            return Status::kOk;
        case Expect::kValue:
            return read_value(token);
        case Expect::kArrayFirst:
            if (position_ < text_.size() && text_[position_] == ']') {
                return read_after_value(token);
            }
            return read_value(token);
        case Expect::kObjectFirst:
            if (position_ < text_.size() && text_[position_] == '}') {
                return read_after_value(token);
            }
            return read_key(token);
        case Expect::kColon:
            if (position_ >= text_.size() || text_[position_] != ':') {
                return fail();
            }
            ++position_;
            skip_whitespace();
            return read_value(token);
        case Expect::kCommaOrEnd:
            return read_after_value(token);
    }
    return fail();
}

// Reads ',' followed by the next element, or the end of the open container.
Status JsonReader::read_after_value(JsonToken& token) {
    if (position_ >= text_.size()) {
        return fail();
    }
    const uint8_t c = text_[position_];
    const bool in_object = top_is_object();
    if (c == ',' && expect_ == Expect::kCommaOrEnd) {
        ++position_;
        skip_whitespace();
        return in_object ? read_key(token) : read_value(token);
    }
    if (c != (in_object ? '}' : ']')) {
        return fail();
    }
    ++position_;
    --depth_;
    object_bits_ &= ~(1u << depth_);
    token = in_object ? JsonToken::kObjectEnd : JsonToken::kArrayEnd;
    finish_value();
    return Status::kOk;
}

Status JsonReader::read_key(JsonToken& token) {
    if (position_ >= text_.size() || text_[position_] != '"') {
        return fail();
    }
    if (read_string() != Status::kOk) {
        return fail();
    }
    token = JsonToken::kKey;
    expect_ = Expect::kColon;
    return Status::kOk;
}

Status JsonReader::read_value(JsonToken& token) {
    if (position_ >= text_.size()) {
        return fail();
    }
    const uint8_t c = text_[position_];
    Status status = Status::kOk;
    switch (c) {
        case '[':
        case '{':
            ++position_;
            token = c == '[' ? JsonToken::kArrayBegin : JsonToken::kObjectBegin;
            return push(c == '{');
        case '"':
            token = JsonToken::kString;
            status = read_string();
            break;
        case 't':
            token = JsonToken::kTrue;
            status = read_literal("true");
            break;
        case 'f':
            token = JsonToken::kFalse;
            status = read_literal("false");
            break;
        case 'n':
            token = JsonToken::kNull;
            status = read_literal("null");
            break;
        default:
            token = JsonToken::kNumber;
            status = read_number();
            break;
    }
    if (status != Status::kOk) {
        return fail();
    }
    finish_value();
    return Status::kOk;
}

Status JsonReader::push(bool is_object) {
    if (depth_ >= kMaxDepth) {
        return fail();
    }
    if (is_object) {
        object_bits_ |= 1u << depth_;
    }
    ++depth_;
    expect_ = is_object ? Expect::kObjectFirst : Expect::kArrayFirst;
    return Status::kOk;
}

void JsonReader::finish_value() {
    expect_ = depth_ == 0 ? Expect::kDone : Expect::kCommaOrEnd;
}

Status JsonReader::read_literal(const char* literal) {
    const size_t length = std::strlen(literal);
    if (text_.size() - position_ < length ||
        std::memcmp(text_.data() + position_, literal, length) != 0) {
        return Status::kMalformed;
    }
    position_ += length;
    return Status::kOk;
}

// Checks the string that starts at the opening quote and sets token_text_
// to its content.
Status JsonReader::read_string() {
    const size_t begin = ++position_;
    while (position_ < text_.size()) {
        const uint8_t c = text_[position_];
        if (c == '"') {
            token_text_ = text_.subspan(begin, position_ - begin);
            ++position_;
            return Status::kOk;
        }
        if (c < 0x20) {
            return Status::kMalformed;
        }
        if (c != '\\') {
            const size_t length = utf8_sequence_length(text_, position_);
            if (length == 0) {
                return Status::kMalformed;
            }
            position_ += length;
            continue;
        }
        if (position_ + 1 >= text_.size()) {
            return Status::kMalformed;
        }
        const uint8_t escaped = text_[position_ + 1];
        if (escaped != 'u') {
            if (std::strchr("\"\\/bfnrt", escaped) == nullptr || escaped == 0) {
                return Status::kMalformed;
            }
            position_ += 2;
            continue;
        }
        const int32_t unit = read_hex4(text_, position_ + 2);
        if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) {
            return Status::kMalformed;
        }
        position_ += 6;
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            // A high surrogate must be followed by an escaped low surrogate.
            if (position_ + 1 >= text_.size() || text_[position_] != '\\' ||
                text_[position_ + 1] != 'u') {
                return Status::kMalformed;
            }
            const int32_t low = read_hex4(text_, position_ + 2);
            if (low < 0xDC00 || low > 0xDFFF) {
                return Status::kMalformed;
            }
            position_ += 6;
        }
    }
    return Status::kMalformed;
}

// Checks the RFC 8259 number syntax, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
Status JsonReader::read_number() {
    const size_t begin = position_;
    auto at = [&](size_t i) -> int { return i < text_.size() ? text_[i] : -1; };
    auto skip_digits = [&]() {
        const size_t first = position_;
        while (position_ < text_.size() && is_digit(text_[position_])) {
            ++position_;
        }
        return position_ - first;
    };

    if (at(position_) == '-') {
        ++position_;
    }
    if (at(position_) == '0') {
        ++position_;
    } else if (skip_digits() == 0) {
        return Status::kMalformed;
    }
    if (at(position_) == '.') {
        ++position_;
        if (skip_digits() == 0) {
            return Status::kMalformed;
        }
    }
    if (at(position_) == 'e' || at(position_) == 'E') {
        ++position_;
        if (at(position_) == '+' || at(position_) == '-') {
            ++position_;
        }
        if (skip_digits() == 0) {
            return Status::kMalformed;
        }
    }
    token_text_ = text_.subspan(begin, position_ - begin);
    return Status::kOk;
}

Status JsonReader::skip_value() {
    JsonToken token = JsonToken::kEnd;
    const size_t start_depth = depth_;
    if (next(token) != Status::kOk) {
        return Status::kMalformed;
    }
    if (token == JsonToken::kArrayEnd || token == JsonToken::kObjectEnd ||
        token == JsonToken::kEnd || token == JsonToken::kKey) {
        return fail();
    }
    // Each token consumes at least one input byte, so the input size bounds
    // the loop.
    for (size_t steps = 0; depth_ > start_depth && steps <= text_.size(); ++steps) {
        if (next(token) != Status::kOk) {
            return Status::kMalformed;
        }
    }
    return depth_ == start_depth ? Status::kOk : fail();
}

// ---------------------------------------------------------------------------
// Strings

// Stores the UTF-8 form of `code_point` (RFC 3629, section 3) in pending_.
void JsonStringDecoder::encode_utf8(uint32_t code_point) {
    pending_next_ = 0;
    if (code_point < 0x80) {
        pending_count_ = 1;
        pending_[0] = static_cast<uint8_t>(code_point);
    } else if (code_point < 0x800) {
        pending_count_ = 2;
        pending_[0] = static_cast<uint8_t>(0xC0 | (code_point >> 6));
    } else if (code_point < 0x10000) {
        pending_count_ = 3;
        pending_[0] = static_cast<uint8_t>(0xE0 | (code_point >> 12));
    } else {
        pending_count_ = 4;
        pending_[0] = static_cast<uint8_t>(0xF0 | (code_point >> 18));
    }
    for (uint8_t i = 1; i < pending_count_; ++i) {
        const unsigned shift = 6u * (pending_count_ - 1u - i);
        pending_[i] = static_cast<uint8_t>(0x80 | ((code_point >> shift) & 0x3F));
    }
}

bool JsonStringDecoder::next(uint8_t& byte) {
    if (pending_next_ < pending_count_) {
        byte = pending_[pending_next_++];
        return true;
    }
    if (position_ >= text_.size()) {
        return false;
    }
    const uint8_t c = text_[position_];
    if (c != '\\') {
        ++position_;
        byte = c;
        return true;
    }
    const uint8_t escaped = text_[position_ + 1];
    position_ += 2;

    switch (escaped) {
        case 'b':
            byte = '\b';
            return true;
        case 'f':
            byte = '\f';
            return true;
        case 'n':
            byte = '\n';
            return true;
        case 'r':
            byte = '\r';
            return true;
        case 't':
            byte = '\t';
            return true;
        case 'u':
            break;
        default:  // '"', '\\' and '/' decode to the same character.
            byte = escaped;
            return true;
    }

    uint32_t code_point = static_cast<uint32_t>(read_hex4(text_, position_));
    position_ += 4;
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
        const uint32_t low = static_cast<uint32_t>(read_hex4(text_, position_ + 2));
        position_ += 6;
        code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
    }
    encode_utf8(code_point);
    byte = pending_[pending_next_++];
    return true;
}

bool json_string_has_escapes(std::span<const uint8_t> escaped) {
    return std::memchr(escaped.data(), '\\', escaped.size()) != nullptr;
}

bool json_string_equals(std::span<const uint8_t> escaped, const char* literal) {
    JsonStringDecoder decoder(escaped);
    uint8_t byte = 0;
    size_t i = 0;
    while (decoder.next(byte)) {
        if (literal[i] == '\0' || static_cast<uint8_t>(literal[i]) != byte) {
            return false;
        }
        ++i;
    }
    return literal[i] == '\0';
}

uint8_t json_string_last_byte(std::span<const uint8_t> escaped) {
    JsonStringDecoder decoder(escaped);
    uint8_t c = 0;
    uint8_t last = 0;
    // Each call of next() consumes input, so the string length bounds the loop.
    while (decoder.next(c)) {
        last = c;
    }
    return last;
}

bool JsonPathParser::feed(uint8_t c) {
    if (c == '/') {
        if (expect_digit_) {
            return false;  // An empty ID, as in "/3//1".
        }
        if (started_) {
            if (path_.length == 4) {
                return false;
            }
            path_.ids[path_.length++] = static_cast<uint16_t>(id_);
        }
        started_ = true;
        expect_digit_ = true;
        id_ = 0;
        return true;
    }
    if (!started_ || c < '0' || c > '9') {
        return false;
    }
    id_ = id_ * 10 + static_cast<uint32_t>(c - '0');
    expect_digit_ = false;
    // LwM2M reserves the ID 65535 (MAX_ID).
    return id_ <= 65534;
}

bool JsonPathParser::feed_string(std::span<const uint8_t> escaped) {
    JsonStringDecoder decoder(escaped);
    uint8_t c = 0;
    // Each call of next() consumes input, so the string length bounds the loop.
    while (decoder.next(c)) {
        if (!feed(c)) {
            return false;
        }
    }
    return true;
}

bool JsonPathParser::finish(Path& path) {
    if (!started_ || expect_digit_ || path_.length == 4) {
        return false;
    }
    path_.ids[path_.length++] = static_cast<uint16_t>(id_);
    path = path_;
    return true;
}

Result<size_t> json_decode_string(std::span<const uint8_t> escaped, std::span<uint8_t> output) {
    JsonStringDecoder decoder(escaped);
    uint8_t byte = 0;
    size_t length = 0;
    while (decoder.next(byte)) {
        if (length == output.size()) {
            return Status::kMessageTooLarge;
        }
        output[length++] = byte;
    }
    return length;
}

namespace {

int base64_value(uint8_t c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (is_digit(c)) {
        return c - '0' + 52;
    }
    if (c == '-' || c == '+') {
        return 62;
    }
    if (c == '_' || c == '/') {
        return 63;
    }
    return -1;
}

}  // namespace

Result<size_t> json_decode_base64(std::span<const uint8_t> escaped, std::span<uint8_t> output) {
    JsonStringDecoder decoder(escaped);
    uint32_t bits = 0;
    unsigned bit_count = 0;
    size_t characters = 0;
    size_t padding = 0;
    size_t length = 0;
    uint8_t c = 0;
    while (decoder.next(c)) {
        if (c == '=') {
            if (++padding > 2) {
                return Status::kMalformed;
            }
            continue;
        }
        const int value = base64_value(c);
        if (padding > 0 || value < 0) {
            return Status::kMalformed;
        }
        ++characters;
        bits = (bits << 6) | static_cast<uint32_t>(value);
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            if (length == output.size()) {
                return Status::kMessageTooLarge;
            }
            output[length++] = static_cast<uint8_t>(bits >> bit_count);
            bits &= (1u << bit_count) - 1;
        }
    }
    const bool bad_padding = padding > 0 && (characters + padding) % 4 != 0;
    if (characters % 4 == 1 || bad_padding || bits != 0) {
        return Status::kMalformed;
    }
    return length;
}

// ---------------------------------------------------------------------------
// Numbers

namespace {

// The decimal digits of a number token without sign, leading zeros and
// decimal point: value = 0.d1 d2 d3 ... x 10^point, with d1 != 0 unless every
// digit is zero.
class DecimalDigits {
  public:
    explicit DecimalDigits(std::span<const uint8_t> number) : text_(number) { scan(); }

    bool negative() const { return negative_; }
    bool is_zero() const { return significant_count_ == 0; }
    int64_t point() const { return point_; }
    /// Number of digits up to the last nonzero one. Later digits are all zero.
    size_t significant_count() const { return significant_count_; }

    /// Returns significant digit `index` (0-based), or 0 past the end.
    /// Sequential reads are O(1).
    uint8_t digit(size_t index) {
        if (index >= significant_count_) {
            return 0;
        }
        if (index < cursor_index_) {
            cursor_index_ = 0;
            cursor_position_ = first_position_;
        }
        for (; cursor_index_ < index; ++cursor_index_) {
            cursor_position_ = next_digit_position(cursor_position_ + 1);
        }
        return static_cast<uint8_t>(text_[cursor_position_] - '0');
    }

  private:
    // Position of the next digit at or after `position`, stepping over '.'.
    size_t next_digit_position(size_t position) const {
        if (position < text_.size() && text_[position] == '.') {
            ++position;
        }
        return position;
    }

    void scan();

    std::span<const uint8_t> text_;
    bool negative_ = false;
    int64_t point_ = 0;
    size_t significant_count_ = 0;
    size_t first_position_ = 0;
    size_t cursor_index_ = 0;
    size_t cursor_position_ = 0;
};

void DecimalDigits::scan() {
    size_t i = 0;
    if (i < text_.size() && text_[i] == '-') {
        negative_ = true;
        ++i;
    }
    int64_t integer_digits = 0;  // significant digits before the point
    int64_t leading_fraction_zeros = 0;
    bool seen_nonzero = false;
    bool in_fraction = false;
    size_t digit_count = 0;  // significant digits up to the last nonzero one
    size_t counted = 0;
    for (; i < text_.size() && text_[i] != 'e' && text_[i] != 'E'; ++i) {
        const uint8_t c = text_[i];
        if (c == '.') {
            in_fraction = true;
            continue;
        }
        if (!seen_nonzero && c == '0') {
            leading_fraction_zeros += in_fraction ? 1 : 0;
            continue;
        }
        if (!seen_nonzero) {
            seen_nonzero = true;
            first_position_ = i;
        }
        ++counted;
        if (c != '0') {
            digit_count = counted;
        }
        if (!in_fraction) {
            ++integer_digits;
        }
    }
    significant_count_ = digit_count;
    cursor_position_ = first_position_;

    // The exponent saturates far outside the double range, so that
    // "1e99999999999999999999" does not overflow.
    int64_t exponent = 0;
    bool exponent_negative = false;
    if (i < text_.size()) {
        ++i;
        if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) {
            exponent_negative = text_[i] == '-';
            ++i;
        }
        for (; i < text_.size(); ++i) {
            if (exponent < 100000000) {
                exponent = exponent * 10 + (text_[i] - '0');
            }
        }
    }
    if (exponent_negative) {
        exponent = -exponent;
    }
    point_ = (integer_digits > 0 ? integer_digits : -leading_fraction_zeros) + exponent;
}

// Converts to a magnitude. Returns false for a fraction or a magnitude above
// 2^64 - 1.
bool to_magnitude(DecimalDigits& digits, uint64_t& magnitude) {
    magnitude = 0;
    if (digits.is_zero()) {
        return true;
    }
    const int64_t point = digits.point();
    if (point < 0 || static_cast<size_t>(point) < digits.significant_count()) {
        return false;
    }
    if (point > 20) {
        return false;
    }
    for (int64_t i = 0; i < point; ++i) {
        const uint8_t digit = digits.digit(static_cast<size_t>(i));
        if (magnitude > (UINT64_MAX - digit) / 10) {
            return false;
        }
        magnitude = magnitude * 10 + digit;
    }
    return true;
}

}  // namespace

bool json_number_to_int64(std::span<const uint8_t> number, int64_t& value) {
    DecimalDigits digits(number);
    uint64_t magnitude = 0;
    if (!to_magnitude(digits, magnitude)) {
        return false;
    }
    const uint64_t limit = digits.negative() ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
    if (magnitude > limit) {
        return false;
    }
    value =
        digits.negative() ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    return true;
}

bool json_number_to_uint64(std::span<const uint8_t> number, uint64_t& value) {
    DecimalDigits digits(number);
    if (!to_magnitude(digits, value)) {
        return false;
    }
    return !digits.negative() || value == 0;
}

namespace {

// Unsigned integer of fixed capacity for exact decimal/binary conversion.
// 40 words hold 1280 bits, and the largest value the conversions below form is
// below 2^1140 (a 54-bit mantissa times 10^325, or 2^1077 times 10^18).
class BigUint {
  public:
    static constexpr size_t kWords = 40;

    explicit BigUint(uint64_t value = 0) { set(value); }

    void set(uint64_t value) {
        words_[0] = static_cast<uint32_t>(value);
        words_[1] = static_cast<uint32_t>(value >> 32);
        size_ = words_[1] != 0 ? 2 : (words_[0] != 0 ? 1 : 0);
    }

    bool is_zero() const { return size_ == 0; }

    void multiply(uint32_t factor) {
        uint64_t carry = 0;
        for (size_t i = 0; i < size_; ++i) {
            const uint64_t product = uint64_t{words_[i]} * factor + carry;
            words_[i] = static_cast<uint32_t>(product);
            carry = product >> 32;
        }
        if (carry != 0) {
            append(static_cast<uint32_t>(carry));
        }
    }

    void multiply_pow10(int64_t exponent) {
        for (; exponent >= 9; exponent -= 9) {
            multiply(1000000000u);
        }
        for (; exponent > 0; --exponent) {
            multiply(10);
        }
    }

    void shift_left(int64_t bits) {
        if (size_ == 0 || bits <= 0) {
            return;
        }
        const size_t word_shift = static_cast<size_t>(bits / 32);
        const unsigned bit_shift = static_cast<unsigned>(bits % 32);
        if (size_ + word_shift + 1 > kWords) {
            overflow_ = true;
            return;
        }
        if (bit_shift != 0) {
            append(0);
            for (size_t i = size_ - 1; i > 0; --i) {
                words_[i] = (words_[i] << bit_shift) | (words_[i - 1] >> (32 - bit_shift));
            }
            words_[0] <<= bit_shift;
        }
        for (size_t i = size_; i-- > 0;) {
            words_[i + word_shift] = words_[i];
        }
        for (size_t i = 0; i < word_shift; ++i) {
            words_[i] = 0;
        }
        size_ += word_shift;
        trim();
    }

    int compare(const BigUint& other) const {
        if (size_ != other.size_) {
            return size_ < other.size_ ? -1 : 1;
        }
        for (size_t i = size_; i-- > 0;) {
            if (words_[i] != other.words_[i]) {
                return words_[i] < other.words_[i] ? -1 : 1;
            }
        }
        return 0;
    }

    void add(const BigUint& other) {
        uint64_t carry = 0;
        const size_t longest = size_ > other.size_ ? size_ : other.size_;
        for (size_t i = 0; i < longest; ++i) {
            const uint64_t sum = uint64_t{i < size_ ? words_[i] : 0u} +
                                 (i < other.size_ ? other.words_[i] : 0u) + carry;
            if (i < size_) {
                words_[i] = static_cast<uint32_t>(sum);
            } else {
                append(static_cast<uint32_t>(sum));
            }
            carry = sum >> 32;
        }
        if (carry != 0) {
            append(static_cast<uint32_t>(carry));
        }
    }

    // Requires *this >= other.
    void subtract(const BigUint& other) {
        int64_t borrow = 0;
        for (size_t i = 0; i < size_; ++i) {
            const int64_t difference =
                int64_t{words_[i]} - (i < other.size_ ? other.words_[i] : 0u) - borrow;
            words_[i] = static_cast<uint32_t>(difference);
            borrow = difference < 0 ? 1 : 0;
        }
        trim();
    }

    // Replaces *this by *this mod divisor and returns the quotient, which the
    // callers keep below 10.
    uint32_t divide_small_quotient(const BigUint& divisor) {
        uint32_t quotient = 0;
        while (compare(divisor) >= 0 && quotient < 10) {
            subtract(divisor);
            ++quotient;
        }
        return quotient;
    }

    bool overflowed() const { return overflow_; }

  private:
    void append(uint32_t word) {
        if (size_ == kWords) {
            overflow_ = true;
            return;
        }
        words_[size_++] = word;
    }

    void trim() {
        while (size_ > 0 && words_[size_ - 1] == 0) {
            --size_;
        }
    }

    uint32_t words_[kWords] = {};
    size_t size_ = 0;
    bool overflow_ = false;
};

// Compares |number| with mantissa x 2^exponent: -1, 0 or 1.
int compare_decimal(DecimalDigits& digits, uint64_t mantissa, int64_t exponent) {
    // numerator / denominator = (mantissa x 2^exponent) / 10^point, and the
    // number / 10^point is 0.d1 d2 d3 ... The loop generates the decimal
    // digits of the fraction and compares them with the number's.
    BigUint numerator(mantissa);
    BigUint denominator(1);
    numerator.shift_left(exponent);
    denominator.shift_left(-exponent);
    const int64_t point = digits.point();
    denominator.multiply_pow10(point);
    numerator.multiply_pow10(-point);
    if (numerator.compare(denominator) >= 0) {
        return -1;
    }
    for (size_t i = 0; i < digits.significant_count(); ++i) {
        numerator.multiply(10);
        const uint32_t digit = numerator.divide_small_quotient(denominator);
        const uint8_t own = digits.digit(i);
        if (own != digit) {
            return own < digit ? -1 : 1;
        }
    }
    return numerator.is_zero() ? 0 : -1;
}

constexpr double kExactPowersOf10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

uint64_t bits_of(double value) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

double double_of(uint64_t bits) {
    double value = 0;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

constexpr uint64_t kHiddenBit = uint64_t{1} << 52;
constexpr uint64_t kMaxFiniteBits = 0x7FEFFFFFFFFFFFFFull;

// Splits a finite non-negative double into mantissa x 2^exponent.
void decompose(uint64_t bits, uint64_t& mantissa, int64_t& exponent, bool& narrow_gap_below) {
    const uint64_t biased = bits >> 52;
    const uint64_t fraction = bits & (kHiddenBit - 1);
    if (biased == 0) {
        mantissa = fraction;
        exponent = -1074;
    } else {
        mantissa = fraction | kHiddenBit;
        exponent = static_cast<int64_t>(biased) - 1075;
    }
    // At a power of two the next double below is half as far as the next above.
    narrow_gap_below = fraction == 0 && biased > 1;
}

// First estimate, within a few units in the last place of the exact value.
double approximate(DecimalDigits& digits) {
    uint64_t leading = 0;
    const size_t used = digits.significant_count() < 19 ? digits.significant_count() : 19;
    for (size_t i = 0; i < used; ++i) {
        leading = leading * 10 + digits.digit(i);
    }
    double value = static_cast<double>(leading);
    int64_t scale = digits.point() - static_cast<int64_t>(used);
    for (; scale > 22; scale -= 22) {
        value *= 1e22;
    }
    for (; scale < -22; scale += 22) {
        value /= 1e22;
    }
    return scale >= 0 ? value * kExactPowersOf10[scale] : value / kExactPowersOf10[-scale];
}

}  // namespace

bool json_number_to_double(std::span<const uint8_t> number, double& value) {
    DecimalDigits digits(number);
    const double sign = digits.negative() ? -1.0 : 1.0;
    // 0.d x 10^-324 is below half the smallest subnormal (2^-1075 > 2.4e-324),
    // and 0.d x 10^310 is at least 10^309, above DBL_MAX (1.8e308).
    if (digits.is_zero() || digits.point() < -324) {
        value = sign * 0.0;
        return true;
    }
    if (digits.point() > 309) {
        return false;
    }

    // Clinger's fast path: an exact mantissa and one correctly rounded
    // multiplication or division by an exact power of ten.
    const int64_t count = static_cast<int64_t>(digits.significant_count());
    const int64_t scale = digits.point() - count;
    if (count <= 15 && scale >= -22 && scale <= 22) {
        value = sign * approximate(digits);
        return true;
    }

    // Otherwise move from the estimate one double at a time until the exact
    // value lies between the halfway points to both neighbours.
    double estimate = approximate(digits);
    uint64_t bits = std::isinf(estimate) ? kMaxFiniteBits : bits_of(estimate);
    for (int step = 0; step < 64; ++step) {
        uint64_t mantissa = 0;
        int64_t exponent = 0;
        bool narrow_gap_below = false;
        decompose(bits, mantissa, exponent, narrow_gap_below);
        const bool odd = (mantissa & 1) != 0;

        const int above = compare_decimal(digits, 2 * mantissa + 1, exponent - 1);
        if (above > 0 || (above == 0 && odd)) {
            if (bits == kMaxFiniteBits) {
                return false;
            }
            ++bits;
            continue;
        }
        if (mantissa == 0) {
            value = sign * double_of(bits);
            return true;
        }
        const int below = narrow_gap_below
                              ? compare_decimal(digits, 4 * mantissa - 1, exponent - 2)
                              : compare_decimal(digits, 2 * mantissa - 1, exponent - 1);
        if (below < 0 || (below == 0 && odd)) {
            --bits;
            continue;
        }
        value = sign * double_of(bits);
        return true;
    }
    // NOTE: not reached for estimates within 64 doubles of the exact value,
    // which approximate() guarantees with a wide margin.
    return false;
}

// ---------------------------------------------------------------------------
// Formatting

size_t format_uint64(uint64_t value, char (&output)[kJsonNumberMaxLength]) {
    char reversed[kJsonNumberMaxLength];
    size_t length = 0;
    do {
        reversed[length++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (size_t i = 0; i < length; ++i) {
        output[i] = reversed[length - 1 - i];
    }
    return length;
}

size_t format_int64(int64_t value, char (&output)[kJsonNumberMaxLength]) {
    if (value >= 0) {
        return format_uint64(static_cast<uint64_t>(value), output);
    }
    char digits[kJsonNumberMaxLength];
    const size_t length = format_uint64(0 - static_cast<uint64_t>(value), digits);
    output[0] = '-';
    std::memcpy(output + 1, digits, length);
    return length + 1;
}

// The free-format algorithm of Steele and White with the boundary cases of
// Burger and Dybvig, "Printing Floating-Point Numbers Quickly and Accurately"
// (PLDI 1996), in exact integer arithmetic.
size_t shortest_digits(double value, uint8_t (&digits)[kShortestDigitsMax], int64_t& point) {
    const uint64_t bits = bits_of(value);
    uint64_t mantissa = 0;
    int64_t exponent = 0;
    bool narrow_gap_below = false;
    decompose(bits, mantissa, exponent, narrow_gap_below);
    const bool even = (mantissa & 1) == 0;

    // value = r / s, and the halfway points to the neighbours are (r +- m) / s.
    const uint64_t gap_scale = narrow_gap_below ? 2 : 1;
    BigUint r(mantissa * 2 * gap_scale);
    BigUint s(2 * gap_scale);
    BigUint m_plus(gap_scale);
    BigUint m_minus(1);
    if (exponent >= 0) {
        r.shift_left(exponent);
        m_plus.shift_left(exponent);
        m_minus.shift_left(exponent);
    } else {
        s.shift_left(-exponent);
    }

    int bit_length = 0;
    for (uint64_t m = mantissa; m != 0; m >>= 1) {
        ++bit_length;
    }
    point = static_cast<int64_t>(
        std::ceil(static_cast<double>(bit_length - 1 + exponent) * 0.30102999566398119521 - 1e-10));
    if (point >= 0) {
        s.multiply_pow10(point);
    } else {
        r.multiply_pow10(-point);
        m_plus.multiply_pow10(-point);
        m_minus.multiply_pow10(-point);
    }

    // The estimate can be low by one or two: raise it until the upper halfway
    // point is below 10^point.
    for (int fix = 0; fix < 3; ++fix) {
        BigUint high = r;
        high.add(m_plus);
        const int order = high.compare(s);
        if (order < 0 || (order == 0 && !even)) {
            break;
        }
        s.multiply(10);
        ++point;
    }

    size_t count = 0;
    while (count < 18) {
        r.multiply(10);
        m_plus.multiply(10);
        m_minus.multiply(10);
        uint32_t digit = r.divide_small_quotient(s);

        const int low_order = r.compare(m_minus);
        const bool low_ok = even ? low_order <= 0 : low_order < 0;
        BigUint high = r;
        high.add(m_plus);
        const int high_order = high.compare(s);
        const bool high_ok = even ? high_order >= 0 : high_order > 0;
        if (!low_ok && !high_ok) {
            digits[count++] = static_cast<uint8_t>(digit);
            continue;
        }
        if (low_ok && high_ok) {
            // Both neighbours' digit strings read back, so take the nearer one.
            BigUint twice = r;
            twice.add(r);
            const int order = twice.compare(s);
            digit += (order > 0 || (order == 0 && (digit & 1) != 0)) ? 1 : 0;
        } else if (high_ok) {
            ++digit;
        }
        digits[count++] = static_cast<uint8_t>(digit);
        break;
    }

    // Carry a rounded-up 9 into the digits before it.
    for (size_t i = count; i-- > 1 && digits[i] == 10;) {
        digits[i] = 0;
        ++digits[i - 1];
    }
    if (digits[0] == 10) {
        digits[0] = 1;
        count = 1;
        ++point;
    }
    while (count > 1 && digits[count - 1] == 0) {
        --count;
    }
    return count;
}

size_t format_double(double value, char (&output)[kJsonNumberMaxLength]) {
    size_t length = 0;
    uint64_t bits = bits_of(value);
    if ((bits >> 63) != 0) {
        output[length++] = '-';
        bits &= ~(uint64_t{1} << 63);
    }
    if (bits == 0) {
        output[length++] = '0';
        return length;
    }

    uint8_t digits[kShortestDigitsMax] = {};
    int64_t point = 0;
    const size_t count = shortest_digits(double_of(bits), digits, point);
    auto put_digits = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i) {
            output[length++] = static_cast<char>('0' + (i < count ? digits[i] : 0));
        }
    };

    // Mantissa lengths of the plain forms "ddd00", "dd.dd" and "0.00ddd".
    const int64_t n = static_cast<int64_t>(count);
    int64_t plain_length = 2 - point + n;
    if (point > 0) {
        plain_length = point >= n ? point : n + 1;
    }
    if (plain_length < 19) {
        if (point <= 0) {
            output[length++] = '0';
            output[length++] = '.';
            for (int64_t i = point; i < 0; ++i) {
                output[length++] = '0';
            }
            put_digits(0, count);
        } else if (point >= n) {
            put_digits(0, static_cast<size_t>(point));
        } else {
            put_digits(0, static_cast<size_t>(point));
            output[length++] = '.';
            put_digits(static_cast<size_t>(point), count);
        }
        return length;
    }

    put_digits(0, 1);
    if (count > 1) {
        output[length++] = '.';
        put_digits(1, count);
    }
    output[length++] = 'e';
    char exponent_text[kJsonNumberMaxLength];
    const size_t exponent_length = format_int64(point - 1, exponent_text);
    std::memcpy(output + length, exponent_text, exponent_length);
    return length + exponent_length;
}

Status json_number_to_value(std::span<const uint8_t> text, DataType type, Value& value) {
    if (type == DataType::kFloat) {
        double number = 0;
        if (!json_number_to_double(text, number)) {
            return Status::kMalformed;
        }
        value = Value::make_float(number);
        return Status::kOk;
    }
    if (type == DataType::kUnsignedInteger) {
        uint64_t number = 0;
        if (!json_number_to_uint64(text, number)) {
            return Status::kMalformed;
        }
        value = Value::make_unsigned(number);
        return Status::kOk;
    }
    int64_t number = 0;
    if (!json_number_to_int64(text, number)) {
        return Status::kMalformed;
    }
    value = type == DataType::kTime ? Value::make_time(number) : Value::make_integer(number);
    return Status::kOk;
}

Status json_string_to_value(std::span<const uint8_t> text, DataType type,
                            std::span<uint8_t> scratch, Value& value) {
    if (!json_string_has_escapes(text)) {
        value = Value::make_bytes(type, text);
        return Status::kOk;
    }
    const Result<size_t> length = json_decode_string(text, scratch);
    if (!length.ok()) {
        return length.status();
    }
    value = Value::make_bytes(type, scratch.first(length.value()));
    return Status::kOk;
}

Status json_base64_to_value(std::span<const uint8_t> text, std::span<uint8_t> scratch,
                            Value& value) {
    const Result<size_t> length = json_decode_base64(text, scratch);
    if (!length.ok()) {
        return length.status();
    }
    value = Value::make_bytes(DataType::kOpaque, scratch.first(length.value()));
    return Status::kOk;
}

}  // namespace lwm2m::io
