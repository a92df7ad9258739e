// SenML CBOR content format (RFC 8428, section 6; Content-Format 112).
#include "io/senml_cbor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "codec_test_support.hpp"

namespace lwm2m::io {
namespace {

Bytes encode(const Path& request, const RecordList& list) {
    Bytes payload;
    EXPECT_EQ(encode_to(encode_senml_cbor, request, list.source(), payload), Status::kOk);
    return payload;
}

struct Entry {
    Path path;
    Value value;
    int64_t timestamp_s;
};

// Decodes every entry, reading each value as `types[i]` (the last type
// repeats); stops at the first error and returns it.
Status decode_all(const Bytes& payload, const Path& request, std::vector<DataType> types,
                  std::vector<Entry>& entries, int64_t now_s = 0) {
    SenmlCborDecoder decoder(payload, request, now_s);
    entries.clear();
    for (size_t i = 0; i < 64; ++i) {
        Entry entry{};
        const Status next = decoder.next_entry(entry.path);
        if (next == Status::kNotFound) {
            return Status::kOk;
        }
        if (next != Status::kOk) {
            return next;
        }
        const DataType type = types[std::min(i, types.size() - 1)];
        const Status read = decoder.read_value(type, entry.value);
        if (read != Status::kOk) {
            return read;
        }
        entry.timestamp_s = decoder.timestamp_s();
        entries.push_back(entry);
    }
    return Status::kInvalidState;
}

const std::string kManufacturer = "Open Mobile Alliance";

RecordList device_records() {
    return {{
        OutputRecord{Path::resource(3, 0, 0),
                     Value::make_bytes(DataType::kString, bytes_of(kManufacturer))},
        OutputRecord{Path::resource(3, 0, 9), Value::make_integer(95)},
        OutputRecord{Path::resource_instance(3, 0, 7, 1), Value::make_float(3.3), 1700000000},
        OutputRecord{Path::resource(3, 0, 20), Value::make_boolean(true)},
        OutputRecord{Path::resource(3, 0, 21), Value::make_objlnk(4, 1)},
    }};
}

TEST(SenmlCbor, EncodesInstanceWithBaseName) {
    const Bytes expected = concat({
        from_hex("85"),  // array of 5 records
        from_hex("a3"),  // map of 3 pairs
        from_hex("21"),
        text_item("/3/0/"),  // bn: "/3/0/"
        from_hex("00"),
        text_item("0"),  // n: "0"
        from_hex("03"),
        text_item(kManufacturer),  // vs
        from_hex("a2"),            // map of 2 pairs
        from_hex("00"),
        text_item("9"),      // n: "9"
        from_hex("02185f"),  // v: 95
        from_hex("a3"),      // map of 3 pairs
        from_hex("00"),
        text_item("7/1"),                  // n: "7/1"
        from_hex("061a6553f100"),          // t: 1700000000
        from_hex("02fb400a666666666666"),  // v: 3.3 as double
        from_hex("a2"),
        from_hex("00"),
        text_item("20"),
        from_hex("04f5"),  // vb: true
        from_hex("a2"),
        from_hex("00"),
        text_item("21"),
        text_item("vlo"),
        text_item("4:1"),  // vlo: "4:1"
    });
    EXPECT_EQ(encode(Path::instance(3, 0), device_records()), expected);
}

TEST(SenmlCbor, SingleResourceUsesParentAsBase) {
    RecordList list{{OutputRecord{Path::resource(3, 0, 9), Value::make_unsigned(7)}}};
    const Bytes expected = concat({from_hex("81a3"), from_hex("21"), text_item("/3/0/"),
                                   from_hex("00"), text_item("9"), from_hex("0207")});
    EXPECT_EQ(encode(Path::resource(3, 0, 9), list), expected);
}

TEST(SenmlCbor, RootRequestUsesAbsoluteNames) {
    const std::string data = "\x01\x02";
    RecordList list{{OutputRecord{Path::resource(5, 0, 0),
                                  Value::make_bytes(DataType::kOpaque, bytes_of(data))}}};
    const Bytes expected = concat({from_hex("81a2"), from_hex("00"), text_item("/5/0/0"),
                                   from_hex("08420102")});  // vd: h'0102'
    EXPECT_EQ(encode(Path{}, list), expected);
}

TEST(SenmlCbor, EncoderRejectsBadRecords) {
    uint8_t window[64];
    PayloadSink sink(window);
    RecordList outside{{OutputRecord{Path::resource(4, 0, 0), Value::make_integer(1)}}};
    EXPECT_EQ(encode_senml_cbor(Path::instance(3, 0), outside.source(), sink),
              Status::kInvalidArgument);
    RecordList none{{OutputRecord{Path::resource(3, 0, 0), Value{}}}};
    EXPECT_EQ(encode_senml_cbor(Path::instance(3, 0), none.source(), sink),
              Status::kInvalidArgument);
    RecordSource failing;
    failing.count = 2;
    failing.get = [](const void*, size_t index, OutputRecord& record) {
        record = OutputRecord{Path::resource(3, 0, 0), Value::make_integer(1)};
        return index == 0;
    };
    EXPECT_EQ(encode_senml_cbor(Path::instance(3, 0), failing, sink), Status::kInvalidState);
}

TEST(SenmlCbor, RoundTrip) {
    const Bytes payload = encode(Path::instance(3, 0), device_records());
    std::vector<Entry> entries;
    ASSERT_EQ(decode_all(payload, Path::instance(3, 0),
                         {DataType::kString, DataType::kInteger, DataType::kFloat,
                          DataType::kBoolean, DataType::kObjlnk},
                         entries),
              Status::kOk);
    ASSERT_EQ(entries.size(), 5u);
    EXPECT_EQ(entries[0].path, Path::resource(3, 0, 0));
    EXPECT_EQ(std::string(entries[0].value.bytes.begin(), entries[0].value.bytes.end()),
              kManufacturer);
    EXPECT_EQ(entries[1].value.integer, 95);
    EXPECT_EQ(entries[2].path, Path::resource_instance(3, 0, 7, 1));
    EXPECT_EQ(entries[2].value.floating, 3.3);
    EXPECT_EQ(entries[2].timestamp_s, 1700000000);
    EXPECT_EQ(entries[1].timestamp_s, 0);
    EXPECT_TRUE(entries[3].value.boolean);
    EXPECT_EQ(entries[4].value.objlnk.object_id, 4);
    EXPECT_EQ(entries[4].value.objlnk.instance_id, 1);
}

TEST(SenmlCbor, StreamsThroughSmallWindows) {
    const RecordList list = device_records();
    const Bytes whole = encode(Path::instance(3, 0), list);
    for (size_t skip : {size_t{0}, size_t{5}, size_t{16}, size_t{40}, whole.size() - 3}) {
        expect_window(encode_senml_cbor, Path::instance(3, 0), list.source(), whole, skip);
    }
}

TEST(SenmlCbor, BaseFieldsCarryOver) {
    // [{2: 1, 0: "1", -3: 1700000000, -2: "/3/0/"}, {6: 5, 0: "2", 2: 2},
    //  {-2: "/4/0/", 0: "0", 2: 3}]
    const Bytes payload = concat({
        from_hex("83"),   from_hex("a4"),           from_hex("0201"), from_hex("00"),
        text_item("1"),   from_hex("221a6553f100"), from_hex("21"),   text_item("/3/0/"),
        from_hex("a3"),   from_hex("0605"),         from_hex("00"),   text_item("2"),
        from_hex("0202"), from_hex("a3"),           from_hex("21"),   text_item("/4/0/"),
        from_hex("00"),   text_item("0"),           from_hex("0203"),
    });
    std::vector<Entry> entries;
    ASSERT_EQ(decode_all(payload, Path{}, {DataType::kInteger}, entries), Status::kOk);
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].path, Path::resource(3, 0, 1));
    EXPECT_EQ(entries[0].timestamp_s, 1700000000);
    EXPECT_EQ(entries[1].path, Path::resource(3, 0, 2));
    EXPECT_EQ(entries[1].timestamp_s, 1700000005);  // bt + t
    EXPECT_EQ(entries[2].path, Path::resource(4, 0, 0));
    EXPECT_EQ(entries[2].value.integer, 3);
}

