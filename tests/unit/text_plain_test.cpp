// Tests of the text/plain encoder and decoder, with the text examples of
// LwM2M Core 1.1 appendix C.
#include "io/text_plain.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "codec_test_support.hpp"

namespace lwm2m::io {
namespace {

const Path kPath = Path::resource(3, 0, 1);

Status encode(const Value& value, std::string& text, const Bytes& storage = {}) {
    OneRecord one{{kPath, value}, storage};
    Bytes payload;
    const Status status = encode_to(encode_text_plain, kPath, one.source(), payload);
    text = string_of(payload);
    return status;
}

std::string encode_text(const Value& value) {
    std::string text;
    EXPECT_EQ(encode(value, text), Status::kOk);
    return text;
}

std::string format_double(double value) {
    return encode_text(Value::make_float(value));
}

Status read(const std::string& text, DataType type, Value& value) {
    static uint8_t opaque_buffer[256];
    static std::string payload;
    payload = text;
    TextPlainDecoder decoder(bytes_of(payload), kPath, opaque_buffer);
    return read_first_entry(decoder, kPath, type, value);
}

uint64_t bits_of(double value) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(bits));
    return bits;
}

TEST(TextPlain, EncodesIntegersInDecimal) {
    EXPECT_EQ(encode_text(Value::make_integer(-750)), "-750");  // appendix C example
    EXPECT_EQ(encode_text(Value::make_integer(0)), "0");
    EXPECT_EQ(encode_text(Value::make_integer(std::numeric_limits<int64_t>::min())),
              "-9223372036854775808");
    EXPECT_EQ(encode_text(Value::make_unsigned(18)), "18");
    EXPECT_EQ(encode_text(Value::make_unsigned(std::numeric_limits<uint64_t>::max())),
              "18446744073709551615");
    EXPECT_EQ(encode_text(Value::make_time(1476186613)), "1476186613");  // appendix C example
}

TEST(TextPlain, EncodesOtherTypes) {
    EXPECT_EQ(encode_text(Value::make_boolean(true)), "1");
    EXPECT_EQ(encode_text(Value::make_boolean(false)), "0");
    EXPECT_EQ(encode_text(Value::make_objlnk(66, 65535)), "66:65535");
    EXPECT_EQ(encode_text(Value()), "");

    std::string text;
    ASSERT_EQ(encode(Value::make_bytes(DataType::kString, {}), text, Bytes{'h', 'i'}), Status::kOk);
    EXPECT_EQ(text, "hi");
    ASSERT_EQ(encode(Value::make_bytes(DataType::kCorelnk, {}), text, Bytes{'<', '/', '>'}),
              Status::kOk);
    EXPECT_EQ(text, "</>");
}

TEST(TextPlain, EncodesOpaqueAsBase64) {
    std::string text;
    // Appendix C example: {1, 2, 3, 4, 5} is "AQIDBAU=".
    ASSERT_EQ(encode(Value::make_bytes(DataType::kOpaque, {}), text, Bytes{1, 2, 3, 4, 5}),
              Status::kOk);
    EXPECT_EQ(text, "AQIDBAU=");
    ASSERT_EQ(encode(Value::make_bytes(DataType::kOpaque, {}), text, Bytes{1, 2, 3, 4}),
              Status::kOk);
    EXPECT_EQ(text, "AQIDBA==");
    ASSERT_EQ(encode(Value::make_bytes(DataType::kOpaque, {}), text, Bytes{0xFF, 0xEF, 0xBE}),
              Status::kOk);
    EXPECT_EQ(text, "/+++");
    ASSERT_EQ(encode(Value::make_bytes(DataType::kOpaque, {}), text), Status::kOk);
    EXPECT_EQ(text, "");
}

