// Tests of the LwM2M TLV encoder and decoder, including the TLV examples of
// LwM2M Core 1.1 (section "TLV", the Device, Access Control, Server and
// object link reads).
#include "io/tlv.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "codec_test_support.hpp"

namespace lwm2m::io {
namespace {

Bytes text_bytes(const std::string& text) {
    return Bytes(text.begin(), text.end());
}

// A record whose byte value is owned by the test.
struct TestRecord {
    Path path;
    Value value;
    Bytes storage;
};

TestRecord integer_record(const Path& path, int64_t value) {
    return {path, Value::make_integer(value), {}};
}

TestRecord bytes_record(const Path& path, DataType type, const std::string& text) {
    return {path, Value::make_bytes(type, {}), text_bytes(text)};
}

TestRecord value_record(const Path& path, const Value& value) {
    return {path, value, {}};
}

struct VectorSource {
    std::vector<TestRecord> records;
    size_t get_calls = 0;
    bool fail = false;

    RecordSource source() const {
        RecordSource result;
        result.count = records.size();
        result.context = this;
        result.get = [](const void* context, size_t index, OutputRecord& record) {
            auto* self = const_cast<VectorSource*>(static_cast<const VectorSource*>(context));
            ++self->get_calls;
            if (self->fail) {
                return false;
            }
            const TestRecord& test_record = self->records.at(index);
            record.path = test_record.path;
            record.value = test_record.value;
            if (!test_record.storage.empty()) {
                record.value.bytes = test_record.storage;
            }
            return true;
        };
        return result;
    }
};

Status encode(const Path& request, const VectorSource& records, Bytes& out) {
    return encode_to(encode_tlv, request, records.source(), out);
}

// One decoded entry, read with the type that the test's data model gives.
struct Entry {
    Path path;
    Value value;
    Bytes bytes;
    bool empty_multiple = false;
};

using TypeOf = DataType (*)(const Path& path);

DataType integer_type(const Path&) {
    return DataType::kInteger;
}

// Decodes every entry; returns the first status other than kOk from either
// next_entry() (kNotFound at the end) or read_value().
Status decode(const Bytes& payload, const Path& request, TypeOf type_of,
              std::vector<Entry>& entries) {
    TlvDecoder decoder(payload, request);
    for (size_t guard = 0; guard < 10000; ++guard) {
        Entry entry;
        Status status = decoder.next_entry(entry.path);
        if (status != Status::kOk) {
            return status;
        }
        entry.empty_multiple = decoder.empty_multiple_resource();
        status = decoder.read_value(type_of(entry.path), entry.value);
        if (status != Status::kOk) {
            return status;
        }
        entry.bytes.assign(entry.value.bytes.begin(), entry.value.bytes.end());
        entries.push_back(entry);
    }
    return Status::kInvalidState;
}

// Independent reader of the TLV structure, written from the field layout
// alone, to cross-check the encoder without the library's decoder.
struct Node {
    uint8_t kind = 0;  // bits 7-6 of the type byte
    uint16_t id = 0;
    Bytes value;
    std::vector<Node> children;
};

bool parse_nodes(const uint8_t* data, size_t size, std::vector<Node>& nodes) {
    size_t i = 0;
    while (i < size) {
        Node node;
        const uint8_t type = data[i++];
        node.kind = type >> 6;
        const size_t id_size = (type & 0x20) ? 2 : 1;
        if (size - i < id_size) {
            return false;
        }
        node.id = id_size == 2 ? static_cast<uint16_t>(data[i] << 8 | data[i + 1]) : data[i];
        i += id_size;
        const size_t length_size = (type >> 3) & 3;
        size_t length = type & 7;
        if (length_size > 0) {
            if (size - i < length_size) {
                return false;
            }
            length = 0;
            for (size_t j = 0; j < length_size; ++j) {
                length = length << 8 | data[i + j];
            }
            i += length_size;
        }
        if (size - i < length) {
            return false;
        }
        node.value.assign(data + i, data + i + length);
        if ((node.kind == 0 || node.kind == 2) && !parse_nodes(data + i, length, node.children)) {
            return false;
        }
        i += length;
        nodes.push_back(node);
    }
    return true;
}

std::vector<Node> parse_nodes(const Bytes& payload) {
    std::vector<Node> nodes;
    EXPECT_TRUE(parse_nodes(payload.data(), payload.size(), nodes));
    return nodes;
}

// ---------------------------------------------------------------------------
// LwM2M Core 1.1, "TLV": Read /3/0 on the example Device object. Each line
// is one TLV: type byte, identifier, optional length field, value.
// ---------------------------------------------------------------------------
const Bytes kDeviceInstance = {
    0xC8, 0x00, 0x14,  // resource 0, 8-bit length 20: Manufacturer
    'O',  'p',  'e',  'n',  ' ',  'M',  'o', 'b', 'i', 'l', 'e', ' ',
    'A',  'l',  'l',  'i',  'a',  'n',  'c',
    'e',               //
    0xC8, 0x01, 0x16,  // resource 1, 8-bit length 22: Model Number
    'L',  'i',  'g',  'h',  't',  'w',  'e', 'i', 'g', 'h', 't', ' ',
    'M',  '2',  'M',  ' ',  'C',  'l',  'i', 'e', 'n', 't',            //
    0xC8, 0x02, 0x09, '3',  '4',  '5',  '0', '0', '0', '1', '2', '3',  // resource 2: Serial Number
    0xC3, 0x03, '1',  '.',  '0',  // resource 3, length 3 in the type byte: Firmware Version
    0x86, 0x06,                   // multiple resource 6, length 6: Available Power Sources
    0x41, 0x00, 0x01,             //   instance 0: 1
    0x41, 0x01, 0x05,             //   instance 1: 5
    0x88, 0x07, 0x08,             // multiple resource 7, 8-bit length 8: Power Source Voltage
    0x42, 0x00, 0x0E, 0xD8,       //   instance 0: 3800
    0x42, 0x01, 0x13, 0x88,       //   instance 1: 5000
    0x87, 0x08,                   // multiple resource 8, length 7: Power Source Current
    0x41, 0x00, 0x7D,             //   instance 0: 125
    0x42, 0x01, 0x03, 0x84,       //   instance 1: 900
    0xC1, 0x09, 0x64,             // resource 9: Battery Level 100
    0xC1, 0x0A, 0x0F,             // resource 10: Memory Free 15
    0x83, 0x0B,                   // multiple resource 11, length 3: Error Code
    0x41, 0x00, 0x00,             //   instance 0: 0
    0xC4, 0x0D, 0x51, 0x82, 0x42, 0x8F,            // resource 13: Current Time 1367491215
    0xC6, 0x0E, '+',  '0',  '2',  ':',  '0', '0',  // resource 14: UTC Offset "+02:00"
    0xC1, 0x10, 'U',                               // resource 16: Supported Binding "U"
};

DataType device_type(const Path& path) {
    switch (path.ids[2]) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 14:
        case 16:
            return DataType::kString;
        case 13:
            return DataType::kTime;
        default:
            return DataType::kInteger;
    }
}

std::vector<TestRecord> device_records() {
    return {
        bytes_record(Path::resource(3, 0, 0), DataType::kString, "Open Mobile Alliance"),
        bytes_record(Path::resource(3, 0, 1), DataType::kString, "Lightweight M2M Client"),
        bytes_record(Path::resource(3, 0, 2), DataType::kString, "345000123"),
        bytes_record(Path::resource(3, 0, 3), DataType::kString, "1.0"),
        integer_record(Path::resource_instance(3, 0, 6, 0), 1),
        integer_record(Path::resource_instance(3, 0, 6, 1), 5),
        integer_record(Path::resource_instance(3, 0, 7, 0), 3800),
        integer_record(Path::resource_instance(3, 0, 7, 1), 5000),
        integer_record(Path::resource_instance(3, 0, 8, 0), 125),
        integer_record(Path::resource_instance(3, 0, 8, 1), 900),
        integer_record(Path::resource(3, 0, 9), 100),
        integer_record(Path::resource(3, 0, 10), 15),
        integer_record(Path::resource_instance(3, 0, 11, 0), 0),
        value_record(Path::resource(3, 0, 13), Value::make_time(1367491215)),
        bytes_record(Path::resource(3, 0, 14), DataType::kString, "+02:00"),
        bytes_record(Path::resource(3, 0, 16), DataType::kString, "U"),
    };
}

Bytes device_object() {
    Bytes payload = {
        0x08, 0x00, 0x79,  // object instance 0, 8-bit length 121
    };
    payload.insert(payload.end(), kDeviceInstance.begin(), kDeviceInstance.end());
    return payload;
}

// Compares decoded entries with the records they came from.
void expect_entries_match(const std::vector<Entry>& entries,
                          const std::vector<TestRecord>& records) {
    ASSERT_EQ(entries.size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) {
        SCOPED_TRACE(i);
        const Value& expected = records[i].value;
        EXPECT_EQ(entries[i].path, records[i].path);
        EXPECT_EQ(entries[i].value.type, expected.type);
        switch (expected.type) {
            case DataType::kString:
            case DataType::kOpaque:
            case DataType::kCorelnk:
                EXPECT_EQ(entries[i].bytes, records[i].storage);
                break;
            case DataType::kInteger:
                EXPECT_EQ(entries[i].value.integer, expected.integer);
                break;
            case DataType::kTime:
                EXPECT_EQ(entries[i].value.time, expected.time);
                break;
            case DataType::kUnsignedInteger:
                EXPECT_EQ(entries[i].value.unsigned_integer, expected.unsigned_integer);
                break;
            case DataType::kFloat:
                EXPECT_EQ(
                    std::memcmp(&entries[i].value.floating, &expected.floating, sizeof(double)), 0);
                break;
            case DataType::kBoolean:
                EXPECT_EQ(entries[i].value.boolean, expected.boolean);
                break;
            case DataType::kObjlnk:
                EXPECT_EQ(entries[i].value.objlnk.object_id, expected.objlnk.object_id);
                EXPECT_EQ(entries[i].value.objlnk.instance_id, expected.objlnk.instance_id);
                break;
            case DataType::kNone:
                break;
        }
    }
}

TEST(Tlv, DeviceInstanceExampleDecodes) {
    EXPECT_EQ(kDeviceInstance.size(), 121u);
    std::vector<Entry> entries;
    EXPECT_EQ(decode(kDeviceInstance, Path::instance(3, 0), device_type, entries),
              Status::kNotFound);
    expect_entries_match(entries, device_records());
}

TEST(Tlv, DeviceInstanceExampleEncodes) {
    VectorSource source{device_records()};
    Bytes payload;
    EXPECT_EQ(encode(Path::instance(3, 0), source, payload), Status::kOk);
    EXPECT_EQ(payload, kDeviceInstance);
}

TEST(Tlv, DeviceObjectExampleRoundTrips) {
    const Bytes expected = device_object();
    EXPECT_EQ(expected.size(), 124u);
    VectorSource source{device_records()};
    Bytes payload;
    EXPECT_EQ(encode(Path::object(3), source, payload), Status::kOk);
    EXPECT_EQ(payload, expected);

    std::vector<Entry> entries;
    EXPECT_EQ(decode(expected, Path::object(3), device_type, entries), Status::kNotFound);
    expect_entries_match(entries, device_records());
}

// LwM2M Core 1.1, "TLV": Read /2 on two Access Control object instances,
// with ACL instance 310 under a 16-bit identifier.
const Bytes kAccessControl = {
    0x08, 0x00, 0x0E,        // object instance 0, 8-bit length 14
    0xC1, 0x00, 0x01,        //   resource 0: Object ID 1
    0xC1, 0x01, 0x00,        //   resource 1: Object Instance ID 0
    0x83, 0x02,              //   multiple resource 2, length 3: ACL
    0x41, 0x7F, 0x07,        //     instance 127: 0b111
    0xC1, 0x03, 0x7F,        //   resource 3: Access Control Owner 127
    0x08, 0x02, 0x12,        // object instance 2, 8-bit length 18
    0xC1, 0x00, 0x03,        //   resource 0: Object ID 3
    0xC1, 0x01, 0x00,        //   resource 1: Object Instance ID 0
    0x87, 0x02,              //   multiple resource 2, length 7: ACL
    0x41, 0x7F, 0x07,        //     instance 127: 0b111
    0x61, 0x01, 0x36, 0x01,  //     instance 310, 16-bit identifier: 0b1
    0xC1, 0x03, 0x7F,        //   resource 3: Access Control Owner 127
};

std::vector<TestRecord> access_control_records() {
    return {
        integer_record(Path::resource(2, 0, 0), 1),
        integer_record(Path::resource(2, 0, 1), 0),
        integer_record(Path::resource_instance(2, 0, 2, 127), 7),
        integer_record(Path::resource(2, 0, 3), 127),
        integer_record(Path::resource(2, 2, 0), 3),
        integer_record(Path::resource(2, 2, 1), 0),
        integer_record(Path::resource_instance(2, 2, 2, 127), 7),
        integer_record(Path::resource_instance(2, 2, 2, 310), 1),
        integer_record(Path::resource(2, 2, 3), 127),
    };
}

TEST(Tlv, AccessControlExampleRoundTrips) {
    VectorSource source{access_control_records()};
    Bytes payload;
    EXPECT_EQ(encode(Path::object(2), source, payload), Status::kOk);
    EXPECT_EQ(payload, kAccessControl);

    std::vector<Entry> entries;
    EXPECT_EQ(decode(kAccessControl, Path::object(2), integer_type, entries), Status::kNotFound);
    expect_entries_match(entries, access_control_records());
}

TEST(Tlv, ServerExampleRoundTrips) {
    // LwM2M Core 1.1, "TLV": Read /1 with one Server object instance. The
    // specification prints length 0x0D, but the four resources take 15 bytes
    // and its own total of 18 bytes agrees with 0x0F.
    const Bytes expected = {
        0x08, 0x00, 0x0F,                    // object instance 0, 8-bit length 15
        0xC1, 0x00, 0x01,                    //   resource 0: Short Server ID 1
        0xC4, 0x01, 0x00, 0x01, 0x51, 0x80,  //   resource 1: Lifetime 86400
        0xC1, 0x06, 0x01,                    //   resource 6: Notification Storing true
        0xC1, 0x07, 'U',                     //   resource 7: Binding "U"
    };
    const std::vector<TestRecord> records = {
        integer_record(Path::resource(1, 0, 0), 1),
        integer_record(Path::resource(1, 0, 1), 86400),
        value_record(Path::resource(1, 0, 6), Value::make_boolean(true)),
        bytes_record(Path::resource(1, 0, 7), DataType::kString, "U"),
    };
    VectorSource source{records};
    Bytes payload;
    EXPECT_EQ(encode(Path::object(1), source, payload), Status::kOk);
    EXPECT_EQ(payload, expected);

    std::vector<Entry> entries;
    const TypeOf server_type = [](const Path& path) {
        return path.ids[2] == 6   ? DataType::kBoolean
               : path.ids[2] == 7 ? DataType::kString
                                  : DataType::kInteger;
    };
    EXPECT_EQ(decode(expected, Path::object(1), server_type, entries), Status::kNotFound);
    expect_entries_match(entries, records);
}

TEST(Tlv, ObjectLinkExampleRoundTrips) {
    // LwM2M Core 1.1, "TLV": Read /65/0 with an objlnk multiple resource.
    const Bytes expected = {
        0x88, 0x00, 0x0C,                    // multiple resource 0, 8-bit length 12
        0x44, 0x00, 0x00, 0x42, 0x00, 0x00,  //   instance 0: objlnk 66:0
        0x44, 0x01, 0x00, 0x42, 0x00, 0x01,  //   instance 1: objlnk 66:1
        0xC8, 0x01, 0x0D,                    // resource 1, 8-bit length 13
        '8',  '6',  '1',  '3',  '8',  '0',  '0', '7', '5', '5', '5', '0', '0',  //
        0xC4, 0x02, 0x12, 0x34, 0x56, 0x78,  // resource 2: integer 0x12345678
    };
    const std::vector<TestRecord> records = {
        value_record(Path::resource_instance(65, 0, 0, 0), Value::make_objlnk(66, 0)),
        value_record(Path::resource_instance(65, 0, 0, 1), Value::make_objlnk(66, 1)),
        bytes_record(Path::resource(65, 0, 1), DataType::kString, "8613800755500"),
        integer_record(Path::resource(65, 0, 2), 0x12345678),
    };
    VectorSource source{records};
    Bytes payload;
    EXPECT_EQ(encode(Path::instance(65, 0), source, payload), Status::kOk);
    EXPECT_EQ(payload, expected);

    std::vector<Entry> entries;
    const TypeOf link_type = [](const Path& path) {
        return path.ids[2] == 0   ? DataType::kObjlnk
               : path.ids[2] == 1 ? DataType::kString
                                  : DataType::kInteger;
    };
    EXPECT_EQ(decode(expected, Path::instance(65, 0), link_type, entries), Status::kNotFound);
    expect_entries_match(entries, records);
}

// ---------------------------------------------------------------------------
// Encoder details
// ---------------------------------------------------------------------------

TEST(Tlv, EncodesShortestIntegers) {
    struct Case {
        int64_t value;
        Bytes expected;
    };
    const Case cases[] = {
        {0, {0xC1, 0x01, 0x00}},
        {127, {0xC1, 0x01, 0x7F}},
        {-128, {0xC1, 0x01, 0x80}},
        {128, {0xC2, 0x01, 0x00, 0x80}},
        {-129, {0xC2, 0x01, 0xFF, 0x7F}},
        {32767, {0xC2, 0x01, 0x7F, 0xFF}},
        {32768, {0xC4, 0x01, 0x00, 0x00, 0x80, 0x00}},
        {-2147483648LL, {0xC4, 0x01, 0x80, 0x00, 0x00, 0x00}},
        {2147483648LL, {0xC8, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00}},
        {std::numeric_limits<int64_t>::min(),
         {0xC8, 0x01, 0x08, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.value);
        VectorSource source{{integer_record(Path::resource(3, 0, 1), test_case.value)}};
        Bytes payload;
        EXPECT_EQ(encode(Path::resource(3, 0, 1), source, payload), Status::kOk);
        EXPECT_EQ(payload, test_case.expected);
    }
}

TEST(Tlv, EncodesShortestUnsignedIntegers) {
    struct Case {
        uint64_t value;
        Bytes expected;
    };
    const Case cases[] = {
        {255, {0xC1, 0x01, 0xFF}},
        {256, {0xC2, 0x01, 0x01, 0x00}},
        {65535, {0xC2, 0x01, 0xFF, 0xFF}},
        {4294967295u, {0xC4, 0x01, 0xFF, 0xFF, 0xFF, 0xFF}},
        {std::numeric_limits<uint64_t>::max(),
         {0xC8, 0x01, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.value);
        VectorSource source{
            {value_record(Path::resource(3, 0, 1), Value::make_unsigned(test_case.value))}};
        Bytes payload;
        EXPECT_EQ(encode(Path::resource(3, 0, 1), source, payload), Status::kOk);
        EXPECT_EQ(payload, test_case.expected);
    }
}

TEST(Tlv, EncodesFloatAsBinary32OnlyWhenExact) {
    struct Case {
        double value;
        Bytes expected;
    };
    const Case cases[] = {
        {1.5, {0xC4, 0x01, 0x3F, 0xC0, 0x00, 0x00}},  // binary32 0x3FC00000
        {0.1, {0xC8, 0x01, 0x08, 0x3F, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A}},  // binary64
        {std::numeric_limits<double>::infinity(), {0xC4, 0x01, 0x7F, 0x80, 0x00, 0x00}},
        {1e300, {0xC8, 0x01, 0x08, 0x7E, 0x37, 0xE4, 0x3C, 0x88, 0x00, 0x75, 0x9C}},
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.value);
        VectorSource source{
            {value_record(Path::resource(3, 0, 1), Value::make_float(test_case.value))}};
        Bytes payload;
        EXPECT_EQ(encode(Path::resource(3, 0, 1), source, payload), Status::kOk);
        EXPECT_EQ(payload, test_case.expected);
    }

    VectorSource nan{{value_record(Path::resource(3, 0, 1),
                                   Value::make_float(std::numeric_limits<double>::quiet_NaN()))}};
    Bytes payload;
    EXPECT_EQ(encode(Path::resource(3, 0, 1), nan, payload), Status::kOk);
    EXPECT_EQ(payload.size(), 11u);  // type, identifier, 8-bit length 8, binary64
}

TEST(Tlv, EncodesOtherValueTypes) {
    const std::vector<TestRecord> records = {
        value_record(Path::resource(3, 0, 1), Value::make_boolean(false)),
        value_record(Path::resource(3, 0, 2), Value::make_objlnk(0x1234, 0xFFFF)),
        bytes_record(Path::resource(3, 0, 3), DataType::kOpaque, "\x01\x02"),
        bytes_record(Path::resource(3, 0, 4), DataType::kCorelnk, "</3>"),
        value_record(Path::resource(3, 0, 5), Value()),
    };
    const Bytes expected = {
        0xC1, 0x01, 0x00,                    // resource 1: false
        0xC4, 0x02, 0x12, 0x34, 0xFF, 0xFF,  // resource 2: objlnk 4660:65535
        0xC2, 0x03, 0x01, 0x02,              // resource 3: opaque
        0xC4, 0x04, '<',  '/',  '3',  '>',   // resource 4: corelnk
        0xC0, 0x05,                          // resource 5: none, empty
    };
    VectorSource source{records};
    Bytes payload;
    EXPECT_EQ(encode(Path::instance(3, 0), source, payload), Status::kOk);
    EXPECT_EQ(payload, expected);
}

TEST(Tlv, EncodesIdentifierAndLengthSizes) {
    struct Case {
        uint16_t id;
        size_t length;
        Bytes header;
    };
    const Case cases[] = {
        {255, 7, {0xC7, 0xFF}},                      // 8-bit identifier, length in type
        {256, 8, {0xE8, 0x01, 0x00, 0x08}},          // 16-bit identifier, 8-bit length
        {0, 255, {0xC8, 0x00, 0xFF}},                // 8-bit length
        {0, 256, {0xD0, 0x00, 0x01, 0x00}},          // 16-bit length
        {0, 65535, {0xD0, 0x00, 0xFF, 0xFF}},        // 16-bit length
        {0, 65536, {0xD8, 0x00, 0x01, 0x00, 0x00}},  // 24-bit length
        {65535, 0, {0xE0, 0xFF, 0xFF}},              // 16-bit identifier, length 0
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.length);
        VectorSource source{{value_record(Path::resource(3, 0, test_case.id),
                                          Value::make_bytes(DataType::kOpaque, {}))}};
        source.records[0].storage.assign(test_case.length, 0xAB);
        if (test_case.length == 0) {
            source.records[0].value = Value::make_bytes(DataType::kOpaque, {});
        }
        std::vector<uint8_t> window(test_case.length + 16);
        PayloadSink sink(window);
        EXPECT_EQ(encode_tlv(Path::resource(3, 0, test_case.id), source.source(), sink),
                  Status::kOk);
        ASSERT_EQ(sink.total(), test_case.header.size() + test_case.length);
        EXPECT_TRUE(std::equal(test_case.header.begin(), test_case.header.end(), window.begin()));
    }
}

TEST(Tlv, EncodesLengthsOfContainers) {
    // A multiple resource and an object instance whose contents need 16-bit
    // length fields: 300 bytes of value inside each.
    VectorSource source{{bytes_record(Path::resource_instance(5, 1, 2, 3), DataType::kOpaque,
                                      std::string(300, 'x'))}};
    Bytes payload;
    EXPECT_EQ(encode(Path::object(5), source, payload), Status::kOk);
    const Bytes header = {
        0x10, 0x01, 0x01, 0x34,  // object instance 1, 16-bit length 308
        0x90, 0x02, 0x01, 0x30,  //   multiple resource 2, 16-bit length 304
        0x50, 0x03, 0x01, 0x2C,  //     instance 3, 16-bit length 300
    };
    ASSERT_EQ(payload.size(), header.size() + 300);
    EXPECT_TRUE(std::equal(header.begin(), header.end(), payload.begin()));
}

TEST(Tlv, EncodesRequestedResourceForms) {
    const std::vector<TestRecord> instances = {
        integer_record(Path::resource_instance(3, 0, 7, 0), 1),
        integer_record(Path::resource_instance(3, 0, 7, 300), 2),
    };
    VectorSource multiple{instances};
    Bytes payload;
    EXPECT_EQ(encode(Path::resource(3, 0, 7), multiple, payload), Status::kOk);
    EXPECT_EQ(payload, (Bytes{
                           0x87, 0x07,              // multiple resource 7, length 7
                           0x41, 0x00, 0x01,        //   instance 0: 1
                           0x61, 0x01, 0x2C, 0x02,  //   instance 300: 2
                       }));

    VectorSource one{{integer_record(Path::resource_instance(3, 0, 7, 300), 2)}};
    EXPECT_EQ(encode(Path::resource_instance(3, 0, 7, 300), one, payload), Status::kOk);
    EXPECT_EQ(payload, (Bytes{0x61, 0x01, 0x2C, 0x02}));  // instance 300, 16-bit identifier

    // No records on a resource: only a multiple resource can be empty.
    VectorSource none;
    EXPECT_EQ(encode(Path::resource(3, 0, 7), none, payload), Status::kOk);
    EXPECT_EQ(payload, (Bytes{0x80, 0x07}));  // multiple resource 7, length 0
}

TEST(Tlv, EncodesNothingForEmptyInstance) {
    VectorSource none;
    Bytes payload;
    EXPECT_EQ(encode(Path::instance(3, 0), none, payload), Status::kOk);
    EXPECT_TRUE(payload.empty());
    EXPECT_EQ(encode(Path::object(3), none, payload), Status::kOk);
    EXPECT_TRUE(payload.empty());
}

TEST(Tlv, EncoderRejectsInvalidRecords) {
    struct Case {
        const char* name;
        Path request;
        std::vector<TestRecord> records;
    };
    const std::vector<Case> cases = {
        {"root request", Path(), {integer_record(Path::resource(3, 0, 1), 1)}},
        {"outside request", Path::instance(3, 0), {integer_record(Path::resource(3, 1, 1), 1)}},
        {"instance path", Path::object(3), {integer_record(Path::instance(3, 0), 1)}},
        {"descending",
         Path::instance(3, 0),
         {integer_record(Path::resource(3, 0, 2), 1), integer_record(Path::resource(3, 0, 1), 1)}},
        {"duplicate",
         Path::instance(3, 0),
         {integer_record(Path::resource(3, 0, 1), 1), integer_record(Path::resource(3, 0, 1), 1)}},
        {"value and instances",
         Path::instance(3, 0),
         {integer_record(Path::resource(3, 0, 1), 1),
          integer_record(Path::resource_instance(3, 0, 1, 0), 1)}},
        {"two resource instances",
         Path::resource_instance(3, 0, 1, 0),
         {integer_record(Path::resource_instance(3, 0, 1, 0), 1),
          integer_record(Path::resource_instance(3, 0, 1, 0), 2)}},
        {"no resource instance", Path::resource_instance(3, 0, 1, 0), {}},
        {"unknown type",
         Path::instance(3, 0),
         {value_record(Path::resource(3, 0, 1),
                       [] {
                           Value value;
                           value.type = static_cast<DataType>(200);
                           return value;
                       }())}},
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.name);
        VectorSource source{test_case.records};
        Bytes payload;
        EXPECT_EQ(encode(test_case.request, source, payload), Status::kInvalidArgument);
        EXPECT_TRUE(payload.empty());
    }
}

