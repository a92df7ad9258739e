// Tests of the opaque (application/octet-stream) encoder and decoder.
#include "io/opaque.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "codec_test_support.hpp"

namespace lwm2m::io {
namespace {

const Path kPath = Path::resource(5, 0, 0);

OneRecord opaque_record(const Bytes& bytes) {
    return {{kPath, Value::make_bytes(DataType::kOpaque, {})}, bytes};
}

TEST(Opaque, EncodesBytesUnchanged) {
    const Bytes bytes = {0x00, 0xFF, 0x10, 0x80};
    const OneRecord record = opaque_record(bytes);
    uint8_t window[16];
    PayloadSink sink(window);
    ASSERT_EQ(encode_opaque(kPath, record.source(), sink), Status::kOk);
    EXPECT_EQ(Bytes(sink.kept().begin(), sink.kept().end()), bytes);

    const OneRecord empty = opaque_record({});
    PayloadSink empty_sink(window);
    ASSERT_EQ(encode_opaque(kPath, empty.source(), empty_sink), Status::kOk);
    EXPECT_EQ(empty_sink.total(), 0u);
}

TEST(Opaque, EncoderRejectsInvalidInput) {
    uint8_t window[16];
    for (size_t count : {size_t{0}, size_t{2}}) {
        OneRecord record = opaque_record({1});
        record.count = count;
        PayloadSink sink(window);
        EXPECT_EQ(encode_opaque(kPath, record.source(), sink), Status::kInvalidArgument);
    }

    OneRecord string_record{{kPath, Value::make_bytes(DataType::kString, {})}, {'a'}};
    PayloadSink sink(window);
    EXPECT_EQ(encode_opaque(kPath, string_record.source(), sink), Status::kInvalidArgument);

    OneRecord other_path = opaque_record({1});
    other_path.record.path = Path::resource(5, 0, 1);
    EXPECT_EQ(encode_opaque(kPath, other_path.source(), sink), Status::kInvalidArgument);

    OneRecord failing = opaque_record({1});
    failing.fail = true;
    EXPECT_EQ(encode_opaque(kPath, failing.source(), sink), Status::kInvalidState);
    EXPECT_EQ(sink.total(), 0u);
}

TEST(Opaque, EncoderStreamsThroughSmallWindows) {
    Bytes bytes(100);
    for (size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<uint8_t>(i * 13);
    }
    const OneRecord record = opaque_record(bytes);
    for (size_t start : {size_t{0}, size_t{3}}) {
        EXPECT_EQ(join_windows(encode_opaque, kPath, record.source(), bytes, start), bytes);
    }
}

TEST(Opaque, DecoderReturnsPayloadView) {
    const Bytes payload = {1, 2, 3};
    OpaqueDecoder decoder(payload, kPath);
    Path path;
    Value value;
    EXPECT_EQ(decoder.read_value(DataType::kOpaque, value), Status::kInvalidState);
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    EXPECT_EQ(path, kPath);
    ASSERT_EQ(decoder.read_value(DataType::kOpaque, value), Status::kOk);
    EXPECT_EQ(value.type, DataType::kOpaque);
    EXPECT_EQ(value.bytes.data(), payload.data());
    EXPECT_EQ(value.bytes.size(), payload.size());
    EXPECT_EQ(decoder.next_entry(path), Status::kNotFound);
    EXPECT_EQ(decoder.read_value(DataType::kOpaque, value), Status::kInvalidState);
}

TEST(Opaque, DecoderRejectsOtherTypes) {
    const Bytes payload = {'1'};
    for (DataType type : {DataType::kNone, DataType::kInteger, DataType::kUnsignedInteger,
                          DataType::kFloat, DataType::kBoolean, DataType::kString, DataType::kTime,
                          DataType::kObjlnk, DataType::kCorelnk}) {
        SCOPED_TRACE(static_cast<int>(type));
        OpaqueDecoder decoder(payload, kPath);
        Path path;
        Value value;
        ASSERT_EQ(decoder.next_entry(path), Status::kOk);
        EXPECT_EQ(decoder.read_value(type, value), Status::kMalformed);
    }
}

TEST(Opaque, DecodesEmptyPayload) {
    OpaqueDecoder decoder({}, kPath);
    Path path;
    Value value;
    ASSERT_EQ(decoder.next_entry(path), Status::kOk);
    ASSERT_EQ(decoder.read_value(DataType::kOpaque, value), Status::kOk);
    EXPECT_TRUE(value.bytes.empty());
}

}  // namespace
}  // namespace lwm2m::io
