// SenML JSON encoder and decoder: wire examples, round trips, Block2-style
// streaming, malformed input, and differential tests against nlohmann::json
// and the C library's strtod.
#include "io/senml_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "codec_test_support.hpp"

namespace lwm2m::io {
namespace {

OutputRecord record(Path path, Value value, int64_t timestamp_s = 0) {
    OutputRecord result;
    result.path = path;
    result.value = value;
    result.timestamp_s = timestamp_s;
    return result;
}

Value string_value(const char* text, DataType type = DataType::kString) {
    return Value::make_bytes(type, {reinterpret_cast<const uint8_t*>(text), std::strlen(text)});
}

// Encodes into a buffer large enough for every test payload.
std::string encode(const Path& request_path, const RecordList& records,
                   Status expected = Status::kOk) {
    Bytes payload;
    EXPECT_EQ(encode_to(encode_senml_json, request_path, records.source(), payload), expected);
    return string_of(payload);
}

using Entry = DecodedEntry;

// Decodes every entry, reading each value as `type_of(path)`. Returns the
// status that ended the loop (kNotFound for a complete payload).
template <typename TypeOf>
Status decode(const std::string& payload, const Path& request_path, TypeOf type_of,
              std::vector<Entry>& entries, int64_t now_s = 0) {
    uint8_t scratch[256];
    SenmlJsonDecoder decoder(bytes_of(payload), request_path, scratch, now_s);
    return decode_entries(decoder, type_of, entries);
}

Status decode_as(const std::string& payload, DataType type, std::vector<Entry>& entries,
                 const Path& request_path = Path()) {
    return decode(
        payload, request_path, [type](const Path&) { return type; }, entries);
}

// Decodes a single-record payload as `type` and returns the first error, or kOk.
Status decode_one(const std::string& payload, DataType type, Value& value, std::string& bytes) {
    std::vector<Entry> entries;
    const Status status = decode_as(payload, type, entries);
    if (status != Status::kNotFound) {
        return status;
    }
    EXPECT_EQ(entries.size(), 1u);
    if (entries.empty()) {
        return Status::kNotFound;
    }
    value = entries[0].value;
    bytes = entries[0].bytes;
    return Status::kOk;
}

Status first_status(const std::string& payload, const Path& request_path = Path()) {
    std::vector<Entry> entries;
    return decode_as(payload, DataType::kString, entries, request_path);
}

// ---------------------------------------------------------------------------
// Encoder wire format

TEST(SenmlJson, EncodesObjectInstanceRead) {
    RecordList records;
    records.records = {
        record(Path::resource(3, 0, 0), string_value("Open Mobile Alliance")),
        record(Path::resource_instance(3, 0, 6, 0), Value::make_integer(1)),
        record(Path::resource_instance(3, 0, 6, 1), Value::make_integer(-5)),
        record(Path::resource(3, 0, 9), Value::make_unsigned(100)),
        record(Path::resource(3, 0, 13), Value::make_time(1367491215)),
    };

    EXPECT_EQ(encode(Path::instance(3, 0), records),
              "["
              R"({"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},)"  // base name once
              R"({"n":"6/0","v":1},)"                                   // resource instance
              R"({"n":"6/1","v":-5},)"
              R"({"n":"9","v":100},)"
              R"({"n":"13","v":1367491215})"  // time as a number
              "]");
}

TEST(SenmlJson, EncodesSingleResourceWithParentBaseName) {
    RecordList records;
    records.records = {record(Path::resource(3, 0, 9), Value::make_integer(87))};

    EXPECT_EQ(encode(Path::resource(3, 0, 9), records), R"([{"bn":"/3/0/","n":"9","v":87}])");
}

TEST(SenmlJson, EncodesRootRequestWithSlashBaseName) {
    RecordList records;
    records.records = {record(Path::resource(3, 0, 9), Value::make_integer(87)),
                       record(Path::resource(1, 0, 1), Value::make_integer(300))};

    EXPECT_EQ(encode(Path(), records), R"([{"bn":"/","n":"3/0/9","v":87},{"n":"1/0/1","v":300}])");
}

TEST(SenmlJson, EncodesEveryValueField) {
    const uint8_t opaque[] = {'h', 'i', ' ', '\n'};
    RecordList records;
    records.records = {
        record(Path::resource(5, 0, 0), Value::make_bytes(DataType::kOpaque, opaque)),
        record(Path::resource(5, 0, 1), Value::make_boolean(true)),
        record(Path::resource(5, 0, 2), Value::make_boolean(false)),
        record(Path::resource(5, 0, 3), Value::make_float(-0.25)),
        record(Path::resource(5, 0, 4), Value::make_objlnk(66, 0)),
        record(Path::resource(5, 0, 5), string_value("</3/0>", DataType::kCorelnk)),
    };

    EXPECT_EQ(encode(Path::object(5), records),
              "["
              R"({"bn":"/5/","n":"0/0","vd":"aGkgCg"},)"  // RFC 8428, 5.1.5: no padding
              R"({"n":"0/1","vb":true},)"
              R"({"n":"0/2","vb":false},)"
              R"({"n":"0/3","v":-0.25},)"
              R"({"n":"0/4","vlo":"66:0"},)"
              R"({"n":"0/5","vs":"</3/0>"})"
              "]");
}

TEST(SenmlJson, EncodesTimestampOnlyWhenSet) {
    RecordList records;
    records.records = {record(Path::resource(3303, 0, 5700), Value::make_float(18.5), 1700000000),
                       record(Path::resource(3303, 0, 5701), string_value("Cel"))};

    EXPECT_EQ(encode(Path::instance(3303, 0), records),
              R"([{"bn":"/3303/0/","n":"5700","v":18.5,"t":1700000000},)"
              R"({"n":"5701","vs":"Cel"}])");
}