TEST(TextPlain, FormatsShortestFloats) {
    struct Case {
        double value;
        const char* text;
    };
    const Case cases[] = {
        {0.1, "0.1"},
        {1e-7, "0.0000001"},
        {6.667e-11, "0.00000000006667"},  // appendix C example
        {1.0, "1"},
        {-2.5, "-2.5"},
        {100.0, "100"},
        {123.456, "123.456"},
        {0.3, "0.3"},
        {1.0 / 3.0, "0.3333333333333333"},
        {9007199254740992.0, "9007199254740992"},
        {1e21, "1000000000000000000000"},
        {1e23, "100000000000000000000000"},
        {0.0, "0"},
        {-0.0, "-0"},
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.text);
        EXPECT_EQ(format_double(test_case.value), test_case.text);
    }
    // The smallest subnormal, 4.9e-324, has the one digit 5 at 10^-324.
    EXPECT_EQ(format_double(5e-324), "0." + std::string(323, '0') + "5");
    const std::string max = format_double(std::numeric_limits<double>::max());
    EXPECT_EQ(max, "17976931348623157" + std::string(292, '0'));
}

// Significant digits of std::to_chars' shortest form, for comparison.
size_t reference_digit_count(double value) {
    char text[64];
    const auto result =
        std::to_chars(text, text + sizeof(text), std::abs(value), std::chars_format::scientific);
    const std::string mantissa(text, static_cast<size_t>(std::strchr(text, 'e') - text));
    size_t digits = 0;
    for (char c : mantissa) {
        digits += (c >= '0' && c <= '9') ? 1 : 0;
    }
    (void)result;
    return digits;
}

size_t digit_count(const std::string& text) {
    std::string digits;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            digits += c;
        }
    }
    const size_t first = digits.find_first_not_of('0');
    const size_t last = digits.find_last_not_of('0');
    return first == std::string::npos ? 0 : last - first + 1;
}

TEST(TextPlain, FloatsRoundTripWithShortestDigits) {
    std::mt19937_64 random(12345);
    for (int i = 0; i < 20000; ++i) {
        uint64_t bits = random();
        if (i % 4 == 1) {
            bits &= 0x800FFFFFFFFFFFFFu;  // subnormals
        } else if (i % 4 == 2) {
            bits =
                (bits & 0x000FFFFFFFFFFFFFu) | (static_cast<uint64_t>(1023 + (i % 60) - 30) << 52);
        }
        double value = 0;
        std::memcpy(&value, &bits, sizeof(value));
        if (!std::isfinite(value)) {
            continue;
        }
        SCOPED_TRACE(bits);
        const std::string text = format_double(value);
        EXPECT_EQ(bits_of(std::strtod(text.c_str(), nullptr)), bits) << text;
        if (value != 0) {
            EXPECT_EQ(digit_count(text), reference_digit_count(value)) << text;
        }
        Value read_back;
        ASSERT_EQ(read(text, DataType::kFloat, read_back), Status::kOk) << text;
        EXPECT_EQ(bits_of(read_back.floating), bits) << text;
    }
}

TEST(TextPlain, ReadsFloatsCorrectlyRounded) {
    const char* texts[] = {
        "0.1",
        "1e-7",
        "6.667e-11",
        "0.00000000006667",
        "-12.5e-3",
        "1E+2",
        "9007199254740993",  // halfway between two doubles: rounds to even
        "9007199254740995",
        "2.4703282292062328e-324",  // just above half the smallest subnormal
        "2.4703282292062327e-324",  // just below: zero
        "4.9406564584124654e-324",
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",  // rounds down to the largest double
        "123456789012345678901234567890",
        "0.000000000000000000000000000000000000000000000000001",
        "1e-400",
        "0e999999999999",
        "-0",
        "7.2057594037927933e16",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649"
        "01720001",
    };
    for (const char* text : texts) {
        SCOPED_TRACE(text);
        Value value;
        ASSERT_EQ(read(text, DataType::kFloat, value), Status::kOk);
        EXPECT_EQ(value.type, DataType::kFloat);
        EXPECT_EQ(bits_of(value.floating), bits_of(std::strtod(text, nullptr)));
    }
}