TEST(Tlv, EncoderRejectsValueOver24Bits) {
    VectorSource source{
        {bytes_record(Path::resource(3, 0, 1), DataType::kOpaque, std::string(0x1000000, 'x'))}};
    Bytes payload;
    EXPECT_EQ(encode(Path::resource(3, 0, 1), source, payload), Status::kInvalidArgument);
    EXPECT_TRUE(payload.empty());
}

TEST(Tlv, EncoderReportsSourceFailure) {
    VectorSource source{device_records()};
    source.fail = true;
    Bytes payload;
    EXPECT_EQ(encode(Path::instance(3, 0), source, payload), Status::kInvalidState);

    RecordSource no_function;
    no_function.count = 1;
    uint8_t window[8];
    PayloadSink sink(window);
    EXPECT_EQ(encode_tlv(Path::instance(3, 0), no_function, sink), Status::kInvalidState);
}

TEST(Tlv, EncoderStreamsThroughSmallWindows) {
    VectorSource source{access_control_records()};
    for (const TestRecord& record : device_records()) {
        TestRecord moved = record;
        moved.path.ids[0] = 2;
        moved.path.ids[1] = 5;
        source.records.push_back(moved);
    }
    Bytes full;
    ASSERT_EQ(encode(Path::object(2), source, full), Status::kOk);
    ASSERT_GT(full.size(), 100u);

    for (size_t start : {size_t{0}, size_t{5}, size_t{13}}) {
        EXPECT_EQ(join_windows(encode_tlv, Path::object(2), source.source(), full, start), full);
    }
}

