// LwM2M 1.0 JSON decoder (Content-Format 11543): example payloads, every
// value type, base name rules, malformed input, and a differential test on
// payloads written by nlohmann::json.
#include "io/lwm2m_json.hpp"

#include <gtest/gtest.h>

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

namespace lwm2m::io {
namespace {

using Entry = DecodedEntry;

// Decodes every entry, reading each value as `type_of(path)`. Returns the
// status that ended the loop: kNotFound for a complete payload.
template <typename TypeOf>
Status decode(const std::string& payload, const Path& request, TypeOf type_of,
              std::vector<Entry>& entries, size_t scratch_size = 256) {
    std::vector<uint8_t> scratch(scratch_size);
    Lwm2mJsonDecoder decoder(bytes_of(payload), request, scratch);
    return decode_entries(decoder, type_of, entries);
}

Status decode_as(const std::string& payload, DataType type, std::vector<Entry>& entries,
                 const Path& request = Path()) {
    return decode(
        payload, request, [type](const Path&) { return type; }, entries);
}

// Resource types of the Device object (3) used below.
DataType device_type(const Path& path) {
    switch (path.ids[2]) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 14:
        case 15:
        case 16:
            return DataType::kString;
        case 13:
            return DataType::kTime;
        default:
            return DataType::kInteger;
    }
}

// A Device Object Instance in the shape of the LwM2M 1.0 Read example:
// base name "/3/0/", names relative to it, multiple resources as "6/0".
const char kDeviceInstance[] = R"({"bn":"/3/0/",
 "e":[
  {"n":"0","sv":"Open Mobile Alliance"},
  {"n":"1","sv":"Lightweight M2M Client"},
  {"n":"2","sv":"345000123"},
  {"n":"3","sv":"1.0"},
  {"n":"6/0","v":1},
  {"n":"6/1","v":5},
  {"n":"7/0","v":3800},
  {"n":"7/1","v":5000},
  {"n":"9","v":100},
  {"n":"11/0","v":0},
  {"n":"13","v":1367491215},
  {"n":"14","sv":"+02:00"},
  {"n":"16","sv":"U"}]
})";

TEST(Lwm2mJson, DecodesDeviceInstance) {
    std::vector<Entry> entries;
    ASSERT_EQ(decode(kDeviceInstance, Path::instance(3, 0), device_type, entries),
              Status::kNotFound);
    ASSERT_EQ(entries.size(), 13u);
    EXPECT_EQ(entries[0].path, Path::resource(3, 0, 0));
    EXPECT_EQ(entries[0].bytes, "Open Mobile Alliance");
    EXPECT_EQ(entries[5].path, Path::resource_instance(3, 0, 6, 1));
    EXPECT_EQ(entries[5].value.integer, 5);
    EXPECT_EQ(entries[10].path, Path::resource(3, 0, 13));
    EXPECT_EQ(entries[10].value.type, DataType::kTime);
    EXPECT_EQ(entries[10].value.time, 1367491215);
    EXPECT_EQ(entries[12].bytes, "U");
    EXPECT_EQ(entries[12].timestamp_s, 0);
}

TEST(Lwm2mJson, DecodesEveryValueField) {
    const std::string payload =
        R"({"bn":"/3/0/","e":[{"n":"1","v":-12.5},{"n":"2","sv":"a\"b\u00e9"},)"
        R"({"n":"3","bv":true},{"n":"4","ov":"3:0"},{"n":"5","bv":false}]})";
    std::vector<Entry> entries;
    const auto type_of = [](const Path& path) {
        const DataType types[] = {DataType::kNone,    DataType::kFloat,  DataType::kString,
                                  DataType::kBoolean, DataType::kObjlnk, DataType::kBoolean};
        return types[path.ids[2]];
    };
    ASSERT_EQ(decode(payload, Path::instance(3, 0), type_of, entries), Status::kNotFound);
    ASSERT_EQ(entries.size(), 5u);
    EXPECT_EQ(entries[0].value.floating, -12.5);
    EXPECT_EQ(entries[1].bytes, "a\"b\xc3\xa9");  // decoded into the scratch buffer
    EXPECT_TRUE(entries[2].value.boolean);
    EXPECT_EQ(entries[3].value.objlnk.object_id, 3);
    EXPECT_EQ(entries[3].value.objlnk.instance_id, 0);
    EXPECT_FALSE(entries[4].value.boolean);
}

