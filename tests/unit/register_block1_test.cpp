// Register and Update whose link list does not fit the out buffer: the client
// sends it in Block1 blocks (RFC 7959) and follows the server's responses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coap/message.hpp"
#include "fakes.hpp"
#include "lwm2m/client.hpp"

namespace lwm2m {
namespace {

using coap::Message;
using coap::MessageWriter;
using coap::Type;
using testing::FakeClock;
using testing::FakeRandom;
using testing::FakeTransport;
namespace code = coap::code;
namespace option = coap::option;

static_assert(LWM2M_OUT_BUFFER_SIZE == 1200, "the expected bytes assume the default out buffer");

// Links of the built-in Server and Device objects, which every list starts with.
constexpr const char* kBuiltinLinks = "</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>";

// Block1 option values (RFC 7959, 2.2): NUM << 4 | M << 3 | SZX.
constexpr uint32_t block1(uint32_t number, bool more, uint32_t size_exponent) {
    return (number << 4) | (more ? 0x08 : 0) | size_exponent;
}

// An object with instances 0 to count - 1 and no resources, to make the link
// list as long as a test needs.
class ManyInstances final : public Object {
  public:
    ManyInstances(uint16_t object_id, int32_t count) : Object(object_id, {}), count_(count) {}

    int32_t next_instance(int32_t after) const override {
        return after + 1 < count_ ? after + 1 : -1;
    }

  private:
    int32_t count_;
};

// The link list of the built-in objects and `object`, written out here
// independently of the client's encoder.
std::string expected_links(uint16_t object_id, int32_t count) {
    std::string links = kBuiltinLinks;
    for (int32_t i = 0; i < count; ++i) {
        links += ",</" + std::to_string(object_id) + "/" + std::to_string(i) + ">";
    }
    return links;
}

std::string payload_of(const Message& message) {
    return {message.payload.begin(), message.payload.end()};
}

class RegisterBlock1Test : public ::testing::Test {
  protected:
    // 200 instances give 2329 bytes of links: 1024-byte blocks 0 and 1, and a
    // last block 2 of 281 bytes.
    static constexpr int32_t kInstances = 200;

    RegisterBlock1Test() : client_(transport_, clock_, random_) {
        config_.endpoint_name = "e";
        config_.server_uri = "coap://192.0.2.1:5683";
        config_.lifetime_s = 60;
    }

    void start() {
        ASSERT_EQ(client_.add_object(objects_), Status::kOk);
        ASSERT_EQ(client_.configure(config_), Status::kOk);
        client_.step();
    }

    Message last_sent() {
        Message message;
        EXPECT_GT(transport_.sent_count, 0u);
        EXPECT_EQ(coap::decode(transport_.last_sent().view(), message), coap::DecodeResult::kOk);
        return message;
    }

    std::vector<uint8_t> last_sent_bytes() {
        const std::span<const uint8_t> bytes = transport_.last_sent().view();
        return {bytes.begin(), bytes.end()};
    }

    // Responds to the last request with a piggybacked response. `block1_value`
    // below 0 leaves out the Block1 option.
    void respond(uint8_t response_code, int64_t block1_value = -1,
                 std::vector<const char*> location = {}, int64_t size1 = -1) {
        const Message request = last_sent();
        uint8_t buffer[128];
        MessageWriter writer(buffer);
        writer.header(Type::kAcknowledgement, response_code, request.message_id,
                      request.token_view());
        for (const char* segment : location) {
            writer.add_option(option::kLocationPath, segment);
        }
        if (block1_value >= 0) {
            writer.add_uint_option(option::kBlock1, static_cast<uint32_t>(block1_value));
        }
        if (size1 >= 0) {
            writer.add_uint_option(option::kSize1, static_cast<uint32_t>(size1));
        }
        transport_.deliver(writer.bytes());
        client_.step();
    }