TEST(SenmlCbor, RelativeTimeUsesNow) {
    // [{0: "/3/0/1", 6: -10, 2: 1}]: 10 s before now.
    const Bytes payload = concat({from_hex("81a3"), from_hex("00"), text_item("/3/0/1"),
                                  from_hex("0629"), from_hex("0201")});
    std::vector<Entry> entries;
    ASSERT_EQ(decode_all(payload, Path{}, {DataType::kInteger}, entries, 1700000000), Status::kOk);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].timestamp_s, 1699999990);
}

TEST(SenmlCbor, IndefiniteLengthItems) {
    // [_ {_ 0: (_ "/3/0", "/1"), 3: (_ "ab", "c")}, {_ 0: "/3/0/2", 2: 4([-1, 15])}]
    const Bytes payload = concat({
        from_hex("9f"),         from_hex("bf"),  from_hex("00"), from_hex("7f"),
        text_item("/3/0"),      text_item("/1"), from_hex("ff"), from_hex("03"),
        from_hex("7f"),         text_item("ab"), text_item("c"), from_hex("ff"),
        from_hex("ff"),         from_hex("bf"),  from_hex("00"), text_item("/3/0/2"),
        from_hex("02c482200f"), from_hex("ff"),  from_hex("ff"),
    });
    SenmlCborDecoder decoder(payload, Path::instance(3, 0));
    Path path;
    Value value;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(path, Path::resource(3, 0, 1));
    ASSERT_EQ(decoder.read_value(DataType::kString, value), Status::kOk);
    EXPECT_EQ(std::string(value.bytes.begin(), value.bytes.end()), "abc");
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(path, Path::resource(3, 0, 2));
    ASSERT_EQ(decoder.read_value(DataType::kFloat, value), Status::kOk);
    EXPECT_EQ(value.floating, 1.5);
    EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);
}