TEST(Lwm2mJson, NumbersConvertToResourceType) {
    const std::string payload = R"({"e":[{"n":"/5/0/1","v":18446744073709551615}]})";
    std::vector<Entry> entries;
    ASSERT_EQ(decode_as(payload, DataType::kUnsignedInteger, entries), Status::kNotFound);
    EXPECT_EQ(entries[0].value.unsigned_integer, UINT64_MAX);
    EXPECT_EQ(decode_as(payload, DataType::kInteger, entries), Status::kMalformed);
    ASSERT_EQ(decode_as(payload, DataType::kFloat, entries), Status::kNotFound);
    EXPECT_EQ(entries[0].value.floating, 18446744073709551615.0);

    const std::string exponent = R"({"e":[{"n":"/5/0/1","v":5e2}]})";
    ASSERT_EQ(decode_as(exponent, DataType::kInteger, entries), Status::kNotFound);
    EXPECT_EQ(entries[0].value.integer, 500);
    const std::string fraction = R"({"e":[{"n":"/5/0/1","v":0.5}]})";
    EXPECT_EQ(decode_as(fraction, DataType::kInteger, entries), Status::kMalformed);
}

TEST(Lwm2mJson, OpaqueIsBase64InStringValue) {
    // "AAH+/w==" is the bytes 00 01 fe ff, "AAH-_w" the same in base64url.
    for (const char* text : {"AAH+/w==", "AAH-_w"}) {
        SCOPED_TRACE(text);
        const std::string payload =
            std::string(R"({"bn":"/5/0/0","e":[{"sv":")") + text + R"("}]})";
        std::vector<Entry> entries;
        ASSERT_EQ(decode_as(payload, DataType::kOpaque, entries), Status::kNotFound);
        ASSERT_EQ(entries.size(), 1u);
        EXPECT_EQ(entries[0].path, Path::resource(5, 0, 0));
        EXPECT_EQ(entries[0].bytes, std::string("\x00\x01\xfe\xff", 4));
    }
}

TEST(Lwm2mJson, ScratchTooSmall) {
    const std::string escaped = R"({"e":[{"n":"/3/0/0","sv":"\u00e9\u00e9\u00e9"}]})";
    std::vector<Entry> entries;
    const auto as_string = [](const Path&) { return DataType::kString; };
    EXPECT_EQ(decode(escaped, Path{}, as_string, entries, 5), Status::kMessageTooLarge);
    EXPECT_EQ(decode(escaped, Path{}, as_string, entries, 6), Status::kNotFound);

    const std::string opaque = R"({"e":[{"n":"/3/0/0","sv":"AAECAw=="}]})";
    const auto as_opaque = [](const Path&) { return DataType::kOpaque; };
    EXPECT_EQ(decode(opaque, Path{}, as_opaque, entries, 3), Status::kMessageTooLarge);
    EXPECT_EQ(decode(opaque, Path{}, as_opaque, entries, 4), Status::kNotFound);

    // Strings without escapes view the payload and need no scratch buffer.
    const std::string plain = R"({"e":[{"n":"/3/0/0","sv":"plain"}]})";
    EXPECT_EQ(decode(plain, Path{}, as_string, entries, 0), Status::kNotFound);
}

TEST(Lwm2mJson, BaseNameAndNameJoin) {
    struct Case {
        const char* base_name;  // nullptr for none
        const char* name;       // nullptr for none
        Path expected;
    };
    const Case cases[] = {
        {"/3/0/", "1", Path::resource(3, 0, 1)},
        {"/3/0", "1", Path::resource(3, 0, 1)},  // joined with a slash
        {"/3/0", "/1", Path::resource(3, 0, 1)},
        {"/3/", "0/7/1", Path::resource_instance(3, 0, 7, 1)},
        {"/", "3/0/1", Path::resource(3, 0, 1)},
        {nullptr, "/3/0/1", Path::resource(3, 0, 1)},
        {"/3/0/1", nullptr, Path::resource(3, 0, 1)},
        {"/3/0/1", "", Path::resource(3, 0, 1)},
        {R"(\/3\/0\/)", R"(\u0031)", Path::resource(3, 0, 1)},  // escapes
        {"/3/0/", "65534", Path::resource(3, 0, 65534)},
    };
    for (const Case& test : cases) {
        std::string payload = "{";
        if (test.base_name != nullptr) {
            payload += std::string(R"("bn":")") + test.base_name + "\",";
        }
        payload += R"("e":[{)";
        if (test.name != nullptr) {
            payload += std::string(R"("n":")") + test.name + "\",";
        }
        payload += R"("v":1}]})";
        SCOPED_TRACE(payload);
        std::vector<Entry> entries;
        ASSERT_EQ(decode_as(payload, DataType::kInteger, entries), Status::kNotFound);
        ASSERT_EQ(entries.size(), 1u);
        EXPECT_EQ(entries[0].path, test.expected);
    }
}

TEST(Lwm2mJson, FieldsInAnyOrderAndUnknownSkipped) {
    const std::string payload = R"( { "x" : [1, {"y": null}],
        "e" : [ { "v" : 7 , "t" : -5 , "n" : "1" , "unit" : "s" } ,
                { "n" : "2" , "bv" : true } ] ,
        "bt" : 1700000000 , "bn" : "/4/0/" } )";
    std::vector<Entry> entries;
    const auto type_of = [](const Path& path) {
        return path.ids[2] == 1 ? DataType::kInteger : DataType::kBoolean;
    };
    ASSERT_EQ(decode(payload, Path::object(4), type_of, entries), Status::kNotFound);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].path, Path::resource(4, 0, 1));
    EXPECT_EQ(entries[0].value.integer, 7);
    EXPECT_EQ(entries[0].timestamp_s, 1699999995);  // bt + t
    EXPECT_EQ(entries[1].timestamp_s, 1700000000);  // bt alone
}

