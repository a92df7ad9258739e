// Client::send(): the POST /dp on the wire, its SenML payload decoded by
// nlohmann-json as an independent oracle, and how a Send shares the one
// pending request with Register, Update and De-register.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client_fixture.hpp"
#include "lwm2m-server/senml.hpp"

namespace lwm2m {
namespace {

// Block1 option values (RFC 7959, 2.2): NUM << 4 | M << 3 | SZX.
constexpr uint32_t block1(uint32_t number, bool more, uint32_t size_exponent) {
    return (number << 4) | (more ? 0x08 : 0) | size_exponent;
}

// A temperature sensor (3303/0) whose Sensor Value (5700) the test sets, and
// Application Type (5750), a string of any length.
class Sensor final : public Object {
  public:
    Sensor() : Object(3303, kResources) {}

    Status read(uint16_t, uint16_t resource_id, uint16_t, Value& value) override {
        if (resource_id == 5700) {
            value = Value::make_float(temperature);
            return Status::kOk;
        }
        value = Value::make_bytes(DataType::kString,
                                  {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
        return Status::kOk;
    }

    double temperature = 21.5;
    std::string text = "room";

  private:
    static constexpr ResourceDefinition kResources[] = {
        {5700, Operations::kRead, DataType::kFloat, false, true},
        {5750, Operations::kRead, DataType::kString, false, false},
    };
};

// Records the outcomes passed to the SendCallback.
struct Outcomes {
    struct Entry {
        SendResult result;
        uint8_t code;
    };
    std::vector<Entry> entries;

    static void record(void* context, SendResult result, uint8_t code) {
        static_cast<Outcomes*>(context)->entries.push_back({result, code});
    }
};

constexpr Path kTemperature = Path::resource(3303, 0, 5700);

class SendTest : public ClientTest {
  protected:
    void register_with_sensor() {
        ASSERT_EQ(client_.add_object(sensor_), Status::kOk);
        register_client();
    }

    Status send(std::vector<Path> paths, SendFormat format = SendFormat::kSenmlCbor) {
        return client_.send(paths, Outcomes::record, &outcomes_, format);
    }

    // Delivers a server request with a payload and steps the client.
    void server_write(std::vector<const char*> path, const char* payload) {
        ++write_message_id_;
        uint8_t buffer[128];
        MessageWriter writer(buffer);
        writer.header(Type::kConfirmable, code::kPut, write_message_id_, {});
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        writer.add_uint_option(option::kContentFormat, coap::format::kTextPlain);
        writer.append_payload(payload);
        transport_.deliver(writer.bytes());
        client_.step();
    }

    // Sends a piggybacked response to `request`.
    void respond_to(const Message& request, uint8_t response_code) {
        uint8_t buffer[32];
        MessageWriter writer(buffer);
        writer.header(Type::kAcknowledgement, response_code, request.message_id,
                      request.token_view());
        transport_.deliver(writer.bytes());
        client_.step();
    }

    // Sends a response with `response_code` and a Block1 option to the last request.
    void respond_block(uint8_t response_code, uint32_t block1_value) {
        const Message request = last_sent();
        uint8_t buffer[64];
        MessageWriter writer(buffer);
        writer.header(Type::kAcknowledgement, response_code, request.message_id,
                      request.token_view());
        writer.add_uint_option(option::kBlock1, block1_value);
        transport_.deliver(writer.bytes());
        client_.step();
    }

    static nlohmann::json decode_cbor(const Message& message) {
        const auto pack = server::decode_senml_cbor(message.payload);
        EXPECT_TRUE(pack.has_value());
        return pack.value_or(nlohmann::json());
    }

    static bool is_send(const Message& message) {
        return message.type == Type::kConfirmable && message.code == code::kPost &&
               options_of(message, option::kUriPath) == std::vector<std::string>{"dp"};
    }

    Sensor sensor_;
    Outcomes outcomes_;
    uint16_t write_message_id_ = 0x700;
};

TEST_F(SendTest, WireBytesOfPostToDp) {
    register_with_sensor();
    ASSERT_EQ(send({kTemperature}), Status::kOk);
    client_.step();

    const testing::Datagram& datagram = transport_.last_sent();
    const std::vector<uint8_t> head(datagram.bytes.begin(), datagram.bytes.begin() + 14);
    const std::vector<uint8_t> expected = {
        0x44,                    // version 1, CON, token length 4
        0x02,                    // POST
        0x00, 0x01,              // message ID 1: the Register had 0
        0x00, 0x00, 0x00, 0x00,  // token (FakeRandom returns 0)
        0xb2, 'd',  'p',         // Uri-Path (11): delta 11, length 2
        0x11, 0x70,              // Content-Format (12): delta 1, length 1, 112 SenML CBOR
        0xff,                    // payload marker
    };
    EXPECT_EQ(head, expected);
    const nlohmann::json pack = decode_cbor(last_sent());
    ASSERT_EQ(pack.size(), 1u);
    EXPECT_EQ(pack[0]["n"], "/3303/0/5700");
    EXPECT_EQ(pack[0]["v"], 21.5);
    // FakeClock: 1700000000 s at monotonic 0, and the clock reads 1000 ms.
    EXPECT_EQ(pack[0]["t"], 1700000001);
}

TEST_F(SendTest, SenmlJsonPayload) {
    register_with_sensor();
    clock_.now_ms = 5000;
    ASSERT_EQ(send({Path::instance(3303, 0)}, SendFormat::kSenmlJson), Status::kOk);
    client_.step();

    const Message request = last_sent();
    ASSERT_TRUE(is_send(request));
    uint32_t format = 0;
    ASSERT_TRUE(request.find_uint(option::kContentFormat, format));
    EXPECT_EQ(format, coap::format::kSenmlJson);
    const auto pack = server::decode_senml_json(request.payload);
    ASSERT_TRUE(pack.has_value());
    const nlohmann::json values = server::resolve_senml(*pack);
    ASSERT_EQ(values.size(), 2u);
    EXPECT_EQ(values[0]["name"], "/3303/0/5700");
    EXPECT_EQ(values[0]["value"], 21.5);
    EXPECT_EQ(values[0]["time"], 1700000005.0);
    EXPECT_EQ(values[1]["name"], "/3303/0/5750");
    EXPECT_EQ(values[1]["value"], "room");
    EXPECT_EQ(values[1]["time"], 1700000005.0);
}

TEST_F(SendTest, SeveralPathsInOnePack) {
    register_with_sensor();
    ASSERT_EQ(send({kTemperature, Path::resource(3, 0, 0)}), Status::kOk);
    client_.step();
    const nlohmann::json values = server::resolve_senml(decode_cbor(last_sent()));
    ASSERT_EQ(values.size(), 2u);
    EXPECT_EQ(values[0]["name"], "/3303/0/5700");
    EXPECT_EQ(values[1]["name"], "/3/0/0");
    EXPECT_EQ(values[1]["value"], "Acme");
}

TEST_F(SendTest, ResponseCodeReachesCallback) {
    register_with_sensor();
    for (const uint8_t response_code : {code::kChanged, code::kNotFound, code::kBadRequest}) {
        outcomes_.entries.clear();
        ASSERT_EQ(send({kTemperature}), Status::kOk);
        client_.step();
        ASSERT_TRUE(is_send(last_sent()));
        respond(response_code);
        ASSERT_EQ(outcomes_.entries.size(), 1u);
        EXPECT_EQ(outcomes_.entries[0].result, SendResult::kResponse);
        EXPECT_EQ(outcomes_.entries[0].code, response_code);
        EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistered);
    }
}

TEST_F(SendTest, MuteSendRejectsSend) {
    register_with_sensor();
    server_write({"1", "0", "23"}, "1");
    ASSERT_EQ(last_sent().code, code::kChanged);
    const size_t before = transport_.sent_count;
    EXPECT_EQ(send({kTemperature}), Status::kUnsupported);
    client_.step();
    EXPECT_EQ(transport_.sent_count, before);
    EXPECT_TRUE(outcomes_.entries.empty());

    server_write({"1", "0", "23"}, "0");
    EXPECT_EQ(send({kTemperature}), Status::kOk);
}

TEST_F(SendTest, MuteWhileQueuedDropsSend) {
    register_with_sensor();
    client_.request_update();
    client_.step();
    const Message update = last_sent();
    ASSERT_EQ(send({kTemperature}), Status::kOk);
    server_write({"1", "0", "23"}, "1");
    EXPECT_TRUE(outcomes_.entries.empty());

    const size_t before = transport_.sent_count;
    respond_to(update, code::kChanged);
    ASSERT_EQ(outcomes_.entries.size(), 1u);
    EXPECT_EQ(outcomes_.entries[0].result, SendResult::kMuted);
    EXPECT_EQ(transport_.sent_count, before);
}

TEST_F(SendTest, NotRegisteredIsInvalidState) {
    ASSERT_EQ(client_.add_object(sensor_), Status::kOk);
    EXPECT_EQ(send({kTemperature}), Status::kInvalidState);
    configure();
    client_.step();  // Register in flight
    EXPECT_EQ(send({kTemperature}), Status::kInvalidState);
    EXPECT_EQ(transport_.sent_count, 1u);
}

TEST_F(SendTest, SecondSendIsInvalidState) {
    register_with_sensor();
    ASSERT_EQ(send({kTemperature}), Status::kOk);
    EXPECT_EQ(send({kTemperature}), Status::kInvalidState);  // queued
    client_.step();
    EXPECT_EQ(send({kTemperature}), Status::kInvalidState);  // in flight
    respond(code::kChanged);
    EXPECT_EQ(send({kTemperature}), Status::kOk);
}

TEST_F(SendTest, InvalidPathsFailUpFront) {
    register_with_sensor();
    EXPECT_EQ(send({Path::resource(3303, 1, 5700)}), Status::kNotFound);
    EXPECT_EQ(send({Path::object(9999)}), Status::kNotFound);
    EXPECT_EQ(send({kTemperature, Path::resource(3, 0, 9999)}), Status::kNotFound);
    EXPECT_EQ(send({Path::resource_instance(3303, 0, 5700, 0)}), Status::kNotFound);
    EXPECT_EQ(send({Path::resource(0, 0, 0)}), Status::kInvalidArgument);
    EXPECT_EQ(send({Path{}}), Status::kInvalidArgument);
    EXPECT_EQ(send({}), Status::kInvalidArgument);
    const std::vector<Path> too_many(LWM2M_MAX_SEND_PATHS + 1, kTemperature);
    EXPECT_EQ(send(too_many), Status::kNoSpace);
    const size_t before = transport_.sent_count;
    client_.step();
    EXPECT_EQ(transport_.sent_count, before);
}

TEST_F(SendTest, ResourceInstancePathIsSent) {
    register_with_sensor();
    // Available Power Sources (/3/0/6) has no instances without a DeviceInfo
    // callback, so use Error Code (/3/0/11), instance 0.
    ASSERT_EQ(send({Path::resource_instance(3, 0, 11, 0)}), Status::kOk);
    client_.step();
    const nlohmann::json values = server::resolve_senml(decode_cbor(last_sent()));
    ASSERT_EQ(values.size(), 1u);
    EXPECT_EQ(values[0]["name"], "/3/0/11/0");
    EXPECT_EQ(values[0]["value"], 0);
}

TEST_F(SendTest, SendWaitsBehindUpdate) {
    register_with_sensor();
    client_.request_update();
    client_.step();
    const Message update = last_sent();
    ASSERT_EQ(options_of(update, option::kUriPath), (std::vector<std::string>{"rd", "5a"}));

    ASSERT_EQ(send({kTemperature}), Status::kOk);
    const size_t before = transport_.sent_count;
    client_.step();
    EXPECT_EQ(transport_.sent_count, before);
    // The next timed work is the Update's retransmission.
    EXPECT_EQ(client_.time_until_next_step_ms(), 2000u);

    respond(code::kChanged);
    ASSERT_EQ(transport_.sent_count, before + 1);
    EXPECT_TRUE(is_send(last_sent()));
    EXPECT_EQ(last_sent().message_id, update.message_id + 1);
}

TEST_F(SendTest, QueuedSendNeedsStepNow) {
    register_with_sensor();
    ASSERT_GT(client_.time_until_next_step_ms(), 0u);
    ASSERT_EQ(send({kTemperature}), Status::kOk);
    EXPECT_EQ(client_.time_until_next_step_ms(), 0u);
    client_.step();
    EXPECT_EQ(client_.time_until_next_step_ms(), 2000u);
}

TEST_F(SendTest, RetransmittedThenTimeoutReported) {
    register_with_sensor();
    ASSERT_EQ(send({kTemperature}), Status::kOk);
    client_.step();
    const size_t first = transport_.sent_count - 1;
    const Message original = last_sent();
    // RFC 7252, 4.2: timeouts 2, 4, 8 and 16 s (FakeRandom: no random spread).
    size_t copies = 1;
    for (uint64_t timeout_ms : {2000u, 4000u, 8000u, 16000u}) {
        advance(timeout_ms - 1);
        EXPECT_EQ(transport_.sent_count, first + copies);
        advance(1);
        ++copies;
    }
    ASSERT_EQ(transport_.sent_count, first + 5);
    for (size_t i = first + 1; i < first + 5; ++i) {
        const Message copy = sent(i);
        EXPECT_EQ(copy.message_id, original.message_id);
        EXPECT_TRUE(std::equal(copy.payload.begin(), copy.payload.end(), original.payload.begin(),
                               original.payload.end()));
    }
    EXPECT_TRUE(outcomes_.entries.empty());
    advance(32000);
    ASSERT_EQ(outcomes_.entries.size(), 1u);
    EXPECT_EQ(outcomes_.entries[0].result, SendResult::kTimedOut);
    EXPECT_EQ(outcomes_.entries[0].code, 0);

    // The registration goes on: the next Update is sent as usual.
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistered);
    client_.request_update();
    client_.step();
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), (std::vector<std::string>{"rd", "5a"}));
}