TEST(SenmlCbor, ValueTypeMustMatchLabel) {
    // [{0: "/3/0/1", 3: "x"}] read as an integer.
    const Bytes payload = concat(
        {from_hex("81a2"), from_hex("00"), text_item("/3/0/1"), from_hex("03"), text_item("x")});
    std::vector<Entry> entries;
    EXPECT_EQ(decode_all(payload, Path{}, {DataType::kInteger}, entries), Status::kMalformed);
    EXPECT_EQ(decode_all(payload, Path{}, {DataType::kString}, entries), Status::kOk);
}

TEST(SenmlCbor, BaseValueAddsToValue) {
    // [{-5: 10, 0: "/3/0/1", 2: 5}]
    const Bytes payload = concat({from_hex("81a3"), from_hex("240a"), from_hex("00"),
                                  text_item("/3/0/1"), from_hex("0205")});
    std::vector<Entry> entries;
    ASSERT_EQ(decode_all(payload, Path{}, {DataType::kInteger}, entries), Status::kOk);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].value.integer, 15);
}

TEST(SenmlCbor, MalformedPacksRejected) {
    const Bytes name = concat({from_hex("00"), text_item("/3/0/1")});
    const std::vector<Bytes> cases = {
        {},                                                                    // empty
        from_hex("a0"),                                                        // not an array
        from_hex("8101"),                                                      // record not a map
        concat({from_hex("81a2"), name, from_hex("02")}),                      // truncated value
        concat({from_hex("81a3"), name, from_hex("0201"), from_hex("0302")}),  // vs not text
        concat({from_hex("81a3"), name, from_hex("0201"), from_hex("0402")}),  // two values
        concat({from_hex("81a3"), name, name, from_hex("0201")}),              // duplicate label
        concat({from_hex("81a3"), name, from_hex("0201"), from_hex("0901")}),  // label 9
        concat({from_hex("81a3"), name, from_hex("0201"), from_hex("2701")}),  // label -8
        concat({from_hex("81a3"), name, from_hex("0201"), text_item("x_"), from_hex("01")}),
        concat({from_hex("81a3"), name, from_hex("0201"), from_hex("200b")}),  // bver 11
        concat({from_hex("81a2"), from_hex("00"), text_item("3/0/1"), from_hex("0201")}),
        concat({from_hex("81a2"), from_hex("00"), text_item("/3/0/1/2/3"), from_hex("0201")}),
        concat({from_hex("81a2"), from_hex("00"), text_item("/3/65536"), from_hex("0201")}),
        concat({from_hex("81a2"), from_hex("00"), text_item("/3//1"), from_hex("0201")}),
        concat(
            {from_hex("81a2"), from_hex("00"), text_item("/4/0/1"), from_hex("0201")}),  // outside
        concat({from_hex("81a2"), name, from_hex("0201"), from_hex("00")}),  // trailing byte
        concat({from_hex("81a1"), name, from_hex("ff")}),    // break in a definite map
        concat({from_hex("81bf"), name, from_hex("02ff")}),  // key without value
        concat({from_hex("81a2"), name, from_hex("021c")}),  // reserved AI 28
    };
    for (size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE(i);
        std::vector<Entry> entries;
        EXPECT_EQ(decode_all(cases[i], Path::object(3), {DataType::kInteger}, entries),
                  Status::kMalformed);
    }
}

