// Block1 transfers from the server (RFC 7959): Writes and Creates applied
// block by block, with the transaction ending only at the last block, and
// other requests assembled in the Block1 buffer.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "client_fixture.hpp"

namespace lwm2m {
namespace {

constexpr uint16_t kBlobObject = 30000;

// An object whose instances hold an opaque (0), a string (1), an integer (2)
// and a multiple string resource (3). Writes go to a copy of the values that
// commit keeps and rollback drops, and long values are taken in pieces.
class BlobObject final : public Object {
  public:
    struct Values {
        std::vector<uint8_t> blob;
        std::string text;
        int64_t number = 0;
        std::map<uint16_t, std::string> texts;
        bool operator==(const Values&) const = default;
    };

    BlobObject() : Object(kBlobObject, kResources) { committed[0] = {}; }

    int32_t next_instance(int32_t after) const override {
        const auto next = committed.upper_bound(after < 0 ? -1 : after);
        return next == committed.end() ? -1 : next->first;
    }

    Status create_instance(uint16_t instance_id) override {
        staged[instance_id] = {};
        return Status::kOk;
    }

    Status clear_resource(uint16_t instance_id, uint16_t) override {
        staged[instance_id].texts.clear();
        return Status::kOk;
    }

    Status write(uint16_t instance_id, uint16_t resource_id, uint16_t item,
                 const Value& value) override {
        ++whole_writes;
        Values& values = staged[instance_id];
        const std::string text(value.bytes.begin(), value.bytes.end());
        switch (resource_id) {
            case 0:
                values.blob.assign(value.bytes.begin(), value.bytes.end());
                break;
            case 1:
                values.text = text;
                break;
            case 2:
                values.number = value.integer;
                break;
            default:
                values.texts[item] = text;
                break;
        }
        return Status::kOk;
    }

    Status write_chunk(uint16_t instance_id, uint16_t resource_id, uint16_t item,
                       const Value& value, size_t offset, bool last) override {
        chunk_offsets.push_back(offset);
        last_chunk_seen = last;
        Values& values = staged[instance_id];
        if (resource_id == 0) {
            if (offset != values.blob.size() && offset != 0) {
                return Status::kInvalidArgument;
            }
            if (offset == 0) {
                values.blob.clear();
            }
            values.blob.insert(values.blob.end(), value.bytes.begin(), value.bytes.end());
            return Status::kOk;
        }
        std::string& text = resource_id == 1 ? values.text : values.texts[item];
        if (offset == 0) {
            text.clear();
        }
        text.append(value.bytes.begin(), value.bytes.end());
        return Status::kOk;
    }

    Status begin_transaction() override {
        ++begun;
        staged = committed;
        return Status::kOk;
    }
    void commit_transaction() override {
        ++commits;
        committed = staged;
    }
    void rollback_transaction() override { ++rollbacks; }

    std::map<int32_t, Values> committed;
    std::map<int32_t, Values> staged;
    std::vector<size_t> chunk_offsets;
    bool last_chunk_seen = false;
    int whole_writes = 0;
    int begun = 0;
    int commits = 0;
    int rollbacks = 0;

