// LwM2M CBOR content format (Content-Format 11544): wire examples, round
// trips of every type, array keys and other nestings, Block2-style
// streaming, malformed input, and differential tests against an independent
// CBOR walker written here and against nlohmann::json::to_cbor.
#include "io/lwm2m_cbor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "codec_test_support.hpp"
#include "decoder_checks.hpp"
#include "io/cbor_value.hpp"

namespace lwm2m::io {
namespace {

Bytes encode(const Path& request, const RecordList& list) {
    Bytes payload;
    EXPECT_EQ(encode_to(encode_lwm2m_cbor, request, list.source(), payload), Status::kOk);
    return payload;
}

Status encode_status(const Path& request, const RecordSource& source) {
    uint8_t window[256];
    PayloadSink sink(window);
    return encode_lwm2m_cbor(request, source, sink);
}

using Entry = DecodedEntry;

// Decodes every entry, reading each value as `type_of(path)`. Returns the
// status that ended the loop: kNotFound for a complete payload.
template <typename TypeOf>
Status decode(const Bytes& payload, const Path& request, TypeOf type_of,
              std::vector<Entry>& entries) {
    Lwm2mCborDecoder decoder(payload, request);
    return decode_entries(decoder, type_of, entries);
}

Status decode_as(const Bytes& payload, DataType type, std::vector<Entry>& entries,
                 const Path& request = Path()) {
    return decode(
        payload, request, [type](const Path&) { return type; }, entries);
}

const std::string kManufacturer = "Open Mobile Alliance";

RecordList device_records() {
    return {{
        OutputRecord{Path::resource(3, 0, 0),
                     Value::make_bytes(DataType::kString, bytes_of(kManufacturer))},
        OutputRecord{Path::resource_instance(3, 0, 7, 0), Value::make_integer(3800)},
        OutputRecord{Path::resource_instance(3, 0, 7, 1), Value::make_integer(5000)},
        OutputRecord{Path::resource(3, 0, 9), Value::make_integer(95)},
    }};
}

// ---------------------------------------------------------------------------
// Encoder

TEST(Lwm2mCbor, EncodesInstanceFromObjectLevel) {
    const Bytes expected = concat({
        from_hex("a1"),            // map(1): Object IDs
        from_hex("03"),            // 3
        from_hex("a1"),            // map(1): instances
        from_hex("00"),            // 0
        from_hex("a3"),            // map(3): resources
        from_hex("00"),            // 0
        text_item(kManufacturer),  // "Open Mobile Alliance"
        from_hex("07"),            // 7
        from_hex("a2"),            // map(2): resource instances
        from_hex("00"),            // 0
        from_hex("190ed8"),        // 3800
        from_hex("01"),            // 1
        from_hex("191388"),        // 5000
        from_hex("09"),            // 9
        from_hex("185f"),          // 95
    });
    EXPECT_EQ(encode(Path::instance(3, 0), device_records()), expected);
}

TEST(Lwm2mCbor, SingleResourceKeepsFullPath) {
    RecordList list{{OutputRecord{Path::resource(3, 0, 9), Value::make_integer(95)}}};
    // {3: {0: {9: 95}}}
    EXPECT_EQ(encode(Path::resource(3, 0, 9), list), from_hex("a103a100a109185f"));
}

TEST(Lwm2mCbor, RootRequestWithTwoObjects) {
    RecordList list{{
        OutputRecord{Path::resource(1, 0, 1), Value::make_integer(86400)},
        OutputRecord{Path::resource(3, 0, 9), Value::make_integer(95)},
    }};
    // {1: {0: {1: 86400}}, 3: {0: {9: 95}}}
    const Bytes expected =
        concat({from_hex("a2"), from_hex("01a100a1011a00015180"), from_hex("03a100a109185f")});
    EXPECT_EQ(encode(Path{}, list), expected);
}

TEST(Lwm2mCbor, NoRecordsGiveEmptyMap) {
    EXPECT_EQ(encode(Path::object(3), RecordList{}), from_hex("a0"));
}

// The resource map of a Server Object Instance from an LwM2M Core 1.2
// LwM2M CBOR example (Short Server ID 101, lifetime 86400 s, binding "U").
// The {1: {0: ...}} around it is this encoder's nesting, not the example's.
TEST(Lwm2mCbor, SpecServerInstanceExample) {
    const std::string binding = "U";
    RecordList list{{
        OutputRecord{Path::resource(1, 0, 0), Value::make_integer(101)},
        OutputRecord{Path::resource(1, 0, 1), Value::make_integer(86400)},
        OutputRecord{Path::resource(1, 0, 2), Value::make_integer(300)},
        OutputRecord{Path::resource(1, 0, 3), Value::make_integer(6000)},
        OutputRecord{Path::resource(1, 0, 5), Value::make_integer(86400)},
        OutputRecord{Path::resource(1, 0, 6), Value::make_boolean(true)},
        OutputRecord{Path::resource(1, 0, 7),
                     Value::make_bytes(DataType::kString, bytes_of(binding))},
    }};
    const Bytes resources = from_hex(
        "a7"            // map(7)
        "001865"        // 0: 101
        "011a00015180"  // 1: 86400
        "0219012c"      // 2: 300
        "03191770"      // 3: 6000
        "051a00015180"  // 5: 86400
        "06f5"          // 6: true
        "076155");      // 7: "U"
    EXPECT_EQ(encode(Path::instance(1, 0), list), concat({from_hex("a101a100"), resources}));

    std::vector<Entry> entries;
    const auto type_of = [](const Path& path) {
        return path.ids[2] == 6   ? DataType::kBoolean
               : path.ids[2] == 7 ? DataType::kString
                                  : DataType::kInteger;
    };
    ASSERT_EQ(
        decode(concat({from_hex("a101a100"), resources}), Path::instance(1, 0), type_of, entries),
        Status::kNotFound);
    ASSERT_EQ(entries.size(), 7u);
    EXPECT_EQ(entries[1].path, Path::resource(1, 0, 1));
    EXPECT_EQ(entries[1].value.integer, 86400);
    EXPECT_TRUE(entries[5].value.boolean);
    EXPECT_EQ(entries[6].bytes, "U");
}

TEST(Lwm2mCbor, EncoderRejectsBadRecords) {
    const std::vector<RecordList> cases = {
        {{OutputRecord{Path::resource(4, 0, 0), Value::make_integer(1)}}},  // outside
        {{OutputRecord{Path::resource(3, 0, 0), Value{}}}},                 // kNone
        {{OutputRecord{Path::instance(3, 0), Value::make_integer(1)}}},     // not a resource
        {{OutputRecord{Path::resource(3, 0, 2), Value::make_integer(1)},
          OutputRecord{Path::resource(3, 0, 1), Value::make_integer(1)}}},  // descending
        {{OutputRecord{Path::resource(3, 0, 1), Value::make_integer(1)},
          OutputRecord{Path::resource(3, 0, 1), Value::make_integer(2)}}},  // duplicate
        {{OutputRecord{Path::resource(3, 0, 7), Value::make_integer(1)},
          OutputRecord{Path::resource_instance(3, 0, 7, 0), Value::make_integer(2)}}},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(encode_status(Path::instance(3, 0), cases[i].source()), Status::kInvalidArgument);
    }
}

TEST(Lwm2mCbor, EncoderReportsFailingSource) {
    for (size_t failing_index : {size_t{0}, size_t{1}}) {
        SCOPED_TRACE(failing_index);
        RecordSource source;
        source.count = 2;
        source.context = &failing_index;
        source.get = [](const void* context, size_t index, OutputRecord& record) {
            record = OutputRecord{Path::resource(3, 0, static_cast<uint16_t>(index)),
                                  Value::make_integer(1)};
            return index != *static_cast<const size_t*>(context);
        };
        EXPECT_EQ(encode_status(Path::instance(3, 0), source), Status::kInvalidState);
    }
    RecordSource no_function;
    no_function.count = 1;
    EXPECT_EQ(encode_status(Path{}, no_function), Status::kInvalidState);
}

TEST(Lwm2mCbor, StreamsThroughSmallWindows) {
    const RecordList list = device_records();
    const Bytes whole = encode(Path::instance(3, 0), list);
    for (size_t skip : {size_t{0}, size_t{1}, size_t{5}, size_t{16}, size_t{20}, whole.size() - 3,
                        whole.size()}) {
        expect_window(encode_lwm2m_cbor, Path::instance(3, 0), list.source(), whole, skip);
    }
}

// ---------------------------------------------------------------------------
// Round trips

bool same_value(const Value& a, const Value& b) {
    return fuzz::same_value(a, b, fuzz::NanMatch::kSameBits);
}

const std::string kOpaque("\x00\x01\xfe\xff", 4);
const std::string kLink = "</3/0>";
const std::string kShortText = "ab";

RecordList every_type_records() {
    return {{
        OutputRecord{Path::resource(5, 0, 0), Value::make_integer(-1)},
        OutputRecord{Path::resource(5, 0, 1), Value::make_integer(INT64_MIN)},
        OutputRecord{Path::resource(5, 0, 2), Value::make_integer(INT64_MAX)},
        OutputRecord{Path::resource(5, 0, 3), Value::make_unsigned(UINT64_MAX)},
        OutputRecord{Path::resource(5, 0, 4), Value::make_float(3.3)},
        OutputRecord{Path::resource(5, 0, 5), Value::make_float(1.5)},
        OutputRecord{Path::resource(5, 0, 6), Value::make_float(-1.0e300)},
        OutputRecord{Path::resource(5, 0, 7), Value::make_float(0.1f)},
        OutputRecord{Path::resource(5, 0, 8), Value::make_boolean(false)},
        OutputRecord{Path::resource(5, 0, 9),
                     Value::make_bytes(DataType::kString, bytes_of(kShortText))},
        OutputRecord{Path::resource(5, 0, 10),
                     Value::make_bytes(DataType::kOpaque, bytes_of(kOpaque))},
        OutputRecord{Path::resource(5, 0, 11), Value::make_time(1700000000)},
        OutputRecord{Path::resource(5, 0, 12), Value::make_time(-5)},
        OutputRecord{Path::resource(5, 0, 13), Value::make_objlnk(65535, 0)},
        OutputRecord{Path::resource(5, 0, 14),
                     Value::make_bytes(DataType::kCorelnk, bytes_of(kLink))},
        OutputRecord{Path::resource(5, 0, 15), Value::make_bytes(DataType::kString, {})},
        OutputRecord{Path::resource_instance(5, 65534, 16, 65534), Value::make_boolean(true)},
    }};
}

TEST(Lwm2mCbor, RoundTripsEveryType) {
    const RecordList list = every_type_records();
    const Bytes payload = encode(Path::object(5), list);
    std::vector<Entry> entries;
    size_t index = 0;
    const auto type_of = [&](const Path&) { return list.records[index++].value.type; };
    ASSERT_EQ(decode(payload, Path::object(5), type_of, entries), Status::kNotFound);
    ASSERT_EQ(entries.size(), list.records.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(entries[i].path, list.records[i].path);
        EXPECT_TRUE(same_value(entries[i].value, list.records[i].value));
    }
}

TEST(Lwm2mCbor, TimeIsTaggedInteger) {
    RecordList list{{OutputRecord{Path::resource(3, 0, 13), Value::make_time(1700000000)}}};
    // {3: {0: {13: 1(1700000000)}}}
    EXPECT_EQ(encode(Path::instance(3, 0), list), from_hex("a103a100a10dc11a6553f100"));
}

// ---------------------------------------------------------------------------
// Decoder: nestings

struct NestingCase {
    const char* name;
    Bytes payload;
};

TEST(Lwm2mCbor, DecodesEveryNesting) {
    // Every payload contains /13/26/1 = 42 and /13/26/2 = 21.
    const std::vector<NestingCase> cases = {
        {"nested maps", from_hex("a10da1181aa201182a0215")},
        {"one array key", from_hex("a1820d181aa201182a0215")},
        {"full paths", from_hex("a2830d181a01182a830d181a0215")},
        {"mixed", from_hex("a2820d181aa101182a830d181a0215")},
        {"single-ID arrays", from_hex("a1810da181181aa2810118"
                                      "2a810215")},
        {"indefinite maps", from_hex("bf0dbf181abf01182a0215ffffff")},
        {"indefinite array key", from_hex("bf9f0d181affbf01182a0215ffff")},
        {"object then array", from_hex("a10da282181a01182a82181a0215")},
        {"split in two maps", from_hex("a2820d181aa101182a0da1181aa10215")},
    };
    for (const NestingCase& test : cases) {
        SCOPED_TRACE(test.name);
        std::vector<Entry> entries;
        ASSERT_EQ(decode_as(test.payload, DataType::kInteger, entries, Path::instance(13, 26)),
                  Status::kNotFound);
        ASSERT_EQ(entries.size(), 2u);
        EXPECT_EQ(entries[0].path, Path::resource(13, 26, 1));
        EXPECT_EQ(entries[0].value.integer, 42);
        EXPECT_EQ(entries[1].path, Path::resource(13, 26, 2));
        EXPECT_EQ(entries[1].value.integer, 21);
    }
}

TEST(Lwm2mCbor, DecodesValueEncodings) {
    // {[3, 0, 1]: 4([-1, 45])}: a decimal fraction, 4.5.
    std::vector<Entry> entries;
    ASSERT_EQ(decode_as(from_hex("a183030001c48220182d"), DataType::kFloat, entries),
              Status::kNotFound);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].value.floating, 4.5);