    // Responds with raw option bytes after the token, for malformed options.
    void respond_raw(uint8_t response_code, std::vector<uint8_t> options) {
        const Message request = last_sent();
        std::vector<uint8_t> bytes = {0x60 | LWM2M_TOKEN_LENGTH, response_code,
                                      static_cast<uint8_t>(request.message_id >> 8),
                                      static_cast<uint8_t>(request.message_id)};
        bytes.insert(bytes.end(), request.token, request.token + request.token_length);
        bytes.insert(bytes.end(), options.begin(), options.end());
        transport_.deliver(bytes);
        client_.step();
    }

    // Moves the clock to the next Register attempt of the retry procedure.
    void advance_to_retry() {
        const size_t before = transport_.sent_count;
        for (int i = 0; i < 10 && transport_.sent_count == before; ++i) {
            clock_.now_ms += client_.time_until_next_step_ms();
            client_.step();
        }
        ASSERT_EQ(transport_.sent_count, before + 1);
    }

    static uint32_t block1_of(const Message& message) {
        uint32_t value = 0;
        EXPECT_TRUE(message.find_uint(option::kBlock1, value, 3));
        return value;
    }

    std::string links_ = expected_links(3303, kInstances);
    ManyInstances objects_{3303, kInstances};
    FakeTransport transport_;
    FakeClock clock_;
    FakeRandom random_;
    ClientConfig config_;
    Client client_;
};

// The options of the Register for endpoint "e" with lifetime 60.
const std::vector<uint8_t> kRegisterHead = {
    0x00, 0x00, 0x00, 0x00,                                // token (the fake random source)
    0xb2, 'r',  'd',                                       // Uri-Path (11): delta 11, length 2
    0x11, 40,                                              // Content-Format (12): 40
    0x34, 'e',  'p',  '=',  'e',                           // Uri-Query (15): delta 3, length 4
    0x05, 'l',  't',  '=',  '6', '0',                      // Uri-Query: delta 0, length 5
    0x09, 'l',  'w',  'm',  '2', 'm', '=', '1', '.', '1',  // Uri-Query: length 9
    0x03, 'b',  '=',  'U',                                 // Uri-Query: length 3
};

std::vector<uint8_t> concat(std::vector<uint8_t> head, const std::vector<uint8_t>& tail,
                            const std::string& payload) {
    head.insert(head.end(), tail.begin(), tail.end());
    head.insert(head.end(), payload.begin(), payload.end());
    return head;
}

TEST_F(RegisterBlock1Test, BlocksWireBytes) {
    start();
    ASSERT_EQ(links_.size(), 2329u);

    std::vector<uint8_t> block0 = {0x44, 0x02, 0x00, 0x00};  // CON, POST, message ID 0
    block0.insert(block0.end(), kRegisterHead.begin(), kRegisterHead.end());
    const std::vector<uint8_t> block0_options = {
        0xc1, 0x0e,              // Block1 (27): delta 12, length 1; NUM 0, M 1, SZX 6 (1024)
        0xd2, 0x14, 0x09, 0x19,  // Size1 (60): delta 13 + 20, length 2; 2329
        0xff,                    // payload marker
    };
    EXPECT_EQ(last_sent_bytes(), concat(block0, block0_options, links_.substr(0, 1024)));

    respond(code::kContinue, block1(0, true, 6));
    std::vector<uint8_t> block1_head = {0x44, 0x02, 0x00, 0x01};  // CON, POST, message ID 1
    block1_head.insert(block1_head.end(), kRegisterHead.begin(), kRegisterHead.end());
    const std::vector<uint8_t> block1_options = {
        0xc1, 0x1e,  // Block1 (27): delta 12, length 1; NUM 1, M 1, SZX 6; no Size1
        0xff,        // payload marker
    };
    EXPECT_EQ(last_sent_bytes(), concat(block1_head, block1_options, links_.substr(1024, 1024)));

    respond(code::kContinue, block1(1, true, 6));
    std::vector<uint8_t> block2_head = {0x44, 0x02, 0x00, 0x02};  // CON, POST, message ID 2
    block2_head.insert(block2_head.end(), kRegisterHead.begin(), kRegisterHead.end());
    const std::vector<uint8_t> block2_options = {
        0xc1, 0x26,  // Block1 (27): delta 12, length 1; NUM 2, M 0, SZX 6
        0xff,        // payload marker
    };
    EXPECT_EQ(last_sent_bytes(), concat(block2_head, block2_options, links_.substr(2048)));

    // libcoap 4.3.1 sends the final 2.01 without a Block1 option.
    respond(code::kCreated, -1, {"rd", "7"});
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistered);
    EXPECT_EQ(transport_.sent_count, 3u);
}

TEST_F(RegisterBlock1Test, EachBlockHasNewToken) {
    start();
    const Message first = last_sent();
    random_.value = 0x5a5a5a5a;
    respond(code::kContinue, block1(0, true, 6));

    const Message second = last_sent();
    EXPECT_NE(second.message_id, first.message_id);
    ASSERT_EQ(second.token_length, LWM2M_TOKEN_LENGTH);
    EXPECT_EQ(second.token[0], 0x5a);
    EXPECT_EQ(block1_of(second), block1(1, true, 6));
}

TEST_F(RegisterBlock1Test, SmallerSizeFromServer) {
    start();
    // RFC 7959, 2.5: the server took 1024 bytes but wants 256-byte blocks,
    // so the next block is number 4 of 256 bytes, at offset 1024.
    respond(code::kContinue, block1(0, true, 4));

    Message next = last_sent();
    EXPECT_EQ(block1_of(next), block1(4, true, 4));
    EXPECT_EQ(next.find(option::kSize1), nullptr);
    EXPECT_EQ(payload_of(next), links_.substr(1024, 256));

    respond(code::kContinue, block1(4, true, 4));
    next = last_sent();
    EXPECT_EQ(block1_of(next), block1(5, true, 4));
    EXPECT_EQ(payload_of(next), links_.substr(1280, 256));
}

TEST_F(RegisterBlock1Test, SmallerSizeReachesLastBlock) {
    start();
    respond(code::kContinue, block1(0, true, 5));  // 512-byte blocks from offset 1024 on
    std::string received = links_.substr(0, 1024);
    for (int i = 0; i < 8 && client_.registration_state() == RegistrationState::kRegistering; ++i) {
        const Message block = last_sent();
        const uint32_t value = block1_of(block);
        EXPECT_EQ(value & 0x07, 5u);
        EXPECT_EQ((value >> 4) * 512, received.size());
        received += payload_of(block);
        if ((value & 0x08) == 0) {
            respond(code::kCreated, -1, {"rd", "7"});
        } else {
            respond(code::kContinue, value);
        }
    }
    EXPECT_EQ(received, links_);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistered);
}