  private:
    static constexpr ResourceDefinition kResources[] = {
        {0, Operations::kReadWrite, DataType::kOpaque, false, true},
        {1, Operations::kReadWrite, DataType::kString, false, false},
        {2, Operations::kReadWrite, DataType::kInteger, false, false},
        {3, Operations::kReadWrite, DataType::kString, true, false},
    };
};

// Byte i of the test blobs.
std::vector<uint8_t> pattern(size_t length) {
    std::vector<uint8_t> bytes(length);
    for (size_t i = 0; i < length; ++i) {
        bytes[i] = static_cast<uint8_t>(i % 251);
    }
    return bytes;
}

// Appends a TLV with the given type bits (kind), identifier and value.
void append_tlv(std::vector<uint8_t>& out, uint8_t kind, uint16_t id,
                const std::vector<uint8_t>& value) {
    uint8_t type = kind;
    if (id > 255) {
        type |= 0x20;
    }
    const size_t length = value.size();
    if (length < 8) {
        type |= static_cast<uint8_t>(length);
    } else if (length < 0x100) {
        type |= 0x08;
    } else if (length < 0x10000) {
        type |= 0x10;
    } else {
        type |= 0x18;
    }
    out.push_back(type);
    if (id > 255) {
        out.push_back(static_cast<uint8_t>(id >> 8));
    }
    out.push_back(static_cast<uint8_t>(id));
    if (length >= 0x10000) {
        out.push_back(static_cast<uint8_t>(length >> 16));
    }
    if (length >= 0x100) {
        out.push_back(static_cast<uint8_t>(length >> 8));
    }
    if (length >= 8) {
        out.push_back(static_cast<uint8_t>(length));
    }
    out.insert(out.end(), value.begin(), value.end());
}

std::vector<uint8_t> bytes_of(const std::string& text) {
    return {text.begin(), text.end()};
}

constexpr uint8_t kResourceTlv = 0xC0;
constexpr uint8_t kMultipleResourceTlv = 0x80;
constexpr uint8_t kResourceInstanceTlv = 0x40;

// Resource TLVs for the values of one instance: a 700-byte blob and two
// strings that a carry buffer of 128 bytes takes whole, or not.
std::vector<uint8_t> instance_tlv(BlobObject::Values& expected) {
    expected.blob = pattern(700);
    expected.text = std::string(50, 't');
    expected.number = -300;
    expected.texts = {{0, std::string(10, 'a')}, {5, std::string(120, 'b')}};
    std::vector<uint8_t> payload;
    append_tlv(payload, kResourceTlv, 0, expected.blob);
    append_tlv(payload, kResourceTlv, 1, bytes_of(expected.text));
    append_tlv(payload, kResourceTlv, 2, {0xfe, 0xd4});
    std::vector<uint8_t> items;
    for (const auto& [id, text] : expected.texts) {
        append_tlv(items, kResourceInstanceTlv, id, bytes_of(text));
    }
    append_tlv(payload, kMultipleResourceTlv, 3, items);
    return payload;
}

class Block1Test : public ClientTest {
  protected:
    void SetUp() override {
        register_client();
        ASSERT_EQ(client_.add_object(blob_), Status::kOk);
        client_.step();
        respond(code::kChanged);  // the Update that lists the new object
    }

    // Sends block `number` of `payload` in blocks of 16 << `size_exponent`
    // bytes and returns the client's reply.
    Message send_block(uint8_t method, std::vector<const char*> path, uint16_t format,
                       const std::vector<uint8_t>& payload, uint32_t number,
                       uint8_t size_exponent) {
        const size_t block_size = size_t{16} << size_exponent;
        std::vector<uint8_t> buffer(1400);
        MessageWriter writer(buffer);
        const uint8_t token[] = {0x42};
        writer.header(Type::kConfirmable, method, next_message_id_++, token);
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        writer.add_uint_option(option::kContentFormat, format);
        const size_t offset = number * block_size;
        const size_t length = std::min(block_size, payload.size() - offset);
        const bool more = offset + length < payload.size();
        writer.add_uint_option(option::kBlock1, (number << 4) | (more ? 0x08 : 0) | size_exponent);
        writer.append_payload({payload.data() + offset, length});
        const uint16_t message_id = next_message_id_ - 1;
        const size_t before = transport_.sent_count;
        transport_.deliver(writer.bytes());
        client_.step();
        // The client may send an Update after the reply, in the same step.
        for (size_t index = before; index < transport_.sent_count; ++index) {
            const Message reply = sent(index);
            if (reply.type == Type::kAcknowledgement && reply.message_id == message_id) {
                last_reply_ = reply;
                return reply;
            }
        }
        ADD_FAILURE() << "no reply to block " << number;
        return {};
    }

    // Sends the blocks of `payload` until one gets a code other than 2.31;
    // returns the replies' codes.
    std::vector<uint8_t> send_all(uint8_t method, std::vector<const char*> path, uint16_t format,
                                  const std::vector<uint8_t>& payload, uint8_t size_exponent) {
        const size_t block_size = size_t{16} << size_exponent;
        std::vector<uint8_t> codes;
        for (uint32_t number = 0; number * block_size < payload.size(); ++number) {
            codes.push_back(send_block(method, path, format, payload, number, size_exponent).code);
            if (codes.back() != code::kContinue) {
                break;
            }
        }
        return codes;
    }

    Message send_opaque_block(const std::vector<uint8_t>& payload, uint32_t number) {
        return send_block(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, payload, number,
                          6);
    }