    // {[3, 0, 1]: (_ "ab", "c")}: a chunked text string.
    ASSERT_EQ(decode_as(from_hex("a1830300017f6261626163ff"), DataType::kString, entries),
              Status::kNotFound);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].bytes, "abc");

    // {[3, 0, 1]: 2.5 as a half float} read as an integer fails, as a float works.
    EXPECT_EQ(decode_as(from_hex("a183030001f94100"), DataType::kInteger, entries),
              Status::kMalformed);
    EXPECT_EQ(decode_as(from_hex("a183030001f94100"), DataType::kFloat, entries),
              Status::kNotFound);
}

TEST(Lwm2mCbor, NullValuesDecodeAsNone) {
    // {3: {0: null, 1: {5: null, 6: 1}}}: nulls at an instance and a resource.
    const Bytes payload = from_hex("a103a200f601a205f60601");
    std::vector<Entry> entries;
    ASSERT_EQ(decode_as(payload, DataType::kInteger, entries), Status::kNotFound);
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].path, Path::instance(3, 0));
    EXPECT_EQ(entries[0].value.type, DataType::kNone);
    EXPECT_EQ(entries[1].path, Path::resource(3, 1, 5));
    EXPECT_EQ(entries[1].value.type, DataType::kNone);
    EXPECT_EQ(entries[2].value.integer, 1);
}