TEST(SenmlCbor, UnknownTextLabelsAndUnusedFieldsSkipped) {
    // [{0: "/3/0/1", "foo": [1, 2], 1: "Cel", 2: 1, -1: 10}]
    const Bytes payload = concat({from_hex("81a5"), from_hex("00"), text_item("/3/0/1"),
                                  text_item("foo"), from_hex("820102"), from_hex("01"),
                                  text_item("Cel"), from_hex("0201"), from_hex("200a")});
    std::vector<Entry> entries;
    ASSERT_EQ(decode_all(payload, Path{}, {DataType::kInteger}, entries), Status::kOk);
    EXPECT_EQ(entries.size(), 1u);
}

TEST(SenmlCbor, NestingPastLimitRejected) {
    Bytes deep = concat(
        {from_hex("81a3"), from_hex("00"), text_item("/3/0/1"), from_hex("0201"), text_item("x")});
    deep.insert(deep.end(), cbor::kMaxNesting, 0x81);
    deep.push_back(0x00);
    std::vector<Entry> entries;
    EXPECT_EQ(decode_all(deep, Path{}, {DataType::kInteger}, entries), Status::kMalformed);
}

// Differential: values written by nlohmann::json::to_cbor, in whatever
// width it picks, decode to the same numbers inside a SenML record.
TEST(SenmlCbor, DecodesNlohmannValues) {
    const std::vector<nlohmann::json> values = {0,          24,  255,   65536,  -1,  -500,
                                                4294967296, 1.5, -0.25, 1.0e10, 3.3, 65504.0};
    for (const nlohmann::json& json : values) {
        SCOPED_TRACE(json.dump());
        const Bytes payload = concat({from_hex("81a2"), from_hex("00"), text_item("/3/0/1"),
                                      from_hex("02"), nlohmann::json::to_cbor(json)});
        std::vector<Entry> entries;
        ASSERT_EQ(decode_all(payload, Path{}, {DataType::kFloat}, entries), Status::kOk);
        ASSERT_EQ(entries.size(), 1u);
        EXPECT_EQ(entries[0].value.floating, json.get<double>());
    }
}

// Differential: nlohmann-json reads our text labels and values. It accepts
// only text map keys, so the check covers a pack whose only label is "vlo".
TEST(SenmlCbor, ObjlnkRecordParsedByNlohmann) {
    RecordList list{{OutputRecord{Path::resource(3, 0, 1), Value::make_objlnk(65535, 0)}}};
    const Bytes payload = encode(Path::resource(3, 0, 1), list);
    // Skip the array head, the map head and the bn and n pairs.
    const Bytes vlo(payload.end() - 1 - 3 - 1 - 7, payload.end());
    EXPECT_EQ(nlohmann::json::from_cbor(concat({from_hex("a1"), vlo})),
              nlohmann::json({{"vlo", "65535:0"}}));
}

}  // namespace
}  // namespace lwm2m::io