TEST(SenmlJson, EncodesIntegerLimitsExactly) {
    RecordList records;
    records.records = {
        record(Path::resource(1, 0, 0), Value::make_integer(std::numeric_limits<int64_t>::min())),
        record(Path::resource(1, 0, 1), Value::make_integer(std::numeric_limits<int64_t>::max())),
        record(Path::resource(1, 0, 2), Value::make_unsigned(std::numeric_limits<uint64_t>::max())),
    };

    EXPECT_EQ(encode(Path::instance(1, 0), records),
              R"([{"bn":"/1/0/","n":"0","v":-9223372036854775808},)"
              R"({"n":"1","v":9223372036854775807},)"
              R"({"n":"2","v":18446744073709551615}])");
}

TEST(SenmlJson, EncodesEscapedStrings) {
    RecordList records;
    records.records = {
        record(Path::resource(3, 0, 0), string_value("a\"b\\c\n\x01\x1f/\x7f\xc3\xa9"))};

    EXPECT_EQ(encode(Path::resource(3, 0, 0), records),
              R"([{"bn":"/3/0/","n":"0","vs":"a\"b\\c\u000a\u0001\u001f/)"
              "\x7f\xc3\xa9"
              R"("}])");
}

TEST(SenmlJson, EncoderRejectsInvalidValues) {
    const char* invalid_utf8[] = {"\xff", "\xc3", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80"};
    for (const char* text : invalid_utf8) {
        SCOPED_TRACE(text);
        RecordList records;
        records.records = {record(Path::resource(3, 0, 0), string_value(text))};
        encode(Path(), records, Status::kInvalidArgument);
    }
    const double not_finite[] = {std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity()};
    for (double value : not_finite) {
        RecordList records;
        records.records = {record(Path::resource(3, 0, 0), Value::make_float(value))};
        encode(Path(), records, Status::kInvalidArgument);
    }
}

TEST(SenmlJson, EncoderRejectsRecordsOutsideRequestPath) {
    RecordList records;
    records.records = {record(Path::resource(3, 1, 0), Value::make_integer(1))};
    encode(Path::instance(3, 0), records, Status::kInvalidArgument);

    records.records = {record(Path::instance(3, 0), Value::make_integer(1))};
    encode(Path(), records, Status::kInvalidArgument);
}

TEST(SenmlJson, EncoderReportsSourceFailure) {
    RecordSource source;
    source.count = 1;
    source.get = [](const void*, size_t, OutputRecord&) { return false; };
    uint8_t window[64];
    PayloadSink sink(window);
    EXPECT_EQ(encode_senml_json(Path(), source, sink), Status::kInvalidState);
}

TEST(SenmlJson, EncodesEmptySourceAsEmptyArray) {
    EXPECT_EQ(encode(Path::instance(3, 0), RecordList()), "[]");
}

// ---------------------------------------------------------------------------
// Streaming

TEST(SenmlJson, StreamsThroughSmallWindowAtAnyOffset) {
    static const std::string opaque = "abcdefg";
    RecordList records;
    records.records = {
        record(Path::resource(3, 0, 0), string_value("Open \"Mobile\" Alliance\n")),
        record(Path::resource(3, 0, 1), Value::make_float(3.141592653589793)),
        record(Path::resource_instance(3, 0, 6, 0), Value::make_integer(-42)),
        record(Path::resource(3, 0, 7), Value::make_bytes(DataType::kOpaque, bytes_of(opaque))),
        record(Path::resource(3, 0, 8), Value::make_objlnk(65535, 65535), 1700000000),
    };
    const std::string whole = encode(Path::instance(3, 0), records);
    ASSERT_GT(whole.size(), 100u);

    const size_t offsets[] = {
        0, 1, 7, 15, 16, 17, 31, 64, 100, whole.size() - 16, whole.size() - 1, whole.size()};
    const Bytes whole_bytes(whole.begin(), whole.end());
    for (size_t offset : offsets) {
        expect_window(encode_senml_json, Path::instance(3, 0), records.source(), whole_bytes,
                      offset);
    }

    // Consecutive windows put back together give the whole payload.
    EXPECT_EQ(join_windows(encode_senml_json, Path::instance(3, 0), records.source(), whole_bytes,
                           0),
              whole_bytes);
}

// ---------------------------------------------------------------------------
// Decoder

TEST(SenmlJson, DecodesObjectInstanceWrite) {
    const std::string payload = R"([{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},)"
                                R"({"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"9","v":100},)"
                                R"({"n":"13","v":1367491215},{"n":"14","vs":"+02:00"}])";
    std::vector<Entry> entries;
    const auto type_of = [](const Path& path) {
        return path.ids[2] == 0 || path.ids[2] == 14 ? DataType::kString : DataType::kInteger;
    };

    ASSERT_EQ(decode(payload, Path::instance(3, 0), type_of, entries), Status::kNotFound);

    ASSERT_EQ(entries.size(), 6u);
    EXPECT_EQ(entries[0].path, Path::resource(3, 0, 0));
    EXPECT_EQ(entries[0].bytes, "Open Mobile Alliance");
    EXPECT_EQ(entries[1].path, Path::resource_instance(3, 0, 6, 0));
    EXPECT_EQ(entries[1].value.integer, 1);
    EXPECT_EQ(entries[2].path, Path::resource_instance(3, 0, 6, 1));
    EXPECT_EQ(entries[2].value.integer, 5);
    EXPECT_EQ(entries[4].path, Path::resource(3, 0, 13));
    EXPECT_EQ(entries[4].value.integer, 1367491215);
    EXPECT_EQ(entries[5].bytes, "+02:00");
    EXPECT_EQ(entries[5].timestamp_s, 0);
}