TEST(Lwm2mCbor, EmptyMapsHaveNoEntries) {
    std::vector<Entry> entries;
    EXPECT_EQ(decode_as(from_hex("a0"), DataType::kInteger, entries), Status::kNotFound);
    EXPECT_TRUE(entries.empty());
    EXPECT_EQ(decode_as(from_hex("a103a100a0"), DataType::kInteger, entries), Status::kNotFound);
    EXPECT_TRUE(entries.empty());
    EXPECT_EQ(decode_as(from_hex("bfff"), DataType::kInteger, entries), Status::kNotFound);
}

TEST(Lwm2mCbor, DecoderCallOrder) {
    const Bytes payload = from_hex("a103a100a109185f");
    Lwm2mCborDecoder decoder(payload, Path::instance(3, 0));
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kInteger, value), Status::kInvalidState);
    Path path;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    ASSERT_EQ(decoder.read_value(DataType::kInteger, value), Status::kOk);
    EXPECT_EQ(value.integer, 95);
    // A second read of the same entry returns the same value.
    ASSERT_EQ(decoder.read_value(DataType::kUnsignedInteger, value), Status::kOk);
    EXPECT_EQ(value.unsigned_integer, 95u);
    EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);
    EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);
    EXPECT_EQ(decoder.read_value(DataType::kInteger, value), Status::kInvalidState);
    EXPECT_EQ(decoder.timestamp_s(), 0);
}