TEST(Tlv, EncoderOutputMatchesIndependentReader) {
    VectorSource source{access_control_records()};
    source.records.push_back(
        bytes_record(Path::resource(2, 7, 1000), DataType::kString, std::string(70000, 'y')));
    source.records.push_back(
        value_record(Path::resource_instance(2, 300, 4, 9), Value::make_float(-2.25)));
    Bytes payload;
    ASSERT_EQ(encode(Path::object(2), source, payload), Status::kOk);

    const std::vector<Node> instances = parse_nodes(payload);
    ASSERT_EQ(instances.size(), 4u);
    EXPECT_EQ(instances[0].id, 0);
    EXPECT_EQ(instances[1].id, 2);
    EXPECT_EQ(instances[2].id, 7);
    EXPECT_EQ(instances[3].id, 300);
    for (const Node& instance : instances) {
        EXPECT_EQ(instance.kind, 0);  // object instance
    }
    ASSERT_EQ(instances[1].children.size(), 4u);
    const Node& acl = instances[1].children[2];
    EXPECT_EQ(acl.kind, 2);  // multiple resource
    ASSERT_EQ(acl.children.size(), 2u);
    EXPECT_EQ(acl.children[1].kind, 1);  // resource instance
    EXPECT_EQ(acl.children[1].id, 310);
    EXPECT_EQ(acl.children[1].value, Bytes{1});

    ASSERT_EQ(instances[2].children.size(), 1u);
    EXPECT_EQ(instances[2].children[0].kind, 3);  // resource with value
    EXPECT_EQ(instances[2].children[0].id, 1000);
    EXPECT_EQ(instances[2].children[0].value.size(), 70000u);

    ASSERT_EQ(instances[3].children.size(), 1u);
    ASSERT_EQ(instances[3].children[0].children.size(), 1u);
    EXPECT_EQ(instances[3].children[0].children[0].value,
              (Bytes{0xC0, 0x10, 0x00, 0x00}));  // binary32 -2.25
}