TEST(Lwm2mJson, TimeWithoutBaseTime) {
    const std::string payload = R"({"e":[{"n":"/3/0/9","v":1,"t":12.75}]})";
    std::vector<Entry> entries;
    ASSERT_EQ(decode_as(payload, DataType::kInteger, entries), Status::kNotFound);
    EXPECT_EQ(entries[0].timestamp_s, 12);  // rounded down
}

TEST(Lwm2mJson, EmptyEntryArray) {
    std::vector<Entry> entries;
    EXPECT_EQ(decode_as(R"({"bn":"/3/0/","e":[]})", DataType::kInteger, entries),
              Status::kNotFound);
    EXPECT_TRUE(entries.empty());
}

TEST(Lwm2mJson, ValueFieldMustMatchType) {
    const std::string payload = R"({"e":[{"n":"/3/0/1","sv":"5"}]})";
    std::vector<Entry> entries;
    for (DataType type :
         {DataType::kInteger, DataType::kUnsignedInteger, DataType::kFloat, DataType::kTime,
          DataType::kBoolean, DataType::kObjlnk, DataType::kNone}) {
        SCOPED_TRACE(static_cast<int>(type));
        EXPECT_EQ(decode_as(payload, type, entries), Status::kMalformed);
    }
    EXPECT_EQ(decode_as(payload, DataType::kString, entries), Status::kNotFound);
    EXPECT_EQ(decode_as(payload, DataType::kCorelnk, entries), Status::kNotFound);
    const std::string number = R"({"e":[{"n":"/3/0/1","v":5}]})";
    EXPECT_EQ(decode_as(number, DataType::kString, entries), Status::kMalformed);
    EXPECT_EQ(decode_as(number, DataType::kOpaque, entries), Status::kMalformed);
}