TEST(Lwm2mCbor, MalformedPayloadsRejected) {
    const std::vector<std::pair<const char*, Bytes>> cases = {
        {"empty", {}},
        {"array root", from_hex("80")},
        {"integer root", from_hex("01")},
        {"text key", concat({from_hex("a1"), text_item("3"), from_hex("a100a10101")})},
        {"negative key", from_hex("a120a100a10101")},
        {"key 65535", from_hex("a119ffffa100a10101")},
        {"empty array key", from_hex("a180a100a10101")},
        {"text in array key", concat({from_hex("a182"), text_item("3"), from_hex("00a10101")})},
        {"nested array key", from_hex("a182810300a10101")},
        {"tagged key", from_hex("a1c103a100a10101")},
        {"five IDs", from_hex("a185030001020301")},
        {"five IDs in maps", from_hex("a103a100a101a102a10301")},
        {"value at object", from_hex("a10301")},
        {"value at instance", from_hex("a103a10001")},
        {"outside request", from_hex("a104a100a10101")},
        {"trailing byte", from_hex("a103a100a1010100")},
        {"truncated value", from_hex("a103a100a10118")},
        {"truncated map", from_hex("a203a100a10101")},
        {"break for a value", from_hex("bf03a100a101ff")},
        {"bare array value", from_hex("a103a100a101820102")},
        {"map after tag", from_hex("a103a100a101c1a0")},
        {"break in definite map", from_hex("a103a100a101ff")},
        {"reserved additional info", from_hex("a103a100a1011c")},
        {"two roots", from_hex("a0a0")},
    };
    for (const auto& [name, payload] : cases) {
        SCOPED_TRACE(name);
        std::vector<Entry> entries;
        EXPECT_EQ(decode_as(payload, DataType::kInteger, entries, Path::object(3)),
                  Status::kMalformed);
    }
}