TEST(Tlv, EncoderReadsRecordsBoundedTimes) {
    VectorSource source{device_records()};
    Bytes payload;
    ASSERT_EQ(encode(Path::object(3), source, payload), Status::kOk);
    EXPECT_LE(source.get_calls, 8 * source.records.size());
}

// ---------------------------------------------------------------------------
// Decoder details
// ---------------------------------------------------------------------------

// Decodes a payload holding one resource /3/0/1 and reads it as `type`.
Status read_single(const Bytes& payload, DataType type, Value& value) {
    TlvDecoder decoder(payload, Path::resource(3, 0, 1));
    return read_first_entry(decoder, Path::resource(3, 0, 1), type, value);
}

TEST(Tlv, DecodesIntegerSizes) {
    struct Case {
        Bytes payload;
        int64_t expected;
    };
    const Case cases[] = {
        {{0xC1, 0x01, 0xFF}, -1},
        {{0xC2, 0x01, 0x80, 0x00}, -32768},
        {{0xC4, 0x01, 0x7F, 0xFF, 0xFF, 0xFF}, 2147483647},
        {{0xC8, 0x01, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE}, -2},
        {{0xC2, 0x01, 0x00, 0x05}, 5},  // longer than needed, still valid
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.expected);
        Value value;
        ASSERT_EQ(read_single(test_case.payload, DataType::kInteger, value), Status::kOk);
        EXPECT_EQ(value.type, DataType::kInteger);
        EXPECT_EQ(value.integer, test_case.expected);
        ASSERT_EQ(read_single(test_case.payload, DataType::kTime, value), Status::kOk);
        EXPECT_EQ(value.type, DataType::kTime);
        EXPECT_EQ(value.time, test_case.expected);
    }

    Value value;
    ASSERT_EQ(read_single({0xC2, 0x01, 0xFF, 0xFE}, DataType::kUnsignedInteger, value),
              Status::kOk);
    EXPECT_EQ(value.unsigned_integer, 0xFFFEu);
}