TEST(SenmlJson, DecodesReadCompositeRequestWithoutValues) {
    // Names that stop at an object or an instance, and records without a
    // value field, as a Read-Composite request carries them.
    const std::string payload = R"([{"bn":"/4/0/","n":"0"},{"n":"1"},{"bn":"/6/","n":"0"},)"
                                R"({"bn":"/3"}])";
    std::vector<Entry> entries;

    ASSERT_EQ(decode_as(payload, DataType::kInteger, entries), Status::kNotFound);

    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[0].path, Path::resource(4, 0, 0));
    EXPECT_EQ(entries[0].value.type, DataType::kNone);
    EXPECT_EQ(entries[1].path, Path::resource(4, 0, 1));
    EXPECT_EQ(entries[2].path, Path::instance(6, 0));
    EXPECT_EQ(entries[2].value.type, DataType::kNone);
    EXPECT_EQ(entries[3].path, Path::object(3));
}

TEST(SenmlJson, DecodesRfc8428DataValueExample) {
    // RFC 8428, 5.1.5: "aGkgCg" is "hi \n" (base64url, no padding).
    Value value;
    std::string bytes;
    ASSERT_EQ(
        decode_one(R"([{"bn":"/3/0/","n":"1","vd":"aGkgCg"}])", DataType::kOpaque, value, bytes),
        Status::kOk);
    EXPECT_EQ(value.type, DataType::kOpaque);
    EXPECT_EQ(bytes, "hi \n");
}

TEST(SenmlJson, ResolvesRfc8428RelativeTimes) {
    // RFC 8428, 5.1.2: a base time in the first record and later times relative
    // to it. The sum is absolute (at least 2^28), so "now" does not apply.
    const std::string payload =
        R"([{"bn":"/3303/0/","bt":1.276020076001e+09,"n":"5700","v":120.1},)"
        R"({"n":"5700","t":-5,"v":1.2},{"n":"5700","t":-1,"v":1.6},{"n":"5700","v":1.7}])";
    std::vector<Entry> entries;

    ASSERT_EQ(decode_as(payload, DataType::kFloat, entries), Status::kNotFound);

    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[0].timestamp_s, 1276020076);
    EXPECT_EQ(entries[1].timestamp_s, 1276020071);
    EXPECT_EQ(entries[1].value.floating, 1.2);
    EXPECT_EQ(entries[2].timestamp_s, 1276020075);
    EXPECT_EQ(entries[3].timestamp_s, 1276020076);
}

TEST(SenmlJson, ResolvesTimesBelow2Pow28AgainstNow) {
    const std::string payload = R"([{"bn":"/1/0/","n":"1","v":1,"t":-10},{"n":"1","v":2,"t":0.5},)"
                                R"({"n":"1","v":3,"t":268435456},{"n":"1","v":4}])";
    std::vector<Entry> entries;

    ASSERT_EQ(
        decode(
            payload, Path(), [](const Path&) { return DataType::kInteger; }, entries, 1700000000),
        Status::kNotFound);

    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[0].timestamp_s, 1699999990);  // 10 s before now
    EXPECT_EQ(entries[1].timestamp_s, 1700000000);  // fraction dropped
    EXPECT_EQ(entries[2].timestamp_s, 268435456);   // absolute from 2^28 on
    EXPECT_EQ(entries[3].timestamp_s, 0);           // no time field
}

TEST(SenmlJson, KeepsRelativeTimeWithoutClock) {
    std::vector<Entry> entries;
    ASSERT_EQ(decode_as(R"([{"bn":"/1/0/1","t":-10,"v":1}])", DataType::kInteger, entries),
              Status::kNotFound);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].timestamp_s, -10);
}

TEST(SenmlJson, InheritsBaseNameUntilChanged) {
    const std::string payload =
        R"([{"bn":"/3/0/","n":"1","v":1},{"n":"2","v":2},)"
        R"({"bn":"/4/0/","n":"3","v":3},{"n":"4","v":4},{"bn":"/5/0/1","v":5}])";
    std::vector<Entry> entries;

    ASSERT_EQ(decode_as(payload, DataType::kInteger, entries), Status::kNotFound);

    ASSERT_EQ(entries.size(), 5u);
    EXPECT_EQ(entries[1].path, Path::resource(3, 0, 2));
    EXPECT_EQ(entries[2].path, Path::resource(4, 0, 3));
    EXPECT_EQ(entries[3].path, Path::resource(4, 0, 4));
    EXPECT_EQ(entries[4].path, Path::resource(5, 0, 1));
}

TEST(SenmlJson, AcceptsAnyLayoutAndFieldOrder) {
    const std::string payload =
        " \n[ \t{ \"v\" : 5 , \"n\" :\"1\",\r\"bn\":\"/3/0/\" } ,\n"
        "{\"vs\":\"x\",\"n\":\"\\u0032\"}]\n ";
    std::vector<Entry> entries;
    const auto type_of = [](const Path& path) {
        return path.ids[2] == 1 ? DataType::kInteger : DataType::kString;
    };

    ASSERT_EQ(decode(payload, Path(), type_of, entries), Status::kNotFound);

    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].path, Path::resource(3, 0, 1));
    EXPECT_EQ(entries[0].value.integer, 5);
    EXPECT_EQ(entries[1].path, Path::resource(3, 0, 2));  // escaped name
    EXPECT_EQ(entries[1].bytes, "x");
}

TEST(SenmlJson, AcceptsEscapedKeys) {
    Value value;
    std::string bytes;
    ASSERT_EQ(
        decode_one(R"([{"\u0062n":"/3/0/","n":"1","\u0076":7}])", DataType::kInteger, value, bytes),
        Status::kOk);
    EXPECT_EQ(value.integer, 7);
}

TEST(SenmlJson, SkipsUnknownFields) {
    Value value;
    std::string bytes;
    ASSERT_EQ(decode_one(R"([{"bn":"/3/0/","u":"Cel","ut":10,"x":{"a":[1,{"b":null}]},)"
                         R"("l":[],"n":"1","v":7,"bver":10}])",
                         DataType::kInteger, value, bytes),
              Status::kOk);
    EXPECT_EQ(value.integer, 7);
}