TEST(Lwm2mCbor, ErrorIsSticky) {
    // {3: {0: {1: 1, "x": 2}}}: the second key is text.
    const Bytes payload = concat({from_hex("a103a100a20101"), text_item("x"), from_hex("02")});
    Lwm2mCborDecoder decoder(payload, Path{});
    Path path;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(decoder.next_entry(path), Status::kMalformed);
    EXPECT_EQ(decoder.next_entry(path), Status::kMalformed);
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kInteger, value), Status::kInvalidState);
}

TEST(Lwm2mCbor, LongChunkedStringTooLarge) {
    Bytes payload = from_hex("a1830300017f");
    for (int chunk = 0; chunk < 5; ++chunk) {
        const Bytes part = text_item(std::string(20, 'a'));
        payload.insert(payload.end(), part.begin(), part.end());
    }
    payload.push_back(0xff);
    Lwm2mCborDecoder decoder(payload, Path{});
    Path path;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kString, value), Status::kMessageTooLarge);
    EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);
}

TEST(Lwm2mCbor, NestingPastReaderLimitRejected) {
    // {[3, 0, 1]: 1(1(...(0)))}: more tags in a row than the reader accepts.
    Bytes payload = from_hex("a183030001");
    payload.insert(payload.end(), cbor::kMaxNesting + 1, 0xc1);
    payload.push_back(0x00);
    std::vector<Entry> entries;
    EXPECT_EQ(decode_as(payload, DataType::kTime, entries), Status::kMalformed);
}

// ---------------------------------------------------------------------------
// Differential tests

// A small CBOR reader written for these tests, independent of CborReader:
// definite and indefinite lengths, every major type, no validation beyond
// what the walk needs.
struct CborItem {
    enum Kind { kUnsigned, kNegative, kBytes, kText, kArray, kMap, kTag, kSimple, kFloat };
    Kind kind = kUnsigned;
    uint64_t number = 0;  // unsigned value, -1 - value, tag, or simple value
    double floating = 0;
    std::string bytes;
    std::vector<CborItem> items;  // array items, map keys and values, tag content
};

class TestCborParser {
  public:
    explicit TestCborParser(const Bytes& input) : input_(input) {}

    CborItem parse() {
        const uint8_t initial = input_.at(offset_++);
        const int major = initial >> 5;
        const int info = initial & 0x1f;
        CborItem item;
        item.kind = static_cast<CborItem::Kind>(major);
        if (major == 7) {
            return parse_simple(info);
        }
        const bool indefinite = info == 31;
        const uint64_t argument = indefinite ? 0 : read_argument(info);
        switch (major) {
            case 0:
            case 1:
            case 6:
                item.number = argument;
                if (major == 6) {
                    item.items.push_back(parse());
                }
                return item;
            case 2:
            case 3:
                if (!indefinite) {
                    item.bytes = take(argument);
                    return item;
                }
                while (input_.at(offset_) != 0xff) {
                    item.bytes += parse().bytes;
                }
                ++offset_;
                return item;
            default: {
                const uint64_t count = major == 5 ? 2 * argument : argument;
                for (uint64_t i = 0; indefinite ? input_.at(offset_) != 0xff : i < count; ++i) {
                    item.items.push_back(parse());
                }
                offset_ += indefinite ? 1 : 0;
                return item;
            }
        }
    }

    bool at_end() const { return offset_ == input_.size(); }

  private:
    uint64_t read_argument(int info) {
        if (info < 24) {
            return static_cast<uint64_t>(info);
        }
        uint64_t value = 0;
        for (int i = 0; i < (1 << (info - 24)); ++i) {
            value = (value << 8) | input_.at(offset_++);
        }
        return value;
    }

    std::string take(uint64_t length) {
        std::string result(input_.begin() + static_cast<long>(offset_),
                           input_.begin() + static_cast<long>(offset_ + length));
        offset_ += length;
        return result;
    }