    BlobObject blob_;
    uint16_t next_message_id_ = 0x900;
    Message last_reply_;
};

#if LWM2M_BLOCK1_CARRY_SIZE >= 128
// Writes applied block by block, with the default carry buffer of 128 bytes.

TEST_F(Block1Test, OpaqueWriteAppliedInPieces) {
    const std::vector<uint8_t> data = pattern(3000);
    EXPECT_EQ(send_opaque_block(data, 0).code, code::kContinue);
    EXPECT_EQ(send_opaque_block(data, 1).code, code::kContinue);
    EXPECT_EQ(blob_.commits, 0);
    const Message last = send_opaque_block(data, 2);
    EXPECT_EQ(last.code, code::kChanged);
    uint32_t block = 0;
    ASSERT_TRUE(last.find_uint(option::kBlock1, block));
    EXPECT_EQ(block, (2u << 4) | 6);  // NUM 2, M 0, SZX 6
    EXPECT_EQ(blob_.begun, 1);
    EXPECT_EQ(blob_.commits, 1);
    EXPECT_EQ(blob_.committed[0].blob, data);
    EXPECT_EQ(blob_.chunk_offsets, (std::vector<size_t>{0, 1024, 2048}));
    EXPECT_TRUE(blob_.last_chunk_seen);
}

TEST_F(Block1Test, ShortOpaqueValueArrivesWhole) {
    const std::vector<uint8_t> data = pattern(100);
    const std::vector<uint8_t> codes =
        send_all(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, data, 2);
    EXPECT_EQ(codes, (std::vector<uint8_t>{code::kContinue, code::kChanged}));
    EXPECT_EQ(blob_.whole_writes, 1);
    EXPECT_TRUE(blob_.chunk_offsets.empty());
    EXPECT_EQ(blob_.committed[0].blob, data);
}

TEST_F(Block1Test, MissingBlockIs408AndRollsBack) {
    const std::vector<uint8_t> data = pattern(3000);
    EXPECT_EQ(send_opaque_block(data, 0).code, code::kContinue);
    EXPECT_EQ(send_opaque_block(data, 2).code, code::kRequestEntityIncomplete);
    EXPECT_EQ(blob_.rollbacks, 1);
    EXPECT_EQ(blob_.commits, 0);
    EXPECT_TRUE(blob_.committed[0].blob.empty());
}

TEST_F(Block1Test, RepeatedBlockAppliedOnce) {
    const std::vector<uint8_t> data = pattern(2048 + 10);
    EXPECT_EQ(send_opaque_block(data, 0).code, code::kContinue);
    // The same block again under a new message ID, as after a lost ACK.
    EXPECT_EQ(send_opaque_block(data, 0).code, code::kContinue);
    EXPECT_EQ(send_opaque_block(data, 1).code, code::kContinue);
    EXPECT_EQ(send_opaque_block(data, 2).code, code::kChanged);
    EXPECT_EQ(blob_.committed[0].blob, data);
}

TEST_F(Block1Test, NewFirstBlockRestarts) {
    const std::vector<uint8_t> first = pattern(3000);
    const std::vector<uint8_t> second(1500, 0x5a);
    EXPECT_EQ(send_opaque_block(first, 0).code, code::kContinue);
    EXPECT_EQ(send_opaque_block(second, 0).code, code::kContinue);
    EXPECT_EQ(blob_.rollbacks, 1);
    EXPECT_EQ(send_opaque_block(second, 1).code, code::kChanged);
    EXPECT_EQ(blob_.commits, 1);
    EXPECT_EQ(blob_.committed[0].blob, second);
}

TEST_F(Block1Test, TlvWriteSameAtEveryBlockSize) {
    BlobObject::Values expected;
    const std::vector<uint8_t> payload = instance_tlv(expected);
    // SZX 0 to 6: blocks of 16 to 1024 bytes, cutting headers and values
    // at many places.
    for (uint8_t size_exponent = 0; size_exponent <= 6; ++size_exponent) {
        SCOPED_TRACE(::testing::Message() << "SZX " << int{size_exponent});
        blob_.committed[0] = {};
        const std::vector<uint8_t> codes =
            send_all(code::kPut, {"30000", "0"}, coap::format::kLwm2mTlv, payload, size_exponent);
        ASSERT_FALSE(codes.empty());
        EXPECT_EQ(codes.back(), code::kChanged);
        EXPECT_EQ(std::count(codes.begin(), codes.end(), code::kContinue),
                  static_cast<long>(codes.size() - 1));
        EXPECT_EQ(blob_.committed[0], expected);
    }
}

TEST_F(Block1Test, ShortTlvValuesArriveWhole) {
    BlobObject::Values expected;
    const std::vector<uint8_t> payload = instance_tlv(expected);
    send_all(code::kPut, {"30000", "0"}, coap::format::kLwm2mTlv, payload, 0);
    // Only the 700-byte blob is longer than the 128-byte carry buffer.
    EXPECT_EQ(blob_.whole_writes, 4);
    ASSERT_FALSE(blob_.chunk_offsets.empty());
    EXPECT_EQ(blob_.chunk_offsets.front(), 0u);
}

TEST_F(Block1Test, TlvCreateInBlocks) {
    BlobObject::Values expected;
    std::vector<uint8_t> payload;
    append_tlv(payload, 0x00, 7, instance_tlv(expected));  // Object Instance TLV, ID 7
    const std::vector<uint8_t> codes =
        send_all(code::kPost, {"30000"}, coap::format::kLwm2mTlv, payload, 5);
    ASSERT_EQ(codes.back(), code::kCreated);
    const Message reply = last_reply_;
    std::vector<std::string> location;
    for (uint8_t i = 0; i < reply.option_count; ++i) {
        if (reply.options[i].number == option::kLocationPath) {
            location.push_back(option_text(reply.options[i]));
        }
    }
    EXPECT_EQ(location, (std::vector<std::string>{"30000", "7"}));
    EXPECT_NE(reply.find(option::kBlock1), nullptr);
    EXPECT_EQ(blob_.committed[7], expected);
}

TEST_F(Block1Test, MalformedBlockIs400AndRollsBack) {
    BlobObject::Values expected;
    std::vector<uint8_t> payload = instance_tlv(expected);
    // A Resource Instance TLV at the top level of an instance is invalid.
    append_tlv(payload, kResourceInstanceTlv, 1, {1});
    ASSERT_GT(payload.size(), 512u);
    ASSERT_LE(payload.size(), 1024u);
    std::vector<uint8_t> codes =
        send_all(code::kPut, {"30000", "0"}, coap::format::kLwm2mTlv, payload, 5);
    EXPECT_EQ(codes, (std::vector<uint8_t>{code::kContinue, code::kBadRequest}));
    EXPECT_EQ(blob_.rollbacks, 1);
    EXPECT_EQ(blob_.commits, 0);
}

TEST_F(Block1Test, TextPlainWaitsForWholeValue) {
    const std::string text(100, 'x');
    const std::vector<uint8_t> codes =
        send_all(code::kPut, {"30000", "0", "1"}, coap::format::kTextPlain, bytes_of(text), 2);
    EXPECT_EQ(codes.back(), code::kChanged);
    EXPECT_EQ(blob_.committed[0].text, text);

    // Longer than the carry buffer: 4.13 as soon as that is known.
    const std::vector<uint8_t> long_codes =
        send_all(code::kPut, {"30000", "0", "1"}, coap::format::kTextPlain,
                 bytes_of(std::string(300, 'y')), 2);
    EXPECT_EQ(long_codes.back(), code::kRequestEntityTooLarge);
    EXPECT_EQ(blob_.committed[0].text, text);
}

TEST_F(Block1Test, AbandonedTransferRollsBack) {
    const std::vector<uint8_t> data = pattern(3000);
    EXPECT_EQ(send_opaque_block(data, 0).code, code::kContinue);
    // EXCHANGE_LIFETIME of the default CoAP parameters is 247 s.
    EXPECT_LE(client_.time_until_next_step_ms(), 247000u);
    advance(246000);
    EXPECT_EQ(blob_.rollbacks, 0);
    advance(1000);
    EXPECT_EQ(blob_.rollbacks, 1);
    EXPECT_EQ(send_opaque_block(data, 1).code, code::kRequestEntityIncomplete);
}

TEST_F(Block1Test, OtherWriteEndsTransfer) {
    const std::vector<uint8_t> data = pattern(3000);
    EXPECT_EQ(send_opaque_block(data, 0).code, code::kContinue);
    const std::vector<uint8_t> text = bytes_of("hello");
    EXPECT_EQ(send_all(code::kPut, {"30000", "0", "1"}, coap::format::kTextPlain, text, 6),
              (std::vector<uint8_t>{code::kChanged}));
    EXPECT_EQ(blob_.rollbacks, 1);
    EXPECT_EQ(blob_.committed[0].text, "hello");
    EXPECT_EQ(send_opaque_block(data, 1).code, code::kRequestEntityIncomplete);
}

TEST_F(Block1Test, RepeatWithoutMoreRollsBack) {
    const std::vector<uint8_t> data = pattern(80);
    for (uint32_t number = 0; number < 3; ++number) {
        EXPECT_EQ(
            send_block(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, data, number, 0)
                .code,
            code::kContinue);
    }
    // Block 1 again, but as the last block: it cannot end an 80-byte request
    // of which 48 bytes are stored.
    const std::vector<uint8_t> short_data(data.begin(), data.begin() + 32);
    EXPECT_EQ(
        send_block(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, short_data, 1, 0).code,
        code::kRequestEntityIncomplete);
    EXPECT_EQ(blob_.rollbacks, 1);
    EXPECT_EQ(blob_.commits, 0);
    EXPECT_TRUE(blob_.committed[0].blob.empty());
}

TEST_F(Block1Test, OpaqueOverCarryInSmallBlocks) {
    // 200 bytes in 16-byte blocks, longer than the 128 bytes returned whole.
    const std::vector<uint8_t> data = pattern(200);
    const std::vector<uint8_t> codes =
        send_all(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, data, 0);
    ASSERT_EQ(codes.size(), 13u);
    EXPECT_EQ(codes.back(), code::kChanged);
    EXPECT_EQ(blob_.committed[0].blob, data);
    ASSERT_FALSE(blob_.chunk_offsets.empty());
    EXPECT_EQ(blob_.chunk_offsets.front(), 0u);
}

TEST_F(Block1Test, EmptyLastBlockEndsOpaqueWrite) {
    // A short opaque value waits whole in the carry buffer, and a last block
    // without payload ends it. That payload has no data pointer to copy from
    // (the sanitizer build reports a null pointer passed to memcpy).
    const std::vector<uint8_t> data = pattern(48);
    const std::vector<uint8_t> value(data.begin(), data.begin() + 32);
    EXPECT_EQ(send_block(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, data, 0, 0).code,
              code::kContinue);
    EXPECT_EQ(send_block(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, data, 1, 0).code,
              code::kContinue);
    // Block 2 of the 32-byte value: no payload, M=0.
    EXPECT_EQ(send_block(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, value, 2, 0).code,
              code::kChanged);
    EXPECT_EQ(blob_.committed[0].blob, value);
}

TEST_F(Block1Test, BlockwiseGetLeavesTransfer) {
    const std::vector<uint8_t> data = pattern(64);
    EXPECT_EQ(send_block(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, data, 0, 0).code,
              code::kContinue);
    // A GET that announces more blocks has no payload to send in them.
    EXPECT_EQ(send_block(code::kGet, {"30000", "0", "1"}, coap::format::kTextPlain,
                         std::vector<uint8_t>(32, 'g'), 0, 0)
                  .code,
              code::kBadRequest);
    EXPECT_EQ(blob_.rollbacks, 0);
    for (uint32_t number = 1; number < 4; ++number) {
        const Message reply =
            send_block(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, data, number, 0);
        EXPECT_EQ(reply.code, number < 3 ? code::kContinue : code::kChanged);
    }
    EXPECT_EQ(blob_.committed[0].blob, data);
}

TEST_F(Block1Test, ObjectWithoutPiecesGets413) {
    ASSERT_EQ(client_.remove_object(kBlobObject), Status::kOk);
    client_.step();
    respond(code::kChanged);
    // The Device object takes no value in pieces.
    const std::vector<uint8_t> codes = send_all(
        code::kPut, {"3", "0", "15"}, coap::format::kLwm2mTlv,
        [] {
            std::vector<uint8_t> tlv;
            append_tlv(tlv, kResourceTlv, 15, std::vector<uint8_t>(400, 'z'));
            return tlv;
        }(),
        4);
    EXPECT_EQ(codes, (std::vector<uint8_t>{code::kRequestEntityTooLarge}));
}

TEST_F(Block1Test, OpaqueAtCarrySizesInBlocks) {
    // Blocks of at most 128 bytes fill the carry buffer exactly before the
    // value ends: the opaque value must then go on in pieces.
    for (const auto& [length, size_exponent] :
         {std::pair<size_t, uint8_t>{129, 0}, {300, 3}, {1000, 2}}) {
        SCOPED_TRACE(::testing::Message() << length << " bytes, SZX " << int{size_exponent});
        const std::vector<uint8_t> data = pattern(length);
        const std::vector<uint8_t> codes =
            send_all(code::kPut, {"30000", "0", "0"}, coap::format::kOpaque, data, size_exponent);
        ASSERT_FALSE(codes.empty());
        EXPECT_EQ(codes.back(), code::kChanged);
        EXPECT_EQ(blob_.committed[0].blob, data);
    }
}

TEST_F(Block1Test, TlvValueCutByLastBlockIs400) {
    // The TLV header announces 700 bytes, but the payload ends after 300:
    // the value is taken in pieces until the last block shows it truncated.
    std::vector<uint8_t> payload;
    append_tlv(payload, kResourceTlv, 0, pattern(700));
    payload.resize(300);
    const std::vector<uint8_t> codes =
        send_all(code::kPut, {"30000", "0", "0"}, coap::format::kLwm2mTlv, payload, 4);
    EXPECT_EQ(codes, (std::vector<uint8_t>{code::kContinue, code::kBadRequest}));
    EXPECT_EQ(blob_.begun, 1);
    EXPECT_EQ(blob_.rollbacks, 1);
    EXPECT_EQ(blob_.commits, 0);
    EXPECT_TRUE(blob_.committed[0].blob.empty());
}

TEST_F(Block1Test, EmptyMultipleTlvOnSingleResourceIs400) {
    // An empty Multiple Resource TLV may only name a multiple resource, and
    // resource 1 is a single string.
    std::vector<uint8_t> payload;
    append_tlv(payload, kMultipleResourceTlv, 1, {});
    EXPECT_EQ(send_all(code::kPut, {"30000", "0"}, coap::format::kLwm2mTlv, payload, 6),
              (std::vector<uint8_t>{code::kBadRequest}));

    // The same after a long value, with the payload in blocks.
    payload.clear();
    append_tlv(payload, kResourceTlv, 0, pattern(300));
    append_tlv(payload, kMultipleResourceTlv, 1, {});
    EXPECT_EQ(send_all(code::kPut, {"30000", "0"}, coap::format::kLwm2mTlv, payload, 4),
              (std::vector<uint8_t>{code::kContinue, code::kBadRequest}));
    EXPECT_EQ(blob_.whole_writes, 0);
    EXPECT_EQ(blob_.commits, 0);
}

#endif

TEST_F(Block1Test, AssembledRequestOverBufferIs413WithSize1) {
    // SenML JSON is assembled, not applied block by block.
    const std::vector<uint8_t> payload(LWM2M_BLOCK1_BUFFER_SIZE + 2048, ' ');
    const std::vector<uint8_t> codes =
        send_all(code::kPut, {"30000", "0"}, coap::format::kSenmlJson, payload, 6);
    EXPECT_EQ(codes.back(), code::kRequestEntityTooLarge);
    uint32_t size1 = 0;
    ASSERT_TRUE(last_reply_.find_uint(option::kSize1, size1));
    EXPECT_EQ(size1, static_cast<uint32_t>(LWM2M_BLOCK1_BUFFER_SIZE));
    EXPECT_EQ(blob_.begun, 0);
}

#if LWM2M_BLOCK1_BUFFER_SIZE >= 2048
TEST_F(Block1Test, SenmlWriteAssembledThenApplied) {
    const std::string text(600, 's');
    const std::string json = R"([{"n":"/30000/0/1","vs":")" + text + R"("}])";
    const std::vector<uint8_t> codes =
        send_all(code::kPut, {"30000", "0"}, coap::format::kSenmlJson, bytes_of(json), 4);
    ASSERT_EQ(codes.size(), (json.size() + 255) / 256);
    EXPECT_EQ(codes.back(), code::kChanged);
    EXPECT_EQ(blob_.begun, 1);
    EXPECT_EQ(blob_.whole_writes, 1);
    EXPECT_EQ(blob_.committed[0].text, text);
}
#endif

}  // namespace
}  // namespace lwm2m