TEST(Tlv, RejectsIntegersOfOtherSizes) {
    for (size_t size : {0, 3, 5, 6, 7, 9}) {
        SCOPED_TRACE(size);
        Bytes payload = {0xC8, 0x01, static_cast<uint8_t>(size)};
        payload.resize(3 + size, 0x01);
        Value value;
        EXPECT_EQ(read_single(payload, DataType::kInteger, value), Status::kMalformed);
        EXPECT_EQ(read_single(payload, DataType::kUnsignedInteger, value), Status::kMalformed);
        EXPECT_EQ(read_single(payload, DataType::kTime, value), Status::kMalformed);
    }
}

TEST(Tlv, DecodesFloatSizes) {
    Value value;
    ASSERT_EQ(read_single({0xC4, 0x01, 0xC0, 0x10, 0x00, 0x00}, DataType::kFloat, value),
              Status::kOk);
    EXPECT_EQ(value.type, DataType::kFloat);
    EXPECT_EQ(value.floating, -2.25);
    ASSERT_EQ(read_single({0xC8, 0x01, 0x08, 0x3F, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A},
                          DataType::kFloat, value),
              Status::kOk);
    EXPECT_EQ(value.floating, 0.1);

    // Appendix C gives a float only binary32 or binary64 forms.
    EXPECT_EQ(read_single({0xC1, 0x01, 0x05}, DataType::kFloat, value), Status::kMalformed);
    EXPECT_EQ(read_single({0xC2, 0x01, 0x00, 0x05}, DataType::kFloat, value), Status::kMalformed);
    EXPECT_EQ(read_single({0xC0, 0x01}, DataType::kFloat, value), Status::kMalformed);
}