    CborItem parse_simple(int info) {
        CborItem item;
        item.kind = CborItem::kSimple;
        item.number = static_cast<uint64_t>(info);
        if (info < 25) {
            return item;
        }
        const uint64_t bits = read_argument(info);
        item.kind = CborItem::kFloat;
        if (info == 25) {
            // Half precision as RFC 8949, appendix D describes it.
            const int exponent = (bits >> 10) & 0x1f;
            const double mantissa = static_cast<double>(bits & 0x3ff);
            double value = exponent == 0    ? std::ldexp(mantissa, -24)
                           : exponent == 31 ? (mantissa == 0 ? INFINITY : NAN)
                                            : std::ldexp(mantissa + 1024, exponent - 25);
            item.floating = (bits & 0x8000) != 0 ? -value : value;
        } else if (info == 26) {
            float single = 0;
            const uint32_t narrow = static_cast<uint32_t>(bits);
            std::memcpy(&single, &narrow, sizeof single);
            item.floating = single;
        } else {
            std::memcpy(&item.floating, &bits, sizeof item.floating);
        }
        return item;
    }

    const Bytes& input_;
    size_t offset_ = 0;
};

struct WalkedEntry {
    Path path;
    CborItem value;
};

// Flattens LwM2M CBOR maps into entries.
void walk(const CborItem& map, Path prefix, std::vector<WalkedEntry>& out) {
    ASSERT_EQ(map.kind, CborItem::kMap);
    for (size_t i = 0; i + 1 < map.items.size(); i += 2) {
        Path path = prefix;
        const CborItem& key = map.items[i];
        std::vector<CborItem> ids =
            key.kind == CborItem::kArray ? key.items : std::vector<CborItem>{key};
        for (const CborItem& id : ids) {
            ASSERT_EQ(id.kind, CborItem::kUnsigned);
            ASSERT_LT(path.length, 4);
            path.ids[path.length++] = static_cast<uint16_t>(id.number);
        }
        const CborItem& value = map.items[i + 1];
        if (value.kind == CborItem::kMap) {
            walk(value, path, out);
        } else {
            out.push_back({path, value});
        }
    }
}

// Checks that `item`, as read by the test parser, carries `value`.
void expect_item_matches(const CborItem& item, const Value& value) {
    switch (value.type) {
        case DataType::kInteger:
            if (value.integer >= 0) {
                EXPECT_EQ(item.kind, CborItem::kUnsigned);
                EXPECT_EQ(item.number, static_cast<uint64_t>(value.integer));
            } else {
                EXPECT_EQ(item.kind, CborItem::kNegative);
                EXPECT_EQ(item.number, static_cast<uint64_t>(-1 - value.integer));
            }
            return;
        case DataType::kUnsignedInteger:
            EXPECT_EQ(item.kind, CborItem::kUnsigned);
            EXPECT_EQ(item.number, value.unsigned_integer);
            return;
        case DataType::kFloat:
            EXPECT_EQ(item.kind, CborItem::kFloat);
            EXPECT_EQ(item.floating, value.floating);
            return;
        case DataType::kBoolean:
            EXPECT_EQ(item.kind, CborItem::kSimple);
            EXPECT_EQ(item.number, value.boolean ? 21u : 20u);
            return;
        case DataType::kString:
        case DataType::kCorelnk:
            EXPECT_EQ(item.kind, CborItem::kText);
            EXPECT_EQ(item.bytes, string_of(value.bytes));
            return;
        case DataType::kOpaque:
            EXPECT_EQ(item.kind, CborItem::kBytes);
            EXPECT_EQ(item.bytes, string_of(value.bytes));
            return;
        case DataType::kTime:
            ASSERT_EQ(item.kind, CborItem::kTag);
            EXPECT_EQ(item.number, 1u);
            ASSERT_EQ(item.items.size(), 1u);
            expect_item_matches(item.items[0], Value::make_integer(value.time));
            return;
        case DataType::kObjlnk:
            EXPECT_EQ(item.kind, CborItem::kText);
            EXPECT_EQ(item.bytes, std::to_string(value.objlnk.object_id) + ":" +
                                      std::to_string(value.objlnk.instance_id));
            return;
        case DataType::kNone:
            break;
    }
    ADD_FAILURE() << "record of type kNone";
}