TEST_F(SendTest, ResetReported) {
    register_with_sensor();
    ASSERT_EQ(send({kTemperature}), Status::kOk);
    client_.step();
    uint8_t reset[4];
    MessageWriter writer(reset);
    writer.header(Type::kReset, code::kEmpty, last_sent().message_id, {});
    transport_.deliver(writer.bytes());
    client_.step();
    ASSERT_EQ(outcomes_.entries.size(), 1u);
    EXPECT_EQ(outcomes_.entries[0].result, SendResult::kReset);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistered);
}

TEST_F(SendTest, QueueModeSendWakesOnSamePort) {
    config_.queue_mode = true;
    config_.queue_timeout_ms = 5000;
    register_with_sensor();
    const uint16_t port = transport_.local_port();
    advance(5000);
    ASSERT_TRUE(client_.is_offline());
    ASSERT_EQ(transport_.state(), net::TransportState::kClosed);

    const size_t before = transport_.sent_count;
    ASSERT_EQ(send({kTemperature}), Status::kOk);
    client_.step();
    EXPECT_EQ(transport_.reuse_calls, 1);
    EXPECT_FALSE(client_.is_offline());
    // The POST goes directly, with no Update before it.
    ASSERT_EQ(transport_.sent_count, before + 1);
    EXPECT_TRUE(is_send(last_sent()));
    EXPECT_EQ(transport_.last_sent_port(), port);

    // The queue timeout counts again from the response.
    advance(1000);
    respond(code::kChanged);
    ASSERT_EQ(outcomes_.entries.size(), 1u);
    advance(4999);
    EXPECT_FALSE(client_.is_offline());
    advance(1);
    EXPECT_TRUE(client_.is_offline());
}