TEST(Tlv, DecodesBooleanObjlnkAndBytes) {
    Value value;
    ASSERT_EQ(read_single({0xC1, 0x01, 0x01}, DataType::kBoolean, value), Status::kOk);
    EXPECT_TRUE(value.boolean);
    EXPECT_EQ(read_single({0xC1, 0x01, 0x02}, DataType::kBoolean, value), Status::kMalformed);
    EXPECT_EQ(read_single({0xC2, 0x01, 0x00, 0x01}, DataType::kBoolean, value), Status::kMalformed);

    ASSERT_EQ(read_single({0xC4, 0x01, 0x00, 0x42, 0xFF, 0xFF}, DataType::kObjlnk, value),
              Status::kOk);
    EXPECT_EQ(value.objlnk.object_id, 66);
    EXPECT_EQ(value.objlnk.instance_id, 65535);
    EXPECT_EQ(read_single({0xC3, 0x01, 0x00, 0x42, 0x00}, DataType::kObjlnk, value),
              Status::kMalformed);

    const Bytes payload = {0xC3, 0x01, 'a', 'b', 'c'};
    for (DataType type : {DataType::kString, DataType::kOpaque, DataType::kCorelnk}) {
        ASSERT_EQ(read_single(payload, type, value), Status::kOk);
        EXPECT_EQ(value.type, type);
        ASSERT_EQ(value.bytes.size(), 3u);
        EXPECT_EQ(value.bytes.data(), payload.data() + 2);  // a view into the payload
    }
}