TEST(SenmlJson, ConvertsNumbersToResourceType) {
    struct Case {
        const char* number;
        DataType type;
        Status expected;
        double floating;
        int64_t integer;
    };
    const Case cases[] = {
        {"5", DataType::kFloat, Status::kOk, 5.0, 0},
        {"-0", DataType::kFloat, Status::kOk, -0.0, 0},
        {"1.5e3", DataType::kFloat, Status::kOk, 1500.0, 0},
        {"1E-2", DataType::kFloat, Status::kOk, 0.01, 0},
        {"5.0", DataType::kInteger, Status::kOk, 0, 5},
        {"5e0", DataType::kInteger, Status::kOk, 0, 5},
        {"50e-1", DataType::kInteger, Status::kOk, 0, 5},
        {"-0.0", DataType::kInteger, Status::kOk, 0, 0},
        {"0.5e1", DataType::kInteger, Status::kOk, 0, 5},
        {"1.000000000000000000000000000", DataType::kInteger, Status::kOk, 0, 1},
        {"-9223372036854775808", DataType::kInteger, Status::kOk, 0, INT64_MIN},
        {"9223372036854775807", DataType::kTime, Status::kOk, 0, INT64_MAX},
        {"5.5", DataType::kInteger, Status::kMalformed, 0, 0},
        {"9223372036854775808", DataType::kInteger, Status::kMalformed, 0, 0},
        {"-9223372036854775809", DataType::kInteger, Status::kMalformed, 0, 0},
        {"1e19", DataType::kInteger, Status::kMalformed, 0, 0},
        {"1e400", DataType::kFloat, Status::kMalformed, 0, 0},
        {"-1e400", DataType::kFloat, Status::kMalformed, 0, 0},
        {"1e-400", DataType::kFloat, Status::kOk, 0.0, 0},
        {"1e99999999999999999999", DataType::kInteger, Status::kMalformed, 0, 0},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.number);
        Value value;
        std::string bytes;
        const std::string payload = std::string(R"([{"bn":"/3/0/1","v":)") + c.number + "}]";
        ASSERT_EQ(decode_one(payload, c.type, value, bytes), c.expected);
        if (c.expected != Status::kOk) {
            continue;
        }
        if (c.type == DataType::kFloat) {
            EXPECT_EQ(value.floating, c.floating);
            EXPECT_EQ(std::signbit(value.floating), std::signbit(c.floating));
        } else {
            EXPECT_EQ(value.integer, c.integer);
        }
    }
}

TEST(SenmlJson, ConvertsUnsignedRange) {
    Value value;
    std::string bytes;
    ASSERT_EQ(decode_one(R"([{"bn":"/3/0/1","v":18446744073709551615}])",
                         DataType::kUnsignedInteger, value, bytes),
              Status::kOk);
    EXPECT_EQ(value.unsigned_integer, UINT64_MAX);
    EXPECT_EQ(decode_one(R"([{"bn":"/3/0/1","v":18446744073709551616}])",
                         DataType::kUnsignedInteger, value, bytes),
              Status::kMalformed);
    EXPECT_EQ(decode_one(R"([{"bn":"/3/0/1","v":-1}])", DataType::kUnsignedInteger, value, bytes),
              Status::kMalformed);
}

TEST(SenmlJson, DecodesEscapedStringsIntoScratch) {
    Value value;
    std::string bytes;
    ASSERT_EQ(decode_one(R"([{"bn":"/3/0/1","vs":"a\n\"\\\/\u00e9\ud83d\ude00\u0000"}])",
                         DataType::kString, value, bytes),
              Status::kOk);
    EXPECT_EQ(bytes, std::string("a\n\"\\/\xc3\xa9\xf0\x9f\x98\x80", 11) + std::string(1, '\0'));
}

TEST(SenmlJson, ViewsUnescapedStringsInPayload) {
    const std::string payload = R"([{"bn":"/3/0/1","vs":"plain"}])";
    SenmlJsonDecoder decoder(bytes_of(payload), Path());
    Path path;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    Value value;
    ASSERT_EQ(decoder.read_value(DataType::kString, value), Status::kOk);
    EXPECT_EQ(string_of(value.bytes), "plain");
    EXPECT_EQ(reinterpret_cast<const char*>(value.bytes.data()), payload.data() + 22);
}

TEST(SenmlJson, ReportsScratchTooSmall) {
    const std::string payload = R"([{"bn":"/3/0/1","vd":"AAECAwQFBgc"}])";  // 8 bytes
    uint8_t scratch[7];
    SenmlJsonDecoder decoder(bytes_of(payload), Path(), scratch);
    Path path;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kOpaque, value), Status::kMessageTooLarge);

    uint8_t larger[8];
    SenmlJsonDecoder second(bytes_of(payload), Path(), larger);
    ASSERT_EQ(second.next_entry(path), Status::kOk);
    ASSERT_EQ(second.read_value(DataType::kOpaque, value), Status::kOk);
    EXPECT_EQ(value.bytes.size(), 8u);
    EXPECT_EQ(value.bytes[7], 7);
}

TEST(SenmlJson, DecodesBase64Variants) {
    struct Case {
        const char* text;
        Status expected;
        const char* decoded;
    };
    const Case cases[] = {
        {"", Status::kOk, ""},
        {"_-8", Status::kOk, "\xff\xef"},   // URL-safe alphabet
        {"/+8", Status::kOk, "\xff\xef"},   // standard alphabet
        {"/+8=", Status::kOk, "\xff\xef"},  // with padding
        {"aGkgCg==", Status::kOk, "hi \n"},
        {"aGkgCg=", Status::kMalformed, ""},    // padding to a length of 7
        {"aGkgC", Status::kMalformed, ""},      // length 4n + 1
        {"aGkgCh", Status::kMalformed, ""},     // nonzero unused bits
        {"aG=kgCg", Status::kMalformed, ""},    // data after padding
        {"aGkg Cg", Status::kMalformed, ""},    // space
        {"aGkgCg===", Status::kMalformed, ""},  // too much padding
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        Value value;
        std::string bytes;
        const std::string payload = std::string(R"([{"bn":"/3/0/1","vd":")") + c.text + "\"}]";
        ASSERT_EQ(decode_one(payload, DataType::kOpaque, value, bytes), c.expected);
        if (c.expected == Status::kOk) {
            EXPECT_EQ(bytes, c.decoded);
        }
    }
}

