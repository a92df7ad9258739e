#include "io/text_plain.hpp"

#include <bit>
#include <limits>

namespace lwm2m::io {
namespace {

// Unsigned integer of up to kWords 32-bit words, for exact decimal and binary
// conversions of doubles. An operation whose result does not fit sets
// overflowed(). The sizes below leave room for every double, and the callers
// still treat an overflow as a failure.
template <size_t kWords>
class BigUint {
  public:
    void set(uint64_t value) {
        size_ = 0;
        for (size_t i = 0; i < 2 && value != 0; ++i) {
            words_[size_++] = static_cast<uint32_t>(value);
            value >>= 32;
        }
    }

    bool is_zero() const { return size_ == 0; }
    bool overflowed() const { return overflowed_; }

    size_t bit_length() const {
        if (size_ == 0) {
            return 0;
        }
        return 32 * (size_ - 1) + static_cast<size_t>(std::bit_width(words_[size_ - 1]));
    }

    void multiply(uint32_t factor) {
        uint64_t carry = 0;
        for (size_t i = 0; i < size_; ++i) {
            const uint64_t product = uint64_t{words_[i]} * factor + carry;
            words_[i] = static_cast<uint32_t>(product);
            carry = product >> 32;
        }
        push_carry(carry);
    }

    void add(uint32_t addend) {
        uint64_t carry = addend;
        for (size_t i = 0; i < size_ && carry != 0; ++i) {
            const uint64_t sum = uint64_t{words_[i]} + carry;
            words_[i] = static_cast<uint32_t>(sum);
            carry = sum >> 32;
        }
        push_carry(carry);
    }

    void add(const BigUint& other) {
        uint64_t carry = 0;
        const size_t size = size_ > other.size_ ? size_ : other.size_;
        for (size_t i = 0; i < size; ++i) {
            const uint64_t sum = uint64_t{word(i)} + other.word(i) + carry;
            words_[i] = static_cast<uint32_t>(sum);
            carry = sum >> 32;
        }
        size_ = size;
        push_carry(carry);
    }

    // Requires *this >= other.
    void subtract(const BigUint& other) {
        int64_t borrow = 0;
        for (size_t i = 0; i < size_; ++i) {
            const int64_t difference = int64_t{words_[i]} - other.word(i) - borrow;
            borrow = difference < 0 ? 1 : 0;
            words_[i] = static_cast<uint32_t>(difference + (borrow << 32));
        }
        trim();
    }

    void shift_left(size_t bits) {
        if (size_ == 0 || bits == 0) {
            return;
        }
        const size_t word_shift = bits / 32;
        const unsigned bit_shift = static_cast<unsigned>(bits % 32);
        if (size_ + word_shift > kWords) {
            overflowed_ = true;
            return;
        }
        uint32_t top = 0;
        if (bit_shift != 0) {
            top = words_[size_ - 1] >> (32 - bit_shift);
        }
        for (size_t i = size_; i-- > 0;) {
            uint32_t shifted = words_[i] << bit_shift;
            if (bit_shift != 0 && i > 0) {
                shifted |= words_[i - 1] >> (32 - bit_shift);
            }
            words_[i + word_shift] = shifted;
        }
        for (size_t i = 0; i < word_shift; ++i) {
            words_[i] = 0;
        }
        size_ += word_shift;
        push_carry(top);
    }

    void shift_right_one() {
        for (size_t i = 0; i < size_; ++i) {
            uint32_t shifted = words_[i] >> 1;
            if (i + 1 < size_) {
                shifted |= words_[i + 1] << 31;
            }
            words_[i] = shifted;
        }
        trim();
    }

    void multiply_power(uint32_t base, uint32_t chunk_factor, unsigned chunk_exponent,
                        unsigned exponent) {
        for (; exponent >= chunk_exponent; exponent -= chunk_exponent) {
            multiply(chunk_factor);
        }
        for (; exponent > 0; --exponent) {
            multiply(base);
        }
    }
    void multiply_power10(unsigned exponent) { multiply_power(10, 1000000000, 9, exponent); }
    void multiply_power5(unsigned exponent) { multiply_power(5, 1220703125, 13, exponent); }