TEST(TextPlain, ReadsLongDecimalsCorrectlyRounded) {
    // Long digit strings around halfway points exercise the sticky digit.
    std::mt19937_64 random(99);
    for (int i = 0; i < 3000; ++i) {
        std::string text = std::to_string(random() % 10);
        text += '.';
        const size_t digits = 1 + random() % 900;
        for (size_t j = 0; j < digits; ++j) {
            text += static_cast<char>('0' + random() % 10);
        }
        text += 'e';
        text += std::to_string(static_cast<int>(random() % 600) - 300);
        SCOPED_TRACE(text);
        Value value;
        ASSERT_EQ(read(text, DataType::kFloat, value), Status::kOk);
        EXPECT_EQ(bits_of(value.floating), bits_of(std::strtod(text.c_str(), nullptr)));
    }
    // The exact halfway point between 1 and its successor, followed by
    // 800 zeros and a 1: only the sticky digit decides to round up.
    std::string halfway = "1.00000000000000011102230246251565404236316680908203125";
    const std::string up = halfway + std::string(800, '0') + "1";
    Value value;
    ASSERT_EQ(read(halfway, DataType::kFloat, value), Status::kOk);
    EXPECT_EQ(value.floating, 1.0);
    ASSERT_EQ(read(up, DataType::kFloat, value), Status::kOk);
    EXPECT_EQ(value.floating, std::nextafter(1.0, 2.0));
}

TEST(TextPlain, RejectsInvalidNumbers) {
    const char* texts[] = {
        "",          "-",   "+1",  "1.",  ".5",  "1e",    "1e+",  " 1",    "1 ",
        "0x10",      "1,5", "inf", "nan", "--1", "1e1.5", "1..2", "1e309", "1.7976931348623159e308",
        "-1e400000",
    };
    for (const char* text : texts) {
        SCOPED_TRACE(text);
        Value value;
        EXPECT_EQ(read(text, DataType::kFloat, value), Status::kMalformed);
    }
}

TEST(TextPlain, ReadsIntegerValuedNumbers) {
    struct Case {
        const char* text;
        int64_t expected;
    };
    const Case cases[] = {
        {"-750", -750},
        {"5.0", 5},
        {"1e3", 1000},
        {"12.5e1", 125},
        {"007", 7},
        {"0e999999999", 0},
        {"0.000", 0},
        {"9223372036854775807", std::numeric_limits<int64_t>::max()},
        {"-9223372036854775808", std::numeric_limits<int64_t>::min()},
        {"-92233720368547758.08e2", std::numeric_limits<int64_t>::min()},
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.text);
        Value value;
        ASSERT_EQ(read(test_case.text, DataType::kInteger, value), Status::kOk);
        EXPECT_EQ(value.type, DataType::kInteger);
        EXPECT_EQ(value.integer, test_case.expected);
        ASSERT_EQ(read(test_case.text, DataType::kTime, value), Status::kOk);
        EXPECT_EQ(value.time, test_case.expected);
    }
    for (const char* text : {"1.5", "1e-5", "9223372036854775808", "-9223372036854775809", "1e19",
                             "abc", "", "+5", "1e99999999999"}) {
        SCOPED_TRACE(text);
        Value value;
        EXPECT_EQ(read(text, DataType::kInteger, value), Status::kMalformed);
    }
}

TEST(TextPlain, ReadsUnsignedIntegers) {
    Value value;
    ASSERT_EQ(read("18446744073709551615", DataType::kUnsignedInteger, value), Status::kOk);
    EXPECT_EQ(value.type, DataType::kUnsignedInteger);
    EXPECT_EQ(value.unsigned_integer, std::numeric_limits<uint64_t>::max());
    ASSERT_EQ(read("1e19", DataType::kUnsignedInteger, value), Status::kOk);
    EXPECT_EQ(value.unsigned_integer, 10000000000000000000u);
    for (const char* text : {"18446744073709551616", "-1", "-0", "0.5"}) {
        SCOPED_TRACE(text);
        EXPECT_EQ(read(text, DataType::kUnsignedInteger, value), Status::kMalformed);
    }
}