TEST(SenmlJson, DecodesObjlnk) {
    Value value;
    std::string bytes;
    ASSERT_EQ(
        decode_one(R"([{"bn":"/3/0/1","vlo":"65535:65535"}])", DataType::kObjlnk, value, bytes),
        Status::kOk);
    EXPECT_EQ(value.objlnk.object_id, 65535);
    EXPECT_EQ(value.objlnk.instance_id, 65535);
    const char* invalid[] = {"", ":", "1:", ":1", "1:2:3", "65536:0", "a:1", "1;2"};
    for (const char* text : invalid) {
        SCOPED_TRACE(text);
        const std::string payload = std::string(R"([{"bn":"/3/0/1","vlo":")") + text + "\"}]";
        EXPECT_EQ(decode_one(payload, DataType::kObjlnk, value, bytes), Status::kMalformed);
    }
}

TEST(SenmlJson, RejectsValueOfWrongType) {
    struct Case {
        const char* field;
        DataType type;
    };
    const Case cases[] = {
        {R"("v":1)", DataType::kBoolean},      {R"("v":1)", DataType::kString},
        {R"("vb":true)", DataType::kInteger},  {R"("vs":"1")", DataType::kInteger},
        {R"("vs":"1:2")", DataType::kObjlnk},  {R"("vd":"AA")", DataType::kString},
        {R"("vlo":"1:2")", DataType::kOpaque}, {R"("v":1)", DataType::kNone},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.field);
        Value value;
        std::string bytes;
        const std::string payload = std::string(R"([{"bn":"/3/0/1",)") + c.field + "}]";
        EXPECT_EQ(decode_one(payload, c.type, value, bytes), Status::kMalformed);
    }
}

TEST(SenmlJson, RejectsMalformedPayloads) {
    const char* payloads[] = {
        "",                                                  // empty
        "[",                                                 // truncated
        R"([{"bn":"/3/0/1","v":1})",                         // unterminated array
        R"([{"bn":"/3/0/1","v":1}]])",                       // trailing garbage
        R"([{"bn":"/3/0/1","v":1}] x)",                      // trailing garbage after space
        R"([{"bn":"/3/0/1","v":1},])",                       // trailing comma
        R"([{"bn":"/3/0/1","v":1,}])",                       // trailing comma in object
        R"({"bn":"/3/0/1","v":1})",                          // not an array
        R"([1])",                                            // record not an object
        R"([{"bn":"/3/0/1" "v":1}])",                        // missing comma
        R"([{"bn" "/3/0/1"}])",                              // missing colon
        R"([{"bn":"/3/0/1","v":01}])",                       // leading zero
        R"([{"bn":"/3/0/1","v":1.}])",                       // no fraction digits
        R"([{"bn":"/3/0/1","v":+1}])",                       // plus sign
        R"([{"bn":"/3/0/1","v":NaN}])",                      // not JSON
        R"([{"bn":"/3/0/1","v":Infinity}])",                 // not JSON
        R"([{"bn":"/3/0/1","v":"1"}])",                      // string where a number belongs
        R"([{"bn":"/3/0/1","vb":1}])",                       // number where a boolean belongs
        R"([{"bn":"/3/0/1","vs":1}])",                       // number where a string belongs
        R"([{"bn":3,"v":1}])",                               // base name not a string
        R"([{"bn":"/3/0/1","t":"1","v":1}])",                // time not a number
        R"([{"bn":"/3/0/1","v":1,"vs":"a"}])",               // two value fields
        R"([{"bn":"/3/0/1","v":1,"v":2}])",                  // repeated field
        R"([{"bn":"/3/0/","bn":"/3/0/","n":"1"}])",          // repeated base name
        R"([{"bn":"/3/0/1","v":1,"x_":1}])",                 // must-understand field
        R"([{"bn":"/3/0/1","v":1,"bv":1}])",                 // base value
        R"([{"bn":"/3/0/1","v":1,"bver":11}])",              // newer version
        R"([{"bn":"3/0/1","v":1}])",                         // no leading slash
        R"([{"bn":"/3/0/1/","v":1}])",                       // trailing slash
        R"([{"bn":"/3//1","v":1}])",                         // empty ID
        R"([{"bn":"/3/0/65535","v":1}])",                    // reserved ID
        R"([{"bn":"/3/0/1/2/3","v":1}])",                    // five IDs
        R"([{"bn":"/3/0","v":1}])",                          // value on an instance
        R"([{"bn":"/3/x/1","v":1}])",                        // not a number
        R"([{"n":"1","v":1}])",                              // relative name without base
        R"([{"v":1}])",                                      // no name
        R"([{"bn":"/3/0/1","vs":"\x"}])",                    // bad escape
        R"([{"bn":"/3/0/1","vs":"\ud800"}])",                // lone high surrogate
        R"([{"bn":"/3/0/1","vs":"\udc00"}])",                // lone low surrogate
        R"([{"bn":"/3/0/1","vs":"\u12"}])",                  // short \u escape
        "[{\"bn\":\"/3/0/1\",\"vs\":\"\x01\"}]",             // raw control character
        "[{\"bn\":\"/3/0/1\",\"vs\":\"\xff\"}]",             // invalid UTF-8
        "[{\"bn\":\"/3/0/1\",\"vs\":\"\xc3\"}]",             // truncated UTF-8
        "[{\"bn\":\"/3/0/1\",\"vs\":\"\xe0\x80\xaf\"}]",     // overlong UTF-8
        R"([{"bn":"/3/0/1","vs":"abc)",                      // unterminated string
        R"([{"bn":"/3/0/1","vb":tru}])",                     // truncated literal
        R"([{"bn":"/3/0/1","v":1,"x":[[[[[[[[1]]]]]]]]}])",  // nesting too deep
    };
    for (const char* payload : payloads) {
        SCOPED_TRACE(payload);
        EXPECT_EQ(first_status(payload), Status::kMalformed);
    }
}