TEST(Tlv, DecodesEmptyValues) {
    const Bytes payload = {0xC0, 0x01};  // resource 1, length 0
    Value value;
    ASSERT_EQ(read_single(payload, DataType::kString, value), Status::kOk);
    EXPECT_TRUE(value.bytes.empty());
    ASSERT_EQ(read_single(payload, DataType::kNone, value), Status::kOk);
    EXPECT_EQ(value.type, DataType::kNone);
    EXPECT_EQ(read_single(payload, DataType::kInteger, value), Status::kMalformed);
    EXPECT_EQ(read_single(payload, DataType::kBoolean, value), Status::kMalformed);
    EXPECT_EQ(read_single({0xC1, 0x01, 0x00}, DataType::kNone, value), Status::kMalformed);
}

TEST(Tlv, DecodesNonMinimalHeaders) {
    const Bytes payloads[] = {
        {0xE1, 0x00, 0x01, 0x2A},                    // 16-bit identifier 1
        {0xC8, 0x01, 0x01, 0x2A},                    // 8-bit length 1
        {0xD0, 0x01, 0x00, 0x01, 0x2A},              // 16-bit length 1
        {0xD8, 0x01, 0x00, 0x00, 0x01, 0x2A},        // 24-bit length 1
        {0xFF, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2A},  // both, and bits 2-0 set (ignored)
        {0xCF, 0x01, 0x01, 0x2A},                    // bits 2-0 ignored with a length field
    };
    for (const Bytes& payload : payloads) {
        SCOPED_TRACE(payload[0]);
        Value value;
        ASSERT_EQ(read_single(payload, DataType::kInteger, value), Status::kOk);
        EXPECT_EQ(value.integer, 42);
    }
}

TEST(Tlv, DecodesLargeTwentyFourBitLength) {
    Bytes payload = {0xD8, 0x01, 0x01, 0x00, 0x00};  // resource 1, 24-bit length 65536
    payload.resize(payload.size() + 65536, 'z');
    Value value;
    ASSERT_EQ(read_single(payload, DataType::kOpaque, value), Status::kOk);
    EXPECT_EQ(value.bytes.size(), 65536u);
}

TEST(Tlv, DecodesEmptyMultipleResource) {
    const Bytes nested = {
        0xC1, 0x00, 0x01,  // resource 0: 1
        0x80, 0x07,        // multiple resource 7, no instances
        0xC1, 0x09, 0x02,  // resource 9: 2
    };
    TlvDecoder decoder(nested, Path::instance(3, 0));
    Path path;
    Value value;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(path, Path::resource(3, 0, 0));
    EXPECT_FALSE(decoder.empty_multiple_resource());

    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(path, Path::resource(3, 0, 7));
    EXPECT_TRUE(decoder.empty_multiple_resource());
    ASSERT_EQ(decoder.read_value(DataType::kInteger, value), Status::kOk);
    EXPECT_EQ(value.type, DataType::kNone);

    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(path, Path::resource(3, 0, 9));
    EXPECT_FALSE(decoder.empty_multiple_resource());
    EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);

    const Bytes empty = {0x80, 0x07};  // multiple resource 7, no instances
    TlvDecoder alone(empty, Path::resource(3, 0, 7));
    ASSERT_EQ(alone.next_entry(path), Status::kOk);
    EXPECT_EQ(path, Path::resource(3, 0, 7));
    EXPECT_TRUE(alone.empty_multiple_resource());
    EXPECT_EQ(alone.next_entry(path), Status::kNotFound);
}

TEST(Tlv, DecodesResourceInstanceRequest) {
    const Bytes payload = {0x61, 0x01, 0x36, 0x05};  // instance 310: 5
    std::vector<Entry> entries;
    EXPECT_EQ(decode(payload, Path::resource_instance(2, 0, 2, 310), integer_type, entries),
              Status::kNotFound);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].path, Path::resource_instance(2, 0, 2, 310));
    EXPECT_EQ(entries[0].value.integer, 5);
}

TEST(Tlv, DecodesInstanceWrappedInObjectInstance) {
    const Bytes payload = {
        0x08, 0x04, 0x06,  // object instance 4, length 6
        0xC1, 0x00, 0x01,  //   resource 0: 1
        0xC1, 0x01, 0x02,  //   resource 1: 2
    };
    std::vector<Entry> entries;
    EXPECT_EQ(decode(payload, Path::instance(9, 4), integer_type, entries), Status::kNotFound);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].path, Path::resource(9, 4, 0));
    EXPECT_EQ(entries[1].path, Path::resource(9, 4, 1));
}

TEST(Tlv, DecodesEmptyPayloadAsNoEntries) {
    for (const Path& request : {Path::object(3), Path::instance(3, 0), Path::resource(3, 0, 1)}) {
        TlvDecoder decoder({}, request);
        Path path;
        EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);
    }
}

TEST(Tlv, ReadValueNeedsCurrentEntry) {
    const Bytes payload = {0xC1, 0x01, 0x01};
    TlvDecoder decoder(payload, Path::resource(3, 0, 1));
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kInteger, value), Status::kInvalidState);
    Path path;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);
    EXPECT_EQ(decoder.read_value(DataType::kInteger, value), Status::kInvalidState);
}

struct MalformedCase {
    const char* name;
    Path request;
    Bytes payload;
    size_t entries_before_error;
};