TEST(Lwm2mJson, InvalidObjlnkRejected) {
    for (const char* text : {"3", "3:", ":0", "65536:0", "3:0:1", "a:0", "3:00000001"}) {
        SCOPED_TRACE(text);
        const std::string payload =
            std::string(R"({"e":[{"n":"/3/0/22","ov":")") + text + R"("}]})";
        std::vector<Entry> entries;
        EXPECT_EQ(decode_as(payload, DataType::kObjlnk, entries), Status::kMalformed);
    }
}

TEST(Lwm2mJson, MalformedPayloadsRejected) {
    const char* cases[] = {
        "",
        "[]",
        "{}",                                                      // no "e"
        R"({"e":{}})",                                             // "e" not an array
        R"({"e":[],"e":[]})",                                      // "e" twice
        R"({"bn":1,"e":[]})",                                      // bn not a string
        R"({"bn":"/3/","bn":"/3/","e":[]})",                       // bn twice
        R"({"bt":"1","e":[]})",                                    // bt not a number
        R"({"e":[1]})",                                            // entry not an object
        R"({"e":[{"n":"/3/0/1"}]})",                               // no value
        R"({"e":[{"n":"/3/0/1","v":1,"sv":"1"}]})",                // two values
        R"({"e":[{"n":"/3/0/1","v":1,"v":2}]})",                   // repeated value
        R"({"e":[{"n":"/3/0/1","n":"/3/0/2","v":1}]})",            // repeated name
        R"({"e":[{"n":"/3/0/1","t":1,"t":2,"v":1}]})",             // repeated time
        R"({"e":[{"n":"/3/0/1","v":"1"}]})",                       // v not a number
        R"({"e":[{"n":"/3/0/1","bv":1}]})",                        // bv not a boolean
        R"({"e":[{"n":"/3/0/1","ov":30}]})",                       // ov not a string
        R"({"e":[{"n":"/3/0/1","t":"1","v":1}]})",                 // t not a number
        R"({"e":[{"n":3,"v":1}]})",                                // n not a string
        R"({"e":[{"n":"3/0/1","v":1}]})",                          // relative without bn
        R"({"e":[{"n":"/3/0","v":1}]})",                           // instance
        R"({"e":[{"n":"/3/0/1/2/3","v":1}]})",                     // five IDs
        R"({"e":[{"n":"/3/0/65535","v":1}]})",                     // reserved ID
        R"({"e":[{"n":"/3//1","v":1}]})",                          // empty ID
        R"({"e":[{"n":"/3/0/1/","v":1}]})",                        // trailing slash
        R"({"e":[{"n":"/3/0/x","v":1}]})",                         // not a digit
        R"({"e":[{"n":"/4/0/1","v":1}]})",                         // outside the request
        R"({"e":[{"n":"/3/0/1","t":1e300,"v":1}]})",               // time out of range
        R"({"e":[{"n":"/3/0/1","v":1}]} x)",                       // trailing text
        R"({"e":[{"n":"/3/0/1","v":1}],})",                        // trailing comma
        R"({"e":[{"n":"/3/0/1","v":01}]})",                        // invalid number
        R"({"e":[{"n":"/3/0/1","v":1}])",                          // truncated
        R"({"e":[{"n":"/3/0/1","sv":"\ud800"}]})",                 // unpaired surrogate
        R"({"e":[{"n":"/3/0/1","v":1}],"x":[[[[[[[[[]]]]]]]]]})",  // nested past the limit
    };
    for (const char* payload : cases) {
        SCOPED_TRACE(payload);
        std::vector<Entry> entries;
        EXPECT_EQ(decode_as(payload, DataType::kInteger, entries, Path::object(3)),
                  Status::kMalformed);
    }
}

TEST(Lwm2mJson, SyntaxErrorAfterEntriesFailsFirstCall) {
    const std::string payload = R"({"e":[{"n":"/3/0/1","v":1}],"x":})";
    std::vector<uint8_t> scratch(16);
    Lwm2mJsonDecoder decoder(bytes_of(payload), Path{}, scratch);
    Path path;
    EXPECT_EQ(decoder.next_entry(path), Status::kMalformed);
    EXPECT_EQ(decoder.next_entry(path), Status::kMalformed);
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kInteger, value), Status::kInvalidState);
}

TEST(Lwm2mJson, DecoderCallOrder) {
    const std::string payload = R"({"e":[{"n":"/3/0/1","v":1},{"n":"/3/0/2"}]})";
    Lwm2mJsonDecoder decoder(bytes_of(payload), Path{});
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kInteger, value), Status::kInvalidState);
    Path path;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    ASSERT_EQ(decoder.read_value(DataType::kInteger, value), Status::kOk);
    EXPECT_EQ(value.integer, 1);
    // The second entry has no value, so the error shows there and stays.
    EXPECT_EQ(decoder.next_entry(path), Status::kMalformed);
    EXPECT_EQ(decoder.next_entry(path), Status::kMalformed);
    EXPECT_EQ(decoder.read_value(DataType::kInteger, value), Status::kInvalidState);
}