TEST_F(RegisterBlock1Test, TooLargeWithBlock1Restarts) {
    start();
    respond(code::kContinue, block1(0, true, 6));
    ASSERT_EQ(block1_of(last_sent()), block1(1, true, 6));

    // RFC 7959, 2.9.3: 4.13 with Block1 names the block size to use.
    respond(code::kRequestEntityTooLarge, block1(1, false, 5), {}, 1024);
    const Message restarted = last_sent();
    EXPECT_EQ(block1_of(restarted), block1(0, true, 5));
    uint32_t size1 = 0;
    ASSERT_TRUE(restarted.find_uint(option::kSize1, size1));
    EXPECT_EQ(size1, links_.size());
    EXPECT_EQ(payload_of(restarted), links_.substr(0, 512));
    EXPECT_EQ(restarted.message_id, 2);
}

TEST_F(RegisterBlock1Test, TooLargeWithoutSmallerSizeFails) {
    start();
    respond(code::kRequestEntityTooLarge, -1, {}, 1000);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
    EXPECT_EQ(transport_.sent_count, 1u);

    // The retry procedure registers again later, from block 0 at full size.
    advance_to_retry();
    EXPECT_EQ(block1_of(last_sent()), block1(0, true, 6));

    // 4.13 naming the same size as the one in use is a rejection too.
    respond(code::kRequestEntityTooLarge, block1(0, false, 6));
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
}