TEST(TextPlain, ReadsBooleanAndObjlnk) {
    Value value;
    ASSERT_EQ(read("1", DataType::kBoolean, value), Status::kOk);
    EXPECT_TRUE(value.boolean);
    ASSERT_EQ(read("0", DataType::kBoolean, value), Status::kOk);
    EXPECT_FALSE(value.boolean);
    for (const char* text : {"2", "true", "01", ""}) {
        SCOPED_TRACE(text);
        EXPECT_EQ(read(text, DataType::kBoolean, value), Status::kMalformed);
    }

    ASSERT_EQ(read("66:1", DataType::kObjlnk, value), Status::kOk);
    EXPECT_EQ(value.objlnk.object_id, 66);
    EXPECT_EQ(value.objlnk.instance_id, 1);
    ASSERT_EQ(read("65535:65535", DataType::kObjlnk, value), Status::kOk);
    EXPECT_EQ(value.objlnk.object_id, 65535);
    for (const char* text : {"65536:0", "1:", ":1", "1:2:3", "-1:0", "1", "000001:0", "1 :2"}) {
        SCOPED_TRACE(text);
        EXPECT_EQ(read(text, DataType::kObjlnk, value), Status::kMalformed);
    }
}

TEST(TextPlain, ReadsUtf8Strings) {
    Value value;
    ASSERT_EQ(read("Open Mobile Alliance", DataType::kString, value), Status::kOk);
    EXPECT_EQ(std::string(value.bytes.begin(), value.bytes.end()), "Open Mobile Alliance");
    ASSERT_EQ(read("h\xC3\xA9llo \xF0\x9F\x98\x80", DataType::kString, value), Status::kOk);
    ASSERT_EQ(read("</3/0>;ver=1.1", DataType::kCorelnk, value), Status::kOk);
    EXPECT_EQ(value.type, DataType::kCorelnk);
    ASSERT_EQ(read("", DataType::kString, value), Status::kOk);
    EXPECT_TRUE(value.bytes.empty());

    const char* invalid[] = {
        "\xC0\x80",          // overlong NUL
        "\xED\xA0\x80",      // surrogate
        "\xE2\x82",          // cut sequence
        "\xF4\x90\x80\x80",  // above U+10FFFF
        "\x80",              // stray continuation byte
        "\xE0\x80\x80",      // overlong three bytes
    };
    for (const char* text : invalid) {
        SCOPED_TRACE(text);
        EXPECT_EQ(read(text, DataType::kString, value), Status::kMalformed);
    }
}

TEST(TextPlain, ReadsBase64Opaque) {
    Value value;
    ASSERT_EQ(read("AQIDBAU=", DataType::kOpaque, value), Status::kOk);
    EXPECT_EQ(Bytes(value.bytes.begin(), value.bytes.end()), (Bytes{1, 2, 3, 4, 5}));
    ASSERT_EQ(read("AQIDBA==", DataType::kOpaque, value), Status::kOk);
    EXPECT_EQ(Bytes(value.bytes.begin(), value.bytes.end()), (Bytes{1, 2, 3, 4}));
    ASSERT_EQ(read("/+++", DataType::kOpaque, value), Status::kOk);
    EXPECT_EQ(Bytes(value.bytes.begin(), value.bytes.end()), (Bytes{0xFF, 0xEF, 0xBE}));
    ASSERT_EQ(read("", DataType::kOpaque, value), Status::kOk);
    EXPECT_TRUE(value.bytes.empty());

    for (const char* text :
         {"AQIDBAU", "AQIDBB==", "AQIDBAV=", "A===", "AQ=D", "AQID BAU=", "AQ-_"}) {
        SCOPED_TRACE(text);
        EXPECT_EQ(read(text, DataType::kOpaque, value), Status::kMalformed);
    }
}