// Differential: payloads that nlohmann::json writes, with fields in random
// order, random whitespace and escaped strings, decode to the values that
// went in.
TEST(Lwm2mJson, DecodesNlohmannPayloads) {
    std::mt19937 random(11543);
    for (int round = 0; round < 300; ++round) {
        SCOPED_TRACE(round);
        struct Expected {
            Path path;
            DataType type;
            nlohmann::ordered_json value;
        };
        std::vector<Expected> expected;
        nlohmann::ordered_json entries = nlohmann::ordered_json::array();
        const int count = static_cast<int>(random() % 6);
        for (int i = 0; i < count; ++i) {
            const Path path = Path::resource(3, 0, static_cast<uint16_t>(random() % 65535));
            nlohmann::ordered_json entry;
            DataType type = DataType::kNone;
            switch (random() % 5) {
                case 0:
                    type = DataType::kInteger;
                    entry["v"] = static_cast<int64_t>(random()) * (random() % 2 ? 1 : -1) *
                                 static_cast<int64_t>(random() % 1000000);
                    break;
                case 1: {
                    type = DataType::kFloat;
                    const double magnitude = std::ldexp(static_cast<double>(random()),
                                                        static_cast<int>(random() % 200) - 100);
                    entry["v"] = random() % 2 ? magnitude : -magnitude;
                    break;
                }
                case 2: {
                    type = DataType::kString;
                    std::string text;
                    for (uint32_t c = random() % 12; c > 0; --c) {
                        const char pool[] = "ab\"\\/\n\t\x01\x1f \xc3\xa9";
                        text += pool[random() % (sizeof(pool) - 1)];
                    }
                    // Keep only whole UTF-8 sequences: drop a stray byte of "é".
                    std::string valid;
                    for (size_t k = 0; k < text.size(); ++k) {
                        if (static_cast<uint8_t>(text[k]) == 0xc3 && k + 1 < text.size() &&
                            static_cast<uint8_t>(text[k + 1]) == 0xa9) {
                            valid += "\xc3\xa9";
                            ++k;
                        } else if ((static_cast<uint8_t>(text[k]) & 0x80) == 0) {
                            valid += text[k];
                        }
                    }
                    entry["sv"] = valid;
                    break;
                }
                case 3:
                    type = DataType::kBoolean;
                    entry["bv"] = random() % 2 == 0;
                    break;
                default:
                    type = DataType::kObjlnk;
                    entry["ov"] =
                        std::to_string(random() % 65536) + ":" + std::to_string(random() % 65536);
                    break;
            }
            const nlohmann::ordered_json value = entry.begin().value();
            entry["n"] = std::to_string(path.ids[2]);
            if (random() % 2) {
                // Move the value after the name.
                nlohmann::ordered_json swapped;
                swapped["n"] = entry["n"];
                swapped[entry.begin().key()] = value;
                entry = swapped;
            }
            entries.push_back(entry);
            expected.push_back({path, type, value});
        }
        nlohmann::ordered_json root;
        if (random() % 2) {
            root["e"] = entries;
            root["bn"] = "/3/0/";
        } else {
            root["bn"] = "/3/0/";
            root["e"] = entries;
        }
        const int indent = static_cast<int>(random() % 3) - 1;
        const std::string payload = root.dump(indent);
        SCOPED_TRACE(payload);

        std::vector<Entry> decoded;
        size_t index = 0;
        const auto type_of = [&](const Path&) { return expected[index++].type; };
        ASSERT_EQ(decode(payload, Path::instance(3, 0), type_of, decoded), Status::kNotFound);
        ASSERT_EQ(decoded.size(), expected.size());
        for (size_t i = 0; i < decoded.size(); ++i) {
            const Expected& want = expected[i];
            const Value& got = decoded[i].value;
            EXPECT_EQ(decoded[i].path, want.path);
            switch (want.type) {
                case DataType::kInteger:
                    EXPECT_EQ(got.integer, want.value.get<int64_t>());
                    break;
                case DataType::kFloat:
                    EXPECT_EQ(got.floating, want.value.get<double>());
                    break;
                case DataType::kString:
                    EXPECT_EQ(decoded[i].bytes, want.value.get<std::string>());
                    break;
                case DataType::kBoolean:
                    EXPECT_EQ(got.boolean, want.value.get<bool>());
                    break;
                default:
                    EXPECT_EQ(std::to_string(got.objlnk.object_id) + ":" +
                                  std::to_string(got.objlnk.instance_id),
                              want.value.get<std::string>());
                    break;
            }
        }
    }
}

// The fuzz seeds are valid payloads: each decodes to its end, every entry
// with one of the data types.
TEST(Lwm2mJson, FuzzSeedsDecodeCompletely) {
    const std::vector<FuzzSeed> seeds = fuzz_seeds("lwm2m_json_decoder");
    for (const FuzzSeed& seed : seeds) {
        SCOPED_TRACE(seed.file_name);
        std::vector<uint8_t> scratch(1024);
        Lwm2mJsonDecoder decoder(seed.bytes, Path{}, scratch);
        EXPECT_EQ(decode_with_any_type(decoder, seed.bytes.size()), Status::kNotFound);
    }
    EXPECT_GE(seeds.size(), 5u);
}

}  // namespace
}  // namespace lwm2m::io