TEST_F(SendTest, LargePayloadGoesInBlocks) {
    register_with_sensor();
    sensor_.text = std::string(2500, 'x');
    ASSERT_EQ(send({Path::resource(3303, 0, 5750)}), Status::kOk);
    client_.step();

    std::vector<uint8_t> payload;
    for (uint32_t number = 0; number < 10; ++number) {
        const Message block = last_sent();
        ASSERT_TRUE(is_send(block));
        uint32_t value = 0;
        ASSERT_TRUE(block.find_uint(option::kBlock1, value, 3));
        EXPECT_EQ(value >> 4, number);
        EXPECT_EQ(value & 0x07, 6u);  // 1024-byte blocks
        payload.insert(payload.end(), block.payload.begin(), block.payload.end());
        if ((value & 0x08) == 0) {
            respond(code::kChanged);
            break;
        }
        respond_block(code::kContinue, block1(number, true, 6));
    }
    ASSERT_EQ(outcomes_.entries.size(), 1u);
    EXPECT_EQ(outcomes_.entries[0].result, SendResult::kResponse);
    EXPECT_EQ(outcomes_.entries[0].code, code::kChanged);

    const auto pack = server::decode_senml_cbor(payload);
    ASSERT_TRUE(pack.has_value());
    const nlohmann::json values = server::resolve_senml(*pack);
    ASSERT_EQ(values.size(), 1u);
    EXPECT_EQ(values[0]["name"], "/3303/0/5750");
    EXPECT_EQ(values[0]["value"], sensor_.text);
}