TEST(Tlv, RejectsMalformedPayloads) {
    const std::vector<MalformedCase> cases = {
        {"identifier missing", Path::instance(3, 0), {0xC1}, 0},
        {"16-bit identifier cut", Path::instance(3, 0), {0xE1, 0x00}, 0},
        {"8-bit length missing", Path::instance(3, 0), {0xC8, 0x01}, 0},
        {"16-bit length cut", Path::instance(3, 0), {0xD0, 0x01, 0x00}, 0},
        {"24-bit length cut", Path::instance(3, 0), {0xD8, 0x01, 0x00, 0x00}, 0},
        {"inline length past end", Path::instance(3, 0), {0xC4, 0x01, 0x00, 0x00, 0x00}, 0},
        {"8-bit length past end", Path::instance(3, 0), {0xC8, 0x01, 0x05, 'a', 'b'}, 0},
        {"24-bit length past end", Path::instance(3, 0), {0xD8, 0x01, 0xFF, 0xFF, 0xFF, 'a'}, 0},
        {"second TLV truncated", Path::instance(3, 0), {0xC1, 0x01, 0x01, 0xC1, 0x02}, 1},
        {"child past container end", Path::instance(3, 0), {0x82, 0x07, 0x41, 0x00, 0x01}, 0},
        {"object instance past end", Path::object(3), {0x08, 0x00, 0x05, 0xC1, 0x00, 0x01}, 0},
        {"resource instance at instance level", Path::instance(3, 0), {0x41, 0x00, 0x01}, 0},
        {"resource at object level", Path::object(3), {0xC1, 0x00, 0x01}, 0},
        {"multiple resource at object level", Path::object(3), {0x83, 0x00, 0x41, 0x00, 0x01}, 0},
        {"object instance inside object instance",
         Path::object(3),
         {0x05, 0x00, 0x03, 0x01, 0xC1, 0x00, 0x01},
         0},
        {"resource inside multiple resource",
         Path::instance(3, 0),
         {0x83, 0x07, 0xC1, 0x00, 0x01},
         0},
        {"multiple inside multiple", Path::instance(3, 0), {0x82, 0x07, 0x80, 0x01}, 0},
        {"other object instance at instance level",
         Path::instance(3, 0),
         {0x03, 0x01, 0xC1, 0x00, 0x01},
         0},
        {"resources after wrapping instance",
         Path::instance(3, 0),
         {0x03, 0x00, 0xC1, 0x00, 0x01, 0xC1, 0x01, 0x01},
         1},
        {"wrapping instance after resources",
         Path::instance(3, 0),
         {0xC1, 0x01, 0x01, 0x03, 0x00, 0xC1, 0x00, 0x01},
         1},
        {"other resource at resource level", Path::resource(3, 0, 1), {0xC1, 0x02, 0x01}, 0},
        {"two TLVs at resource level",
         Path::resource(3, 0, 1),
         {0xC1, 0x01, 0x01, 0xC1, 0x01, 0x02},
         1},
        {"resource instance at resource level", Path::resource(3, 0, 1), {0x41, 0x00, 0x01}, 0},
        {"object instance at resource level",
         Path::resource(3, 0, 1),
         {0x03, 0x00, 0xC1, 0x01, 0x01},
         0},
        {"resource at resource instance level",
         Path::resource_instance(3, 0, 1, 0),
         {0xC1, 0x00, 0x01},
         0},
        {"other instance at resource instance level",
         Path::resource_instance(3, 0, 1, 0),
         {0x41, 0x01, 0x01},
         0},
        {"root request", Path(), {0xC1, 0x00, 0x01}, 0},
    };
    for (const MalformedCase& test_case : cases) {
        SCOPED_TRACE(test_case.name);
        TlvDecoder decoder(test_case.payload, test_case.request);
        Path path;
        for (size_t i = 0; i < test_case.entries_before_error; ++i) {
            ASSERT_EQ(decoder.next_entry(path), Status::kOk);
        }
        EXPECT_EQ(decoder.next_entry(path), Status::kMalformed);
        EXPECT_EQ(decoder.next_entry(path), Status::kMalformed);  // stays malformed
        Value value;
        EXPECT_EQ(decoder.read_value(DataType::kOpaque, value), Status::kInvalidState);
    }
}

TEST(Tlv, RoundTripsEveryValueType) {
    const std::vector<TestRecord> records = {
        integer_record(Path::resource(4, 1, 0), std::numeric_limits<int64_t>::min()),
        integer_record(Path::resource(4, 1, 1), std::numeric_limits<int64_t>::max()),
        value_record(Path::resource(4, 1, 2),
                     Value::make_unsigned(std::numeric_limits<uint64_t>::max())),
        value_record(Path::resource(4, 1, 3), Value::make_float(3.14159)),
        value_record(Path::resource(4, 1, 4), Value::make_float(-0.0)),
        value_record(Path::resource(4, 1, 5), Value::make_float(1e-310)),
        value_record(Path::resource(4, 1, 6), Value::make_boolean(true)),
        value_record(Path::resource(4, 1, 7), Value::make_time(-1)),
        value_record(Path::resource(4, 1, 8), Value::make_objlnk(65535, 65535)),
        bytes_record(Path::resource(4, 1, 9), DataType::kOpaque, std::string("\0\xff", 2)),
        bytes_record(Path::resource(4, 1, 10), DataType::kCorelnk, "</3/0>"),
        bytes_record(Path::resource_instance(4, 1, 11, 65535), DataType::kString, "last"),
        value_record(Path::resource(4, 2, 0), Value::make_float(16777217.0)),
    };
    const TypeOf type_of = [](const Path& path) {
        constexpr DataType kTypes[] = {
            DataType::kInteger, DataType::kInteger, DataType::kUnsignedInteger, DataType::kFloat,
            DataType::kFloat,   DataType::kFloat,   DataType::kBoolean,         DataType::kTime,
            DataType::kObjlnk,  DataType::kOpaque,  DataType::kCorelnk,         DataType::kString,
        };
        return path.ids[1] == 2 ? DataType::kFloat : kTypes[path.ids[2]];
    };
    for (const Path& request : {Path::object(4)}) {
        VectorSource source{records};
        Bytes payload;
        ASSERT_EQ(encode(request, source, payload), Status::kOk);
        std::vector<Entry> entries;
        EXPECT_EQ(decode(payload, request, type_of, entries), Status::kNotFound);
        expect_entries_match(entries, records);
    }
}

}  // namespace
}  // namespace lwm2m::io