// Random records in ascending order, no record below another.
RecordList random_records(std::mt19937& random, std::vector<std::string>& storage) {
    std::vector<Path> paths;
    const int count = std::uniform_int_distribution<int>(1, 12)(random);
    std::uniform_int_distribution<int> small_id(0, 3);
    for (int i = 0; i < count; ++i) {
        Path path = Path::resource(static_cast<uint16_t>(small_id(random)),
                                   static_cast<uint16_t>(small_id(random)),
                                   static_cast<uint16_t>(small_id(random) * 300));
        if (path.ids[2] == 600) {
            path = Path::resource_instance(path.ids[0], path.ids[1], 600,
                                           static_cast<uint16_t>(small_id(random)));
        }
        paths.push_back(path);
    }
    std::sort(paths.begin(), paths.end(), [](const Path& a, const Path& b) {
        return std::lexicographical_compare(a.ids, a.ids + a.length, b.ids, b.ids + b.length);
    });
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());

    RecordList list;
    const RecordList types = every_type_records();
    storage.reserve(paths.size());
    for (const Path& path : paths) {
        const size_t pick = random() % types.records.size();
        Value value = types.records[pick].value;
        if (!value.bytes.empty() || value.type == DataType::kString) {
            storage.push_back(std::string(random() % 30, static_cast<char>('a' + pick)));
            value.bytes = bytes_of(storage.back());
        }
        list.records.push_back(OutputRecord{path, value});
    }
    return list;
}

// Differential: the encoder's output, read by the independent walker, has
// every record at its path with its value.
TEST(Lwm2mCbor, EncodedPayloadsMatchIndependentWalker) {
    std::mt19937 random(11544);
    for (int round = 0; round < 300; ++round) {
        SCOPED_TRACE(round);
        std::vector<std::string> storage;
        const RecordList list = random_records(random, storage);
        const Bytes payload = encode(Path{}, list);

        TestCborParser parser(payload);
        const CborItem root = parser.parse();
        EXPECT_TRUE(parser.at_end());
        std::vector<WalkedEntry> walked;
        walk(root, Path{}, walked);
        ASSERT_EQ(walked.size(), list.records.size());
        for (size_t i = 0; i < walked.size(); ++i) {
            EXPECT_EQ(walked[i].path, list.records[i].path);
            expect_item_matches(walked[i].value, list.records[i].value);
        }
    }
}

// Writes `list` with random key groupings. At each level, a run of records
// under one key either nests a map or folds several levels into an array
// key. Definite and indefinite lengths are mixed.
class RandomNestingWriter {
  public:
    RandomNestingWriter(std::mt19937& random, const RecordList& list)
        : random_(random), list_(list) {}

    Bytes write() {
        write_map(0, 0, list_.records.size());
        return out_;
    }

  private:
    bool coin() { return (random_() & 1) != 0; }

    void head(int major, uint64_t argument) {
        if (argument < 24) {
            out_.push_back(static_cast<uint8_t>(major << 5 | argument));
            return;
        }
        out_.push_back(static_cast<uint8_t>(major << 5 | 27));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out_.push_back(static_cast<uint8_t>(argument >> shift));
        }
    }

    const Path& path(size_t i) const { return list_.records[i].path; }

    void write_map(uint8_t level, size_t begin, size_t end) {
        // Runs of records that share the ID at `level`.
        std::vector<std::pair<size_t, size_t>> runs;
        for (size_t i = begin; i < end;) {
            size_t next = i + 1;
            while (next < end && path(next).ids[level] == path(i).ids[level]) {
                ++next;
            }
            runs.emplace_back(i, next);
            i = next;
        }
        // A run may also be split into one pair per record, each with its own key.
        std::vector<std::pair<size_t, size_t>> pairs;
        for (const auto& run : runs) {
            if (coin() && run.second - run.first > 1) {
                for (size_t i = run.first; i < run.second; ++i) {
                    pairs.emplace_back(i, i + 1);
                }
            } else {
                pairs.push_back(run);
            }
        }
        const bool indefinite = coin();
        indefinite ? out_.push_back(0xbf) : head(5, pairs.size());
        for (const auto& [first, last] : pairs) {
            // The key covers the levels that every record of the pair shares.
            uint8_t shared = path(first).length;
            for (size_t i = first + 1; i < last; ++i) {
                uint8_t common = 0;
                while (common < path(i).length && path(i).ids[common] == path(first).ids[common]) {
                    ++common;
                }
                shared = std::min(shared, common);
            }
            const uint8_t key_end = static_cast<uint8_t>(level + 1 + random_() % (shared - level));
            write_key(path(first), level, key_end);
            if (key_end == path(first).length) {
                write_value(list_.records[first].value);
            } else {
                write_map(key_end, first, last);
            }
        }
        if (indefinite) {
            out_.push_back(0xff);
        }
    }

    void write_key(const Path& key, uint8_t from, uint8_t to) {
        if (to - from == 1 && coin()) {
            head(0, key.ids[from]);
            return;
        }
        const bool indefinite = coin();
        indefinite ? out_.push_back(0x9f) : head(4, to - from);
        for (uint8_t i = from; i < to; ++i) {
            head(0, key.ids[i]);
        }
        if (indefinite) {
            out_.push_back(0xff);
        }
    }

    void write_value(const Value& value) {
        uint8_t window[256];
        PayloadSink sink(window);
        cbor::CborWriter writer(sink);
        ASSERT_TRUE(cbor::write_value(writer, value));
        out_.insert(out_.end(), sink.kept().begin(), sink.kept().end());
    }

    std::mt19937& random_;
    const RecordList& list_;
    Bytes out_;
};