TEST_F(RegisterBlock1Test, IncompleteRestartsOnce) {
    start();
    respond(code::kContinue, block1(0, true, 6));
    respond(code::kRequestEntityIncomplete);

    const Message restarted = last_sent();
    EXPECT_EQ(transport_.sent_count, 3u);
    EXPECT_EQ(block1_of(restarted), block1(0, true, 6));
    EXPECT_NE(restarted.find(option::kSize1), nullptr);
    EXPECT_EQ(payload_of(restarted), links_.substr(0, 1024));

    respond(code::kContinue, block1(0, true, 6));
    respond(code::kRequestEntityIncomplete);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
    EXPECT_EQ(transport_.sent_count, 4u);
}

TEST_F(RegisterBlock1Test, BlockRetransmitted) {
    start();
    respond(code::kContinue, block1(0, true, 6));
    const std::vector<uint8_t> block = last_sent_bytes();

    // RFC 7252, 4.2: the same message again after ACK_TIMEOUT (2 s here).
    clock_.now_ms += 1999;
    client_.step();
    EXPECT_EQ(transport_.sent_count, 2u);
    clock_.now_ms += 1;
    client_.step();
    ASSERT_EQ(transport_.sent_count, 3u);
    EXPECT_EQ(last_sent_bytes(), block);

    respond(code::kContinue, block1(1, true, 6));
    EXPECT_EQ(block1_of(last_sent()), block1(2, false, 6));
}

TEST_F(RegisterBlock1Test, LostBlockFailsRegister) {
    config_.coap.max_retransmit = 1;
    start();
    respond(code::kContinue, block1(0, true, 6));
    // Timeouts of 2 s and 4 s, then the Register attempt has failed.
    clock_.now_ms += 2000;
    client_.step();
    clock_.now_ms += 4000;
    client_.step();
    EXPECT_EQ(transport_.sent_count, 3u);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);

    advance_to_retry();
    EXPECT_EQ(block1_of(last_sent()), block1(0, true, 6));
}

TEST_F(RegisterBlock1Test, UpdateLinksBlockwise) {
    config_.endpoint_name = "e";
    ASSERT_EQ(client_.configure(config_), Status::kOk);
    client_.step();
    respond(code::kCreated, -1, {"rd", "5a"});
    ASSERT_EQ(client_.registration_state(), RegistrationState::kRegistered);

    ASSERT_EQ(client_.add_object(objects_), Status::kOk);
    client_.step();
    const std::vector<uint8_t> head = {
        0x44, 0x02, 0x00, 0x01,  // CON, POST, message ID 1
        0x00, 0x00, 0x00, 0x00,  // token
        0xb2, 'r',  'd',         // Uri-Path (11): "rd"
        0x02, '5',  'a',         // Uri-Path: "5a"
        0x11, 40,                // Content-Format (12): 40
    };
    const std::vector<uint8_t> block0_options = {
        0xd1, 0x02, 0x0e,        // Block1 (27): delta 13 + 2, length 1; NUM 0, M 1, SZX 6
        0xd2, 0x14, 0x09, 0x19,  // Size1 (60): delta 13 + 20, length 2; 2329
        0xff,                    // payload marker
    };
    EXPECT_EQ(last_sent_bytes(), concat(head, block0_options, links_.substr(0, 1024)));

    respond(code::kContinue, block1(0, true, 6));
    respond(code::kContinue, block1(1, true, 6));
    const Message last = last_sent();
    EXPECT_EQ(block1_of(last), block1(2, false, 6));
    EXPECT_EQ(payload_of(last), links_.substr(2048));

    respond(code::kChanged, block1(2, false, 6));
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistered);
    client_.request_update();
    client_.step();
    EXPECT_EQ(last_sent().find(option::kBlock1), nullptr);  // no links: one message
}