TEST(SenmlJson, RejectsEveryTruncation) {
    const std::string payload =
        R"([{"bn":"/3/0/","n":"0","vs":"a\u00e9"},{"n":"1","vs":"b","t":-1.5e3},{"n":"2"}])";
    ASSERT_EQ(first_status(payload), Status::kNotFound);
    for (size_t length = 0; length < payload.size(); ++length) {
        SCOPED_TRACE(length);
        EXPECT_EQ(first_status(payload.substr(0, length)), Status::kMalformed);
    }
}

TEST(SenmlJson, RejectsPathOutsideRequestPath) {
    EXPECT_EQ(first_status(R"([{"bn":"/3/1/1","vs":"a"}])", Path::instance(3, 0)),
              Status::kMalformed);
    EXPECT_EQ(first_status(R"([{"bn":"/3/0/1","vs":"a"}])", Path::instance(3, 0)),
              Status::kNotFound);
}

TEST(SenmlJson, StaysMalformedAfterError) {
    const std::string payload = R"([{"bn":"/3/0/1","vs":"a"},{"bn":"/3/0/x","vs":"b"}])";
    SenmlJsonDecoder decoder(bytes_of(payload), Path());
    Path path;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(decoder.next_entry(path), Status::kMalformed);
    EXPECT_EQ(decoder.next_entry(path), Status::kMalformed);
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kString, value), Status::kInvalidState);
}

TEST(SenmlJson, ReadValueNeedsCurrentEntry) {
    const std::string payload = R"([])";
    SenmlJsonDecoder decoder(bytes_of(payload), Path());
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kString, value), Status::kInvalidState);
    Path path;
    EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);
    EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);
    EXPECT_EQ(decoder.read_value(DataType::kString, value), Status::kInvalidState);
}

TEST(SenmlJson, AcceptsNestingUpToLimit) {
    EXPECT_EQ(first_status(R"([{"bn":"/3/0/1","vs":"a","x":[[[[[[1]]]]]]}])"), Status::kNotFound);
}

// ---------------------------------------------------------------------------
// Round trips

TEST(SenmlJson, RoundTripsEveryType) {
    const uint8_t opaque[] = {0, 1, 2, 0xfe, 0xff};
    RecordList records;
    records.records = {
        record(Path::resource(9, 0, 0), Value::make_integer(-123456789012345)),
        record(Path::resource(9, 0, 1), Value::make_unsigned(UINT64_MAX - 1)),
        record(Path::resource(9, 0, 2), Value::make_float(6.02214076e23)),
        record(Path::resource(9, 0, 3), Value::make_boolean(true)),
        record(Path::resource(9, 0, 4), string_value("tab\there \xe2\x82\xac \"q\"")),
        record(Path::resource(9, 0, 5), Value::make_bytes(DataType::kOpaque, opaque)),
        record(Path::resource(9, 0, 6), Value::make_time(-86400), 1700000000),
        record(Path::resource(9, 0, 7), Value::make_objlnk(3, 65535)),
        record(Path::resource_instance(9, 0, 8, 3), string_value("</1>", DataType::kCorelnk)),
    };
    const DataType types[] = {DataType::kInteger, DataType::kUnsignedInteger, DataType::kFloat,
                              DataType::kBoolean, DataType::kString,          DataType::kOpaque,
                              DataType::kTime,    DataType::kObjlnk,          DataType::kCorelnk};
    const std::string payload = encode(Path::instance(9, 0), records);
    std::vector<Entry> entries;

    ASSERT_EQ(decode(
                  payload, Path::instance(9, 0),
                  [&](const Path& path) { return types[path.ids[2]]; }, entries),
              Status::kNotFound);

    ASSERT_EQ(entries.size(), records.records.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        SCOPED_TRACE(i);
        const Value& in = records.records[i].value;
        const Value& out = entries[i].value;
        EXPECT_EQ(entries[i].path, records.records[i].path);
        EXPECT_EQ(entries[i].timestamp_s, records.records[i].timestamp_s);
        ASSERT_EQ(out.type, in.type);
        EXPECT_EQ(entries[i].bytes, string_of(in.bytes));
    }
    EXPECT_EQ(entries[0].value.integer, -123456789012345);
    EXPECT_EQ(entries[1].value.unsigned_integer, UINT64_MAX - 1);
    EXPECT_EQ(entries[2].value.floating, 6.02214076e23);
    EXPECT_TRUE(entries[3].value.boolean);
    EXPECT_EQ(entries[6].value.time, -86400);
    EXPECT_EQ(entries[7].value.objlnk.object_id, 3);
    EXPECT_EQ(entries[7].value.objlnk.instance_id, 65535);
}

// ---------------------------------------------------------------------------
// Numbers

std::string format(double value) {
    char text[kJsonNumberMaxLength];
    return std::string(text, format_double(value, text));
}

bool parse(const std::string& text, double& value) {
    return json_number_to_double(bytes_of(text), value);
}

TEST(SenmlJson, FormatsShortestFloats) {
    EXPECT_EQ(format(0.1), "0.1");
    EXPECT_EQ(format(-0.0), "-0");
    EXPECT_EQ(format(1.0), "1");
    EXPECT_EQ(format(123.456), "123.456");
    EXPECT_EQ(format(1e17), "100000000000000000");
    EXPECT_EQ(format(1e18), "1e18");
    EXPECT_EQ(format(1.5e-7), "0.00000015");
    EXPECT_EQ(format(1.5e-17), "1.5e-17");
    EXPECT_EQ(format(0.000001), "0.000001");
    EXPECT_EQ(format(5e-324), "5e-324");
    EXPECT_EQ(format(1.7976931348623157e308), "1.7976931348623157e308");
    EXPECT_EQ(format(2.2250738585072014e-308), "2.2250738585072014e-308");
    EXPECT_EQ(format(9007199254740993.0), "9007199254740992");
    EXPECT_EQ(format(1e23), "1e23");
    EXPECT_EQ(format(0.3), "0.3");
    EXPECT_EQ(format(2.0 / 3.0), "0.6666666666666666");
}