TEST_F(SendTest, DeregisterDropsQueuedSend) {
    register_with_sensor();
    client_.request_update();
    client_.step();
    ASSERT_EQ(send({kTemperature}), Status::kOk);
    client_.deregister();
    client_.step();
    ASSERT_EQ(outcomes_.entries.size(), 1u);
    EXPECT_EQ(outcomes_.entries[0].result, SendResult::kDeregistered);
    respond(code::kChanged);
    EXPECT_EQ(last_sent().code, code::kDelete);
}

TEST_F(SendTest, LostRegistrationDropsQueuedSend) {
    register_with_sensor();
    client_.request_update();
    client_.step();
    ASSERT_EQ(send({kTemperature}), Status::kOk);
    respond(code::kNotFound);  // the Update fails: Register again
    ASSERT_EQ(outcomes_.entries.size(), 1u);
    EXPECT_EQ(outcomes_.entries[0].result, SendResult::kNotRegistered);
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"rd"});
}

// Starts a new Send from the callback of the previous one.
struct Chain {
    Client* client;
    int done = 0;

    static void on_done(void* context, SendResult, uint8_t) {
        auto& chain = *static_cast<Chain*>(context);
        if (++chain.done == 1) {
            EXPECT_EQ(chain.client->send(std::span<const Path>(&kTemperature, 1), on_done, context),
                      Status::kOk);
        }
    }
};

TEST_F(SendTest, CallbackMayStartNextSend) {
    register_with_sensor();
    Chain chain{&client_};
    ASSERT_EQ(client_.send(std::span<const Path>(&kTemperature, 1), Chain::on_done, &chain),
              Status::kOk);
    client_.step();
    const uint16_t first_id = last_sent().message_id;
    respond(code::kChanged);
    EXPECT_EQ(chain.done, 1);
    ASSERT_TRUE(is_send(last_sent()));
    EXPECT_NE(last_sent().message_id, first_id);
    respond(code::kChanged);
    EXPECT_EQ(chain.done, 2);
}

}  // namespace
}  // namespace lwm2m