TEST_F(RegisterBlock1Test, OddBlock1ResponsesFail) {
    struct Case {
        const char* name;
        std::vector<uint8_t> options;
    };
    const std::vector<Case> cases = {
        {"no Block1", {}},
        {"Block1 of 4 bytes", {0xd4, 0x0e, 0x00, 0x00, 0x00, 0x0e}},
        {"SZX 7", {0xd1, 0x0e, 0x0f}},
        {"another block", {0xd1, 0x0e, 0x1e}},
    };
    for (const Case& item : cases) {
        SCOPED_TRACE(item.name);
        FakeTransport transport;
        FakeClock clock;
        FakeRandom random;
        Client client(transport, clock, random);
        ManyInstances objects(3303, kInstances);
        ASSERT_EQ(client.add_object(objects), Status::kOk);
        ASSERT_EQ(client.configure(config_), Status::kOk);
        client.step();

        Message request;
        ASSERT_EQ(coap::decode(transport.last_sent().view(), request), coap::DecodeResult::kOk);
        std::vector<uint8_t> bytes = {0x60 | LWM2M_TOKEN_LENGTH, code::kContinue,
                                      static_cast<uint8_t>(request.message_id >> 8),
                                      static_cast<uint8_t>(request.message_id)};
        bytes.insert(bytes.end(), request.token, request.token + request.token_length);
        bytes.insert(bytes.end(), item.options.begin(), item.options.end());
        transport.deliver(bytes);
        client.step();

        EXPECT_EQ(transport.sent_count, 1u);
        EXPECT_EQ(client.registration_state(), RegistrationState::kNotRegistered);
    }
}

TEST_F(RegisterBlock1Test, ContinueAfterLastBlockFails) {
    start();
    respond(code::kContinue, block1(0, true, 6));
    respond(code::kContinue, block1(1, true, 6));
    respond(code::kContinue, block1(2, true, 6));
    EXPECT_EQ(transport_.sent_count, 3u);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
}

TEST_F(RegisterBlock1Test, SuccessBeforeLastBlockFails) {
    start();
    // A server that took block 0 as the whole request, as libcoap 4.3.1 does
    // when Size1 is missing, must not leave the client registered.
    respond(code::kCreated, -1, {"rd", "7"});
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
    EXPECT_EQ(transport_.sent_count, 1u);
}

TEST_F(RegisterBlock1Test, FinalResponseWithMoreBitAccepted) {
    start();
    respond(code::kContinue, block1(0, true, 6));
    respond(code::kContinue, block1(1, true, 6));
    respond_raw(code::kCreated, {
                                    0x82, 'r', 'd',    // Location-Path (8): "rd"
                                    0x01, '7',         // Location-Path: "7"
                                    0xd1, 0x06, 0x2e,  // Block1 (27): NUM 2, M 1, SZX 6
                                });
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistered);
}

TEST_F(RegisterBlock1Test, SmallListStaysOneMessage) {
    ManyInstances few(3303, 3);
    ASSERT_EQ(client_.add_object(few), Status::kOk);
    ASSERT_EQ(client_.configure(config_), Status::kOk);
    client_.step();

    const Message request = last_sent();
    EXPECT_EQ(request.find(option::kBlock1), nullptr);
    EXPECT_EQ(request.find(option::kSize1), nullptr);
    EXPECT_EQ(payload_of(request), expected_links(3303, 3));

    // 4.13 with a Block1 size turns the same request into blocks.
    respond(code::kRequestEntityTooLarge, block1(0, false, 0));
    const Message restarted = last_sent();
    EXPECT_EQ(block1_of(restarted), block1(0, true, 0));
    EXPECT_EQ(payload_of(restarted), expected_links(3303, 3).substr(0, 16));
}

}  // namespace
}  // namespace lwm2m