TEST(TextPlain, OpaqueNeedsLargeEnoughBuffer) {
    const std::string text = "AQIDBAU=";
    const std::span<const uint8_t> payload(reinterpret_cast<const uint8_t*>(text.data()),
                                           text.size());
    uint8_t small[4];
    TextPlainDecoder decoder(payload, kPath, small);
    Path path;
    Value value;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(decoder.read_value(DataType::kOpaque, value), Status::kMessageTooLarge);

    TextPlainDecoder no_buffer(payload, kPath);
    ASSERT_EQ(no_buffer.next_entry(path), Status::kOk);
    EXPECT_EQ(no_buffer.read_value(DataType::kOpaque, value), Status::kMessageTooLarge);

    uint8_t exact[5];
    TextPlainDecoder fits(payload, kPath, exact);
    ASSERT_EQ(fits.next_entry(path), Status::kOk);
    ASSERT_EQ(fits.read_value(DataType::kOpaque, value), Status::kOk);
    EXPECT_EQ(value.bytes.data(), exact);
}

TEST(TextPlain, ReadsNoneOnlyWhenEmpty) {
    Value value;
    ASSERT_EQ(read("", DataType::kNone, value), Status::kOk);
    EXPECT_EQ(value.type, DataType::kNone);
    EXPECT_EQ(read("x", DataType::kNone, value), Status::kMalformed);
}

TEST(TextPlain, DecoderReturnsOneEntry) {
    TextPlainDecoder decoder({}, Path::resource_instance(3, 0, 6, 1));
    Path path;
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kString, value), Status::kInvalidState);
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(path, Path::resource_instance(3, 0, 6, 1));
    EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);
    EXPECT_EQ(decoder.read_value(DataType::kString, value), Status::kInvalidState);
}

TEST(TextPlain, EncoderRejectsInvalidInput) {
    std::string text;
    EXPECT_EQ(encode(Value::make_float(std::numeric_limits<double>::quiet_NaN()), text),
              Status::kInvalidArgument);
    EXPECT_EQ(encode(Value::make_float(std::numeric_limits<double>::infinity()), text),
              Status::kInvalidArgument);
    EXPECT_EQ(encode(Value::make_float(-std::numeric_limits<double>::infinity()), text),
              Status::kInvalidArgument);

    uint8_t window[16];
    for (size_t count : {size_t{0}, size_t{2}}) {
        OneRecord records{{kPath, Value::make_integer(1)}};
        records.count = count;
        PayloadSink sink(window);
        EXPECT_EQ(encode_text_plain(kPath, records.source(), sink), Status::kInvalidArgument);
    }
    OneRecord other_path{{Path::resource(3, 0, 2), Value::make_integer(1)}};
    PayloadSink sink(window);
    EXPECT_EQ(encode_text_plain(kPath, other_path.source(), sink), Status::kInvalidArgument);

    OneRecord failing{{kPath, Value::make_integer(1)}};
    failing.fail = true;
    EXPECT_EQ(encode_text_plain(kPath, failing.source(), sink), Status::kInvalidState);
    EXPECT_EQ(sink.total(), 0u);
}

TEST(TextPlain, EncoderStreamsThroughSmallWindows) {
    Bytes opaque(100);
    for (size_t i = 0; i < opaque.size(); ++i) {
        opaque[i] = static_cast<uint8_t>(i * 7);
    }
    const OneRecord records[] = {
        {{kPath, Value::make_float(std::numeric_limits<double>::max())}},
        {{kPath, Value::make_float(5e-324)}},
        {{kPath, Value::make_bytes(DataType::kOpaque, {})}, opaque},
    };
    for (const OneRecord& record : records) {
        std::vector<uint8_t> full_window(1024);
        PayloadSink full(full_window);
        ASSERT_EQ(encode_text_plain(kPath, record.source(), full), Status::kOk);
        const Bytes expected(full.kept().begin(), full.kept().end());
        for (size_t start : {size_t{0}, size_t{7}}) {
            EXPECT_EQ(join_windows(encode_text_plain, kPath, record.source(), expected, start),
                      expected);
        }
    }
}

}  // namespace
}  // namespace lwm2m::io