// The decoder returns the same entries for random nestings of one record set.
TEST(Lwm2mCbor, DecodesRandomNestings) {
    std::mt19937 random(1543);
    for (int round = 0; round < 500; ++round) {
        SCOPED_TRACE(round);
        std::vector<std::string> storage;
        const RecordList list = random_records(random, storage);
        const Bytes payload = RandomNestingWriter(random, list).write();

        std::vector<Entry> entries;
        size_t index = 0;
        const auto type_of = [&](const Path&) {
            return list.records[std::min(index++, list.records.size() - 1)].value.type;
        };
        ASSERT_EQ(decode(payload, Path{}, type_of, entries), Status::kNotFound);
        ASSERT_EQ(entries.size(), list.records.size());
        for (size_t i = 0; i < entries.size(); ++i) {
            EXPECT_EQ(entries[i].path, list.records[i].path);
            EXPECT_TRUE(same_value(entries[i].value, list.records[i].value));
        }
    }
}

// Differential: values written by nlohmann::json::to_cbor, in whatever width
// it picks, decode to the same numbers and strings at a resource.
TEST(Lwm2mCbor, DecodesNlohmannValues) {
    const std::vector<nlohmann::json> numbers = {0,      23,   24,      255,        256, 65536,
                                                 -1,     -500, -65537,  4294967296, 1.5, -0.25,
                                                 1.0e10, 3.3,  65504.0, 1.0e-300};
    for (const nlohmann::json& json : numbers) {
        SCOPED_TRACE(json.dump());
        std::vector<Entry> entries;
        const Bytes fixed = concat({from_hex("a183030001"), nlohmann::json::to_cbor(json)});
        ASSERT_EQ(decode_as(fixed, DataType::kFloat, entries), Status::kNotFound);
        ASSERT_EQ(entries.size(), 1u);
        EXPECT_EQ(entries[0].value.floating, json.get<double>());
        if (json.is_number_integer()) {
            ASSERT_EQ(decode_as(fixed, DataType::kInteger, entries), Status::kNotFound);
            EXPECT_EQ(entries[0].value.integer, json.get<int64_t>());
        }
    }
    for (const std::string& text :
         std::vector<std::string>{"", "x", std::string(23, 'a'), std::string(300, 'b')}) {
        const Bytes payload = concat({from_hex("a183030001"), nlohmann::json::to_cbor(text)});
        std::vector<Entry> entries;
        ASSERT_EQ(decode_as(payload, DataType::kString, entries), Status::kNotFound);
        ASSERT_EQ(entries.size(), 1u);
        EXPECT_EQ(entries[0].bytes, text);
    }
}

// The fuzz seeds are valid payloads: each decodes to its end, every entry
// with one of the data types.
TEST(Lwm2mCbor, FuzzSeedsDecodeCompletely) {
    const std::vector<FuzzSeed> seeds = fuzz_seeds("lwm2m_cbor_decoder");
    for (const FuzzSeed& seed : seeds) {
        SCOPED_TRACE(seed.file_name);
        Lwm2mCborDecoder decoder(seed.bytes, Path{});
        EXPECT_EQ(decode_with_any_type(decoder, seed.bytes.size()), Status::kNotFound);
    }
    EXPECT_GE(seeds.size(), 5u);
}

}  // namespace
}  // namespace lwm2m::io