    friend int compare(const BigUint& a, const BigUint& b) {
        if (a.size_ != b.size_) {
            return a.size_ < b.size_ ? -1 : 1;
        }
        for (size_t i = a.size_; i-- > 0;) {
            if (a.words_[i] != b.words_[i]) {
                return a.words_[i] < b.words_[i] ? -1 : 1;
            }
        }
        return 0;
    }

  private:
    uint32_t word(size_t index) const { return index < size_ ? words_[index] : 0; }

    void push_carry(uint64_t carry) {
        if (carry == 0) {
            return;
        }
        if (size_ == kWords) {
            overflowed_ = true;
            return;
        }
        words_[size_++] = static_cast<uint32_t>(carry);
    }

    void trim() {
        while (size_ > 0 && words_[size_ - 1] == 0) {
            --size_;
        }
    }

    uint32_t words_[kWords];
    size_t size_ = 0;
    bool overflowed_ = false;
};

constexpr int kMantissaBits = 52;
constexpr int kMinExponent = -1074;  // exponent of the smallest subnormal
constexpr uint64_t kHiddenBit = uint64_t{1} << kMantissaBits;

// ---------------------------------------------------------------------------
// Shortest digits of a double. This is the free-format algorithm of Steele
// and White as refined by Burger and Dybvig ("Printing Floating-Point Numbers
// Quickly and Accurately", 1996), with exact big-integer arithmetic: value =
// r / s, and m_plus / s, m_minus / s are half the gaps to the neighbouring
// doubles. Digits stop as soon as they identify the double uniquely; ties are
// inclusive for an even mantissa because readers round half to even.
// ---------------------------------------------------------------------------

// Largest value: r = 4 * 2^53 * 10^324, about 2^1132 before the digit loop.
using FormatInteger = BigUint<40>;

struct ShortestDigits {
    char digits[20] = {};
    int count = 0;
    // value = 0.digits * 10^exponent
    int exponent = 0;
};

// Sets r, s and the margins for the positive finite `value`.
void set_up_scaled_value(double value, FormatInteger& r, FormatInteger& s, FormatInteger& m_plus,
                         FormatInteger& m_minus, bool& inclusive, int& log2_value) {
    const uint64_t bits = std::bit_cast<uint64_t>(value);
    const int biased = static_cast<int>((bits >> kMantissaBits) & 0x7FF);
    const uint64_t fraction = bits & (kHiddenBit - 1);
    const uint64_t mantissa = biased == 0 ? fraction : fraction | kHiddenBit;
    const int exponent = biased == 0 ? kMinExponent : biased - 1075;
    inclusive = (mantissa & 1) == 0;
    log2_value = exponent + static_cast<int>(std::bit_width(mantissa)) - 1;

    // At a power of two the gap to the next lower double is half as wide.
    const bool narrow_below = fraction == 0 && biased > 1;
    const size_t extra = narrow_below ? 2 : 1;
    r.set(mantissa);
    s.set(1);
    m_plus.set(narrow_below ? 2 : 1);
    m_minus.set(1);
    if (exponent >= 0) {
        r.shift_left(static_cast<size_t>(exponent) + extra);
        s.set(uint64_t{1} << extra);
        m_plus.shift_left(static_cast<size_t>(exponent));
        m_minus.shift_left(static_cast<size_t>(exponent));
    } else {
        r.shift_left(extra);
        s.shift_left(static_cast<size_t>(-exponent) + extra);
    }
}

bool high_reaches(const FormatInteger& r, const FormatInteger& m_plus, const FormatInteger& s,
                  bool inclusive) {
    FormatInteger high = r;
    high.add(m_plus);
    const int order = compare(high, s);
    return inclusive ? order >= 0 : order > 0;
}

bool shortest_digits(double value, ShortestDigits& out) {
    FormatInteger r, s, m_plus, m_minus;
    bool inclusive = false;
    int log2_value = 0;
    set_up_scaled_value(value, r, s, m_plus, m_minus, inclusive, log2_value);

    // 1233 / 4096 is just below log10(2), so k starts within one of
    // ceil(log10(value)); the two loops below make it exact.
    int k = ((log2_value * 1233) >> 12) + 1;
    if (k >= 0) {
        s.multiply_power10(static_cast<unsigned>(k));
    } else {
        r.multiply_power10(static_cast<unsigned>(-k));
        m_plus.multiply_power10(static_cast<unsigned>(-k));
        m_minus.multiply_power10(static_cast<unsigned>(-k));
    }
    for (int step = 0; step < 4 && high_reaches(r, m_plus, s, inclusive); ++step) {
        s.multiply(10);
        ++k;
    }
    for (int step = 0; step < 4; ++step) {
        FormatInteger scaled_r = r;
        scaled_r.multiply(10);
        FormatInteger scaled_m_plus = m_plus;
        scaled_m_plus.multiply(10);
        if (high_reaches(scaled_r, scaled_m_plus, s, inclusive)) {
            break;
        }
        r = scaled_r;
        m_plus = scaled_m_plus;
        m_minus.multiply(10);
        --k;
    }

    out.count = 0;
    out.exponent = k;
    // A double needs at most 17 significant digits.
    for (int position = 0; position < 18; ++position) {
        r.multiply(10);
        m_plus.multiply(10);
        m_minus.multiply(10);
        int digit = 0;
        while (digit < 9 && compare(r, s) >= 0) {
            r.subtract(s);
            ++digit;
        }
        const int low_order = compare(r, m_minus);
        const bool low_done = inclusive ? low_order <= 0 : low_order < 0;
        const bool high_done = high_reaches(r, m_plus, s, inclusive);
        if (!low_done && !high_done) {
            out.digits[out.count++] = static_cast<char>('0' + digit);
            continue;
        }
        if (low_done && high_done) {
            FormatInteger twice_r = r;
            twice_r.shift_left(1);
            if (compare(twice_r, s) > 0) {
                ++digit;
            }
        } else if (high_done) {
            ++digit;
        }
        out.digits[out.count++] = static_cast<char>('0' + digit);
        return !(r.overflowed() || s.overflowed() || m_plus.overflowed() || m_minus.overflowed());
    }
    return false;
}

// ---------------------------------------------------------------------------
// Decimal text to the nearest double (round half to even). The significant
// digits D and the decimal exponent E give value = D * 5^E * 2^E; the 5^E
// factor goes into a numerator or a denominator big integer, and a long
// division yields 54 or 55 bits of the quotient plus a sticky remainder bit,
// which is enough to round correctly in one step.
// ---------------------------------------------------------------------------

// 767 significant digits decide the rounding of any decimal, so digits past
// kMaxDigits only matter as "non-zero or not" and become one sticky digit.
constexpr size_t kMaxDigits = 780;
// Largest value: 10^781 scaled by 2^55, or 5^1105 scaled by 2^55 (2,700 bits).
using ParseInteger = BigUint<88>;
// Exponents are clamped here; beyond it every value overflows or is zero.
constexpr int64_t kExponentClamp = 100000000;

struct NumberText {
    bool negative = false;
    std::span<const uint8_t> integer_digits;
    std::span<const uint8_t> fraction_digits;
    int64_t exponent = 0;
};

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

// Splits "-12.5e-3" into its parts; false if `text` is not such a number.
bool scan_number(std::span<const uint8_t> text, NumberText& number) {
    size_t position = 0;
    number.negative = !text.empty() && text[0] == '-';
    position += number.negative ? 1 : 0;

    const size_t integer_size = count_digits(text, position);
    if (integer_size == 0) {
        return false;
    }
    number.integer_digits = text.subspan(position, integer_size);
    position += integer_size;

    if (position < text.size() && text[position] == '.') {
        const size_t fraction_size = count_digits(text, position + 1);
        if (fraction_size == 0) {
            return false;
        }
        number.fraction_digits = text.subspan(position + 1, fraction_size);
        position += 1 + fraction_size;
    }

    number.exponent = 0;
    if (position < text.size() && (text[position] == 'e' || text[position] == 'E')) {
        ++position;
        bool negative_exponent = false;
        if (position < text.size() && (text[position] == '+' || text[position] == '-')) {
            negative_exponent = text[position] == '-';
            ++position;
        }
        const size_t exponent_size = count_digits(text, position);
        if (exponent_size == 0) {
            return false;
        }
        for (size_t i = 0; i < exponent_size; ++i) {
            if (number.exponent < kExponentClamp) {
                number.exponent = number.exponent * 10 + (text[position + i] - '0');
            }
        }
        if (number.exponent > kExponentClamp) {
            number.exponent = kExponentClamp;
        }
        number.exponent = negative_exponent ? -number.exponent : number.exponent;
        position += exponent_size;
    }
    return position == text.size();
}

uint8_t digit_at(const NumberText& number, size_t index) {
    const size_t integer_size = number.integer_digits.size();
    const uint8_t c = index < integer_size ? number.integer_digits[index]
                                           : number.fraction_digits[index - integer_size];
    return static_cast<uint8_t>(c - '0');
}

// Reads the significant digits into `digits`; value = digits * 10^exponent.
// Returns the number of significant digits read.
size_t read_significand(const NumberText& number, ParseInteger& digits, int64_t& exponent) {
    const size_t total = number.integer_digits.size() + number.fraction_digits.size();
    exponent = number.exponent - static_cast<int64_t>(number.fraction_digits.size());
    digits.set(0);

    size_t digit_count = 0;
    bool sticky = false;
    uint32_t chunk = 0;
    unsigned chunk_size = 0;
    for (size_t i = 0; i < total; ++i) {
        const uint8_t digit = digit_at(number, i);
        if (digit_count == 0 && digit == 0) {
            continue;
        }

        if (digit_count == kMaxDigits) {
            sticky = sticky || digit != 0;
            ++exponent;
            continue;
        }

        chunk = chunk * 10 + digit;
        ++digit_count;
        if (++chunk_size == 9) {
            digits.multiply_power10(chunk_size);
            digits.add(chunk);
            chunk = 0;
            chunk_size = 0;
        }
    }

    if (sticky) {
        // Any digit between 1 and 9 keeps the value on the same side of every
        // rounding boundary, because a boundary has at most 767 digits.
        chunk = chunk * 10 + 1;
        ++chunk_size;
        ++digit_count;
        --exponent;
    }
    digits.multiply_power10(chunk_size);
    digits.add(chunk);
    return digit_count;
}

double make_double(bool negative, uint64_t bits) {
    return std::bit_cast<double>(bits | (negative ? uint64_t{1} << 63 : 0));
}

// Rounds (quotient + fraction) * 2^exponent to a double, where the fraction
// is non-zero exactly when `sticky`. False on overflow.
bool round_to_double(uint64_t quotient, bool sticky, int64_t exponent, bool negative, double& out) {
    const int64_t width = std::bit_width(quotient);
    int64_t drop = width - (kMantissaBits + 1);
    if (kMinExponent - exponent > drop) {
        drop = kMinExponent - exponent;  // subnormal: the last bit is 2^-1074
    }
    if (drop > width) {
        out = make_double(negative, 0);  // below half the smallest subnormal
        return true;
    }

    uint64_t mantissa = drop >= 64 ? 0 : quotient >> drop;
    const uint64_t remainder = quotient - (mantissa << drop);
    const uint64_t half = uint64_t{1} << (drop - 1);
    if (remainder > half || (remainder == half && (sticky || (mantissa & 1) != 0))) {
        ++mantissa;
    }
    exponent += drop;
    if (mantissa == kHiddenBit << 1) {
        mantissa >>= 1;
        ++exponent;
    }

    if (mantissa < kHiddenBit) {
        out = make_double(negative, mantissa);  // subnormal or zero
        return true;
    }
    const int64_t biased = exponent + kMantissaBits + 1023;
    if (biased >= 0x7FF) {
        return false;
    }
    out = make_double(negative,
                      (static_cast<uint64_t>(biased) << kMantissaBits) | (mantissa - kHiddenBit));
    return true;
}

bool parse_double(const NumberText& number, double& out) {
    ParseInteger numerator;
    int64_t exponent = 0;
    const size_t digit_count = read_significand(number, numerator, exponent);
    if (numerator.is_zero()) {
        out = make_double(number.negative, 0);
        return true;
    }
    // value < 10^(digit_count + exponent): above 10^309 it overflows, below 10^-324
    // it is under half the smallest subnormal (4.9e-324).
    const int64_t magnitude = static_cast<int64_t>(digit_count) + exponent;
    if (magnitude > 309) {
        return false;
    }
    if (magnitude < -324) {
        out = make_double(number.negative, 0);
        return true;
    }

    ParseInteger denominator;
    denominator.set(1);
    if (exponent >= 0) {
        numerator.multiply_power5(static_cast<unsigned>(exponent));
    } else {
        denominator.multiply_power5(static_cast<unsigned>(-exponent));
    }

    // Scale so that the quotient has 54 or 55 bits.
    const int64_t shift = 54 - (static_cast<int64_t>(numerator.bit_length()) -
                                static_cast<int64_t>(denominator.bit_length()));
    if (shift >= 0) {
        numerator.shift_left(static_cast<size_t>(shift));
    } else {
        denominator.shift_left(static_cast<size_t>(-shift));
    }
    constexpr int kQuotientBits = 56;
    denominator.shift_left(kQuotientBits - 1);
    uint64_t quotient = 0;
    for (int bit = kQuotientBits - 1; bit >= 0; --bit) {
        if (compare(numerator, denominator) >= 0) {
            numerator.subtract(denominator);
            quotient |= uint64_t{1} << bit;
        }
        if (bit > 0) {
            denominator.shift_right_one();
        }
    }
    if (numerator.overflowed() || denominator.overflowed()) {
        return false;
    }
    return round_to_double(quotient, !numerator.is_zero(), exponent - shift, number.negative, out);
}

// Reads a number with an integer value; false if it has a non-zero fraction
// or its magnitude does not fit 64 bits.
bool parse_integral(const NumberText& number, uint64_t& magnitude) {
    const size_t integer_size = number.integer_digits.size();
    const size_t total = integer_size + number.fraction_digits.size();
    magnitude = 0;
    for (size_t i = 0; i < total; ++i) {
        const uint8_t digit = digit_at(number, i);
        const int64_t weight =
            static_cast<int64_t>(integer_size) - 1 - static_cast<int64_t>(i) + number.exponent;
        if (weight < 0) {
            if (digit != 0) {
                return false;
            }
            continue;
        }
        if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
            return false;
        }
        magnitude = magnitude * 10 + digit;
    }
    // Zeros implied by a positive exponent past the last digit; the loop ends
    // at the first overflow, within 20 steps.
    const int64_t zeros = number.exponent - static_cast<int64_t>(number.fraction_digits.size());
    for (int64_t i = 0; magnitude != 0 && i < zeros; ++i) {
        if (magnitude > std::numeric_limits<uint64_t>::max() / 10) {
            return false;
        }
        magnitude *= 10;
    }
    return true;
}

bool parse_signed(std::span<const uint8_t> text, int64_t& value) {
    NumberText number;
    uint64_t magnitude = 0;
    if (!scan_number(text, number) || !parse_integral(number, magnitude)) {
        return false;
    }
    const uint64_t limit = uint64_t{1} << 63;
    if (number.negative) {
        if (magnitude > limit) {
            return false;
        }
        value = static_cast<int64_t>(0 - magnitude);
        return true;
    }
    if (magnitude >= limit) {
        return false;
    }
    value = static_cast<int64_t>(magnitude);
    return true;
}

bool parse_unsigned(std::span<const uint8_t> text, uint64_t& value) {
    NumberText number;
    return scan_number(text, number) && !number.negative && parse_integral(number, value);
}

// Reads a decimal ID of 1 to 5 digits up to 65535.
bool parse_id(std::span<const uint8_t> text, uint16_t& id) {
    if (text.empty() || text.size() > 5 || count_digits(text, 0) != text.size()) {
        return false;
    }
    uint32_t value = 0;
    for (uint8_t c : text) {
        value = value * 10 + (c - '0');
    }
    if (value > 0xFFFF) {
        return false;
    }
    id = static_cast<uint16_t>(value);
    return true;
}

bool parse_objlnk(std::span<const uint8_t> text, Objlnk& link) {
    size_t colon = 0;
    while (colon < text.size() && text[colon] != ':') {
        ++colon;
    }
    if (colon == text.size()) {
        return false;
    }
    return parse_id(text.first(colon), link.object_id) &&
           parse_id(text.subspan(colon + 1), link.instance_id);
}

// RFC 3629: shortest forms only, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::span<const uint8_t> text) {
    size_t i = 0;
    while (i < text.size()) {
        const uint8_t lead = text[i];
        size_t continuation = 0;
        uint8_t low = 0x80;
        uint8_t high = 0xBF;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            continuation = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            continuation = 2;
            low = lead == 0xE0 ? 0xA0 : 0x80;
            high = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            continuation = 3;
            low = lead == 0xF0 ? 0x90 : 0x80;
            high = lead == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (text.size() - i - 1 < continuation) {
            return false;
        }
        for (size_t j = 1; j <= continuation; ++j) {
            const uint8_t c = text[i + j];
            const uint8_t min = j == 1 ? low : 0x80;
            const uint8_t max = j == 1 ? high : 0xBF;
            if (c < min || c > max) {
                return false;
            }
        }
        i += continuation + 1;
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
    char text[20];
    size_t begin = sizeof(text);
    do {
        text[--begin] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    write_text(sink, text + begin, sizeof(text) - begin);
}

void write_signed(PayloadSink& sink, int64_t value) {
    if (value < 0) {
        sink.write(static_cast<uint8_t>('-'));
        write_unsigned(sink, 0 - static_cast<uint64_t>(value));
        return;
    }
    write_unsigned(sink, static_cast<uint64_t>(value));
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
    ShortestDigits digits;
    if (!shortest_digits(value, digits)) {
        return Status::kInvalidArgument;
    }

    // Plain notation, as in the float example of LwM2M Core appendix C
    // ("0.00000000006667"): the decimal point goes after `exponent` digits.
    const int count = digits.count;
    const int point = digits.exponent;
    if (point <= 0) {
        write_text(sink, "0.", 2);
        write_zeros(sink, -point);
        write_text(sink, digits.digits, static_cast<size_t>(count));
    } else if (point < count) {
        write_text(sink, digits.digits, static_cast<size_t>(point));
        sink.write(static_cast<uint8_t>('.'));
        write_text(sink, digits.digits + point, static_cast<size_t>(count - point));
    } else {
        write_text(sink, digits.digits, static_cast<size_t>(count));
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
    if (source.count != 1) {
        return Status::kInvalidArgument;
    }
    OutputRecord record;
    if (source.get == nullptr || !source.get(source.context, 0, record)) {
        return Status::kInvalidState;
    }
    // Text carries no path, so the value must be the requested one.
    if (!(record.path == request_path)) {
        return Status::kInvalidArgument;
    }
    return write_value(sink, record.value);
}

TextPlainDecoder::TextPlainDecoder(std::span<const uint8_t> payload, const Path& request_path,
                                   std::span<uint8_t> opaque_buffer)
    : payload_(payload), request_path_(request_path), opaque_buffer_(opaque_buffer) {}

Status TextPlainDecoder::next_entry(Path& path) {
    if (started_) {
        has_entry_ = false;
        return Status::kNotFound;
    }
    started_ = true;
    has_entry_ = true;
    path = request_path_;
    return Status::kOk;
}

Status TextPlainDecoder::read_value(DataType type, Value& value) {
    if (!has_entry_) {
        return Status::kInvalidState;
    }
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
            if (!parse_signed(payload_, integer)) {
                return Status::kMalformed;
            }
            value =
                type == DataType::kTime ? Value::make_time(integer) : Value::make_integer(integer);
            return Status::kOk;
        }
        case DataType::kUnsignedInteger: {
            uint64_t magnitude = 0;
            if (!parse_unsigned(payload_, magnitude)) {
                return Status::kMalformed;
            }
            value = Value::make_unsigned(magnitude);
            return Status::kOk;
        }
        case DataType::kFloat: {
            NumberText number;
            double floating = 0;
            if (!scan_number(payload_, number) || !parse_double(number, floating)) {
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
            if (!parse_objlnk(payload_, link)) {
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