TEST(SenmlJson, ParsesHalfwayCasesLikeStrtod) {
    const char* texts[] = {
        // 1 + 2^-53 exactly, then just above and below it.
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203125000000000001",
        "1.00000000000000011102230246251565404236316680908203124999999999999",
        // 2^-1074 / 2, the halfway point below the smallest subnormal.
        "2."
        "470328229206232720882843964341106861825299013071623822127928412503377536351043759326499181"
        "808179961898982823477228588654633283551779698981993873980053909390631503565951557022639229"
        "085839244910518443593180284993653615250031937045767824921936562366986365848075700158576926"
        "990370631192827955855133292783433840935197801553124659726357957462276646527282722005637400"
        "648549997709659947045402082816622623785739345073633900796776193057750674017632467360096895"
        "134053553745851666113422376667860416215968046191446729184030053005753084904876539171138659"
        "164623952491262365388187963623937328042389101867234849766823508986338858792562830275599565"
        "752445550725518931369083625477918694866799496832404970582102851318545139621383772282614543"
        "7693412532098591327667236328125",
        "2."
        "470328229206232720882843964341106861825299013071623822127928412503377536351043759326499181"
        "808179961898982823477228588654633283551779698981993873980053909390631503565951557022639229"
        "085839244910518443593180284993653615250031937045767824921936562366986365848075700158576926"
        "990370631192827955855133292783433840935197801553124659726357957462276646527282722005637400"
        "648549997709659947045402082816622623785739345073633900796776193057750674017632467360096895"
        "134053553745851666113422376667860416215968046191446729184030053005753084904876539171138659"
        "164623952491262365388187963623937328042389101867234849766823508986338858792562830275599565"
        "752445550725518931369083625477918694866799496832404970582102851318545139621383772282614543"
        "7693412532098591327667236328125e-324",
        "2."
        "470328229206232720882843964341106861825299013071623822127928412503377536351043759326499181"
        "808179961898982823477228588654633283551779698981993873980053909390631503565951557022639229"
        "085839244910518443593180284993653615250031937045767824921936562366986365848075700158576926"
        "990370631192827955855133292783433840935197801553124659726357957462276646527282722005637400"
        "648549997709659947045402082816622623785739345073633900796776193057750674017632467360096895"
        "134053553745851666113422376667860416215968046191446729184030053005753084904876539171138659"
        "164623952491262365388187963623937328042389101867234849766823508986338858792562830275599565"
        "752445550725518931369083625477918694866799496832404970582102851318545139621383772282614543"
        "7693412532098591327667236328126e-324",
        "1.7976931348623158079e308",  // just below the rounding limit to infinity
        "2.2250738585072011e-308",    // largest subnormal region
        "9007199254740993",
        "9007199254740995",
        "123456789012345678901234567890",
        "0.000000000000000000000000000000000000000000000001234",
        "4.9406564584124654e-324",
        "1e-323",
        "8.98846567431158e307",
    };
    for (const char* text : texts) {
        SCOPED_TRACE(text);
        double ours = 0;
        ASSERT_TRUE(parse(text, ours));
        const double reference = std::strtod(text, nullptr);
        EXPECT_EQ(std::memcmp(&ours, &reference, sizeof ours), 0) << ours << " vs " << reference;
    }
    double value = 0;
    EXPECT_FALSE(parse("1.7976931348623159e308", value));  // rounds to infinity
}

TEST(SenmlJson, FloatsRoundTripAgainstStrtod) {
    std::mt19937_64 random(12345);
    for (int i = 0; i < 200000; ++i) {
        uint64_t bits = random();
        if (i % 4 == 1) {
            bits &= 0x800FFFFFFFFFFFFFull;  // subnormals
        } else if (i % 4 == 2) {
            bits =
                (bits & 0x800FFFFFFFFFFFFFull) | (static_cast<uint64_t>(1023 + i % 60 - 30) << 52);
        }
        double value = 0;
        std::memcpy(&value, &bits, sizeof value);
        if (!std::isfinite(value)) {
            continue;
        }
        const std::string text = format(value);
        double back = 0;
        ASSERT_TRUE(parse(text, back)) << text;
        ASSERT_EQ(std::memcmp(&back, &value, sizeof value), 0) << text;
        const double reference = std::strtod(text.c_str(), nullptr);
        ASSERT_EQ(std::memcmp(&reference, &value, sizeof value), 0) << text;

        // Shortest: one significant digit fewer, correctly rounded by
        // printf, never reads back.
        std::string mantissa;
        for (char c : text.substr(0, text.find('e'))) {
            if (c >= '0' && c <= '9') {
                mantissa += c;
            }
        }
        mantissa.erase(0, mantissa.find_first_not_of('0'));
        mantissa.erase(mantissa.find_last_not_of('0') + 1);
        const int digits = static_cast<int>(mantissa.size());
        if (digits > 1) {
            char shorter[64];
            std::snprintf(shorter, sizeof shorter, "%.*e", digits - 2, value);
            ASSERT_NE(std::strtod(shorter, nullptr), value) << text << " vs " << shorter;
        }
    }
}

TEST(SenmlJson, ParsesRandomDecimalTextLikeStrtod) {
    std::mt19937_64 random(777);
    for (int i = 0; i < 50000; ++i) {
        std::string text = random() % 2 ? "-" : "";
        const int integer_digits = static_cast<int>(random() % 25);
        text += std::to_string(1 + random() % 9);
        for (int d = 0; d < integer_digits; ++d) {
            text += static_cast<char>('0' + random() % 10);
        }
        if (random() % 2) {
            text += '.';
            const int fraction_digits = 1 + static_cast<int>(random() % 30);
            for (int d = 0; d < fraction_digits; ++d) {
                text += static_cast<char>('0' + random() % 10);
            }
        }
        text += "e" + std::to_string(static_cast<int>(random() % 660) - 340);
        double ours = 0;
        const double reference = std::strtod(text.c_str(), nullptr);
        if (std::isinf(reference)) {
            EXPECT_FALSE(parse(text, ours)) << text;
            continue;
        }
        ASSERT_TRUE(parse(text, ours)) << text;
        ASSERT_EQ(std::memcmp(&ours, &reference, sizeof ours), 0) << text;
    }
}

// ---------------------------------------------------------------------------
// Differential tests against nlohmann::json

TEST(SenmlJson, EncoderOutputParsesWithNlohmann) {
    std::mt19937_64 random(99);
    RecordList records;
    std::vector<std::string> strings;
    strings.reserve(64);
    for (uint16_t i = 0; i < 64; ++i) {
        const Path path = Path::resource(3, 0, i);
        switch (i % 5) {
            case 0: {
                uint64_t bits = random();
                double value = 0;
                std::memcpy(&value, &bits, sizeof value);
                records.records.push_back(
                    record(path, Value::make_float(std::isfinite(value) ? value : 0.5)));
                break;
            }
            case 1:
                records.records.push_back(
                    record(path, Value::make_integer(static_cast<int64_t>(random()))));
                break;
            case 2:
                records.records.push_back(record(path, Value::make_unsigned(random())));
                break;
            case 3: {
                std::string text;
                for (int c = 0; c < 20; ++c) {
                    text += static_cast<char>(random() % 0x80);
                }
                strings.push_back(text);
                records.records.push_back(
                    record(path, Value::make_bytes(DataType::kString, bytes_of(strings.back()))));
                break;
            }
            default:
                records.records.push_back(
                    record(path, Value::make_boolean(random() % 2 == 0), 1700000000 + i));
                break;
        }
    }
    const std::string payload = encode(Path::instance(3, 0), records);

    const nlohmann::json parsed = nlohmann::json::parse(payload);

    ASSERT_TRUE(parsed.is_array());
    ASSERT_EQ(parsed.size(), records.records.size());
    EXPECT_EQ(parsed[0]["bn"], "/3/0/");
    size_t string_index = 0;
    for (size_t i = 0; i < parsed.size(); ++i) {
        SCOPED_TRACE(i);
        const nlohmann::json& item = parsed[i];
        const Value& value = records.records[i].value;
        EXPECT_EQ(item["n"], std::to_string(i));
        EXPECT_EQ(item.contains("bn"), i == 0);
        switch (value.type) {
            case DataType::kFloat:
                EXPECT_EQ(item["v"].get<double>(), value.floating);
                break;
            case DataType::kInteger:
                EXPECT_EQ(item["v"].get<int64_t>(), value.integer);
                break;
            case DataType::kUnsignedInteger:
                EXPECT_EQ(item["v"].get<uint64_t>(), value.unsigned_integer);
                break;
            case DataType::kString:
                EXPECT_EQ(item["vs"].get<std::string>(), strings[string_index++]);
                break;
            default:
                EXPECT_EQ(item["vb"].get<bool>(), value.boolean);
                EXPECT_EQ(item["t"].get<int64_t>(), records.records[i].timestamp_s);
                break;
        }
    }
}

TEST(SenmlJson, DecodesNlohmannOutput) {
    std::mt19937_64 random(4242);
    nlohmann::json pack = nlohmann::json::array();
    std::vector<double> floats;
    std::vector<std::string> strings;
    for (int i = 0; i < 40; ++i) {
        nlohmann::json item;
        if (i == 0) {
            item["bn"] = "/3/0/";
        }
        item["n"] = std::to_string(i);
        if (i % 2 == 0) {
            uint64_t bits = random();
            double value = 0;
            std::memcpy(&value, &bits, sizeof value);
            value = std::isfinite(value) ? value : 1.0 / (i + 1);
            floats.push_back(value);
            item["v"] = value;
        } else {
            std::string text = "\xc3\xa9\t\"\\";
            for (int c = 0; c < 10; ++c) {
                text += static_cast<char>(random() % 0x80);
            }
            strings.push_back(text);
            item["vs"] = text;
        }
        pack.push_back(item);
    }
    // nlohmann::json objects sort their keys ("bn" < "n" < "v" < "vs"), so an
    // ordered_json copy writes "v" or "vs" first to vary the order as well.
    nlohmann::ordered_json reversed = nlohmann::ordered_json::array();
    for (const auto& item : pack) {
        nlohmann::ordered_json copy;
        for (auto it = item.rbegin(); it != item.rend(); ++it) {
            copy[it.key()] = *it;
        }
        reversed.push_back(copy);
    }
    const std::string layouts[] = {pack.dump(), pack.dump(4), reversed.dump(),
                                   reversed.dump(1, '\t'), pack.dump(-1, ' ', true)};

    for (const std::string& payload : layouts) {
        SCOPED_TRACE(payload.substr(0, 80));
        std::vector<Entry> entries;
        ASSERT_EQ(decode(
                      payload, Path::instance(3, 0),
                      [](const Path& path) {
                          return path.ids[2] % 2 == 0 ? DataType::kFloat : DataType::kString;
                      },
                      entries),
                  Status::kNotFound);
        ASSERT_EQ(entries.size(), 40u);
        for (size_t i = 0; i < entries.size(); ++i) {
            EXPECT_EQ(entries[i].path, Path::resource(3, 0, static_cast<uint16_t>(i)));
            if (i % 2 == 0) {
                EXPECT_EQ(entries[i].value.floating, floats[i / 2]) << i;
            } else {
                EXPECT_EQ(entries[i].bytes, strings[i / 2]) << i;
            }
        }
    }
}

}  // namespace
}  // namespace lwm2m::io
