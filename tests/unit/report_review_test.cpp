// Review of the Information Reporting layer: Observe and Notify against Queue
// Mode, the reachability probe, stored notifications, Block2 notifications and
// the wake-up time that time_until_next_step_ms() returns.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "client_fixture.hpp"

namespace lwm2m {
namespace {

constexpr uint16_t kMeterObject = 30002;

// One instance with a float (resource 0) and a string of `text_length` bytes
// (resource 1), set directly by the tests.
class MeterObject final : public Object {
  public:
    MeterObject() : Object(kMeterObject, kResources) { std::memset(text, 'x', sizeof(text)); }

    int32_t next_instance(int32_t after) const override { return after < 0 ? 0 : -1; }

    Status read(uint16_t, uint16_t resource_id, uint16_t, Value& value) override {
        if (resource_id == 0) {
            value = Value::make_float(number);
        } else {
            value = Value::make_bytes(DataType::kString, {text, text_length});
        }
        return Status::kOk;
    }

    double number = 10;
    uint8_t text[2000];
    size_t text_length = 4;

  private:
    static constexpr ResourceDefinition kResources[] = {
        {0, Operations::kRead, DataType::kFloat, false, true},
        {1, Operations::kRead, DataType::kString, false, false},
    };
};

std::string payload_of(const Message& message) {
    return {message.payload.begin(), message.payload.end()};
}

class ReportReviewTest : public ClientTest {
  protected:
    // Registers as LwM2M 1.2, adds the meter object and responds to the Update
    // that lists it.
    void start() {
        config_.version = Lwm2mVersion::k1_2;
        config_.queue_timeout_ms = 5000;
        register_client();
        ASSERT_EQ(client_.add_object(meter_), Status::kOk);
        client_.step();
        respond(code::kChanged);
    }

    // Sends a CON request with token 0x70 `token` and returns the reply.
    Message request(uint8_t method, std::vector<const char*> path, int observe, uint8_t token,
                    std::vector<const char*> queries = {}, int block2 = -1) {
        uint8_t buffer[160];
        MessageWriter writer(buffer);
        const uint8_t token_bytes[] = {0x70, token};
        writer.header(Type::kConfirmable, method, next_message_id_++, token_bytes);
        if (observe >= 0) {
            writer.add_uint_option(option::kObserve, static_cast<uint32_t>(observe));
        }
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        if (method == code::kGet) {
            writer.add_uint_option(option::kAccept, coap::format::kTextPlain);
        }
        for (const char* query : queries) {
            writer.add_option(option::kUriQuery, query);
        }
        if (block2 >= 0) {
            writer.add_uint_option(option::kBlock2, static_cast<uint32_t>(block2));
        }
        transport_.deliver(writer.bytes());
        client_.step();
        return last_sent();
    }

    void write_attributes(std::vector<const char*> path, std::vector<const char*> queries) {
        ASSERT_EQ(request(code::kPut, path, -1, 0, queries).code, code::kChanged);
    }

    // Writes `value` to resource `resource` of the Server object; expects 2.04.
    void write_server_resource(const char* resource, const char* value) {
        uint8_t buffer[64];
        MessageWriter writer(buffer);
        writer.header(Type::kConfirmable, code::kPut, next_message_id_++, {});
        writer.add_option(option::kUriPath, "1");
        writer.add_option(option::kUriPath, "0");
        writer.add_option(option::kUriPath, resource);
        writer.append_payload(value);
        transport_.deliver(writer.bytes());
        client_.step();
        ASSERT_EQ(last_sent().code, code::kChanged);
    }

    // Observes /30002/0/0 as a CON observation with token 0x70 1.
    void observe_con() {
        write_attributes({"30002", "0", "0"}, {"con=1"});
        ASSERT_EQ(request(code::kGet, {"30002", "0", "0"}, 0, 1).code, code::kContent);
    }

    void change(double number) {
        meter_.number = number;
        client_.value_changed(Path::resource(kMeterObject, 0, 0));
    }

    void reply_empty(Type type, uint16_t message_id) {
        uint8_t buffer[4];
        MessageWriter writer(buffer);
        writer.header(type, code::kEmpty, message_id, {});
        transport_.deliver(writer.bytes());
        client_.step();
    }

    // Sends a CON notification and lets every retransmission go unanswered,
    // so that the server counts as unreachable.
    void make_unreachable() {
        observe_con();
        change(12);
        ASSERT_EQ(advance_and_collect(0).size(), 1u);
        for (int i = 0; i < 5; ++i) {
            advance(client_.time_until_next_step_ms());
        }
    }

    // True if time_until_next_step_ms() returns 0, a step() at the same clock
    // reading follows, and it returns 0 again although no datagram waits for
    // the client: the application would call step() in a loop that makes no
    // progress.
    bool spins() {
        if (client_.time_until_next_step_ms() != 0) {
            return false;
        }
        client_.step();
        const bool datagram_waiting = transport_.inbox_read != transport_.inbox_count &&
                                      transport_.state() == net::TransportState::kConnected;
        return client_.time_until_next_step_ms() == 0 && !datagram_waiting;
    }

    // Steps to each wake-up time the client asks for, up to `limit_ms` ahead
    // or `max_steps` wake-ups, and checks at each that the client does not spin.
    void run_without_spinning(uint64_t limit_ms, int max_steps = 200) {
        const uint64_t end_ms = clock_.now_ms + limit_ms;
        for (int i = 0; i < max_steps && clock_.now_ms < end_ms; ++i) {
            ASSERT_FALSE(spins()) << "at " << clock_.now_ms << " ms, wake-up " << i;
            const uint32_t wait = client_.time_until_next_step_ms();
            const uint64_t left = end_ms - clock_.now_ms;
            advance(wait < left ? wait : left);
        }
    }

    MeterObject meter_;
    uint16_t next_message_id_ = 0x4000;
};

// A Queue Mode client that goes offline with a CON notification in flight
// closes the socket that its ACK arrives on, so the ACK is lost and the
// notification is retransmitted until the server counts as unreachable.
TEST_F(ReportReviewTest, QueueModeStaysOnlineWhileConPending) {
    config_.queue_mode = true;
    start();
    observe_con();
    advance(4000);
    change(12);
    std::vector<Message> messages = advance_and_collect(0);
    ASSERT_EQ(messages.size(), 1u);
    const uint16_t message_id = messages[0].message_id;

    // Retransmissions go at 2 s and 6 s. The queue timeout (5 s after the last
    // one) passes before the third at 14 s.
    advance(2000);
    advance(4000);
    advance(5500);
    EXPECT_FALSE(client_.is_offline());

    reply_empty(Type::kAcknowledgement, message_id);
    EXPECT_TRUE(advance_and_collect(3000).empty());
}

// Probing a server that cannot be reached while the connect() of a Queue
// Mode wake-up fails must not make time_until_next_step_ms() return 0 on
// every call.
TEST_F(ReportReviewTest, ProbeBacksOffWhileConnectFails) {
    config_.queue_mode = true;
    start();
    make_unreachable();
    for (int i = 0; i < 20 && !client_.is_offline(); ++i) {
        advance(client_.time_until_next_step_ms());
    }
    ASSERT_TRUE(client_.is_offline());

    transport_.connect_result = Status::kNetworkError;
    run_without_spinning(120000, 20);

    transport_.connect_result = Status::kInProgress;
    run_without_spinning(120000, 20);
}

// In Queue Mode with the socket kept open, the client must listen for the
// reply to its CoAP ping instead of turning its receiver off in the same step.
TEST_F(ReportReviewTest, QueueModeListensAfterProbe) {
    config_.queue_mode = true;
    config_.close_socket_when_offline = false;
    start();
    make_unreachable();
    for (int i = 0; i < 20 && !client_.is_offline(); ++i) {
        advance(client_.time_until_next_step_ms());
    }
    ASSERT_TRUE(client_.is_offline());

    bool probed = false;
    for (int i = 0; i < 10 && !probed; ++i) {
        const size_t before = transport_.sent_count;
        advance(client_.time_until_next_step_ms());
        for (size_t index = before; index < transport_.sent_count; ++index) {
            const Message message = sent(index);
            probed |= message.code == code::kEmpty && message.type == Type::kConfirmable;
        }
    }
    ASSERT_TRUE(probed);
    EXPECT_FALSE(transport_.receive_off());
    EXPECT_FALSE(client_.is_offline());
}

// A new registration shows that the server is reachable: the notifications of
// the observations made after it go at once instead of into the store.
TEST_F(ReportReviewTest, RegisterMakesServerReachable) {
    start();
    make_unreachable();

    client_.request_update();
    client_.step();
    respond(code::kNotFound);
    client_.step();
    respond(code::kCreated, {"rd", "6b"});
    ASSERT_EQ(client_.registration_state(), RegistrationState::kRegistered);

    ASSERT_EQ(request(code::kGet, {"30002", "0", "0"}, 0, 2).code, code::kContent);
    change(40);
    const std::vector<Message> messages = advance_and_collect(0);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(payload_of(messages[0]), "40");
}

// Stored values that the transport cannot take now are retried after a
// delay, as other sends are, rather than on every step.
TEST_F(ReportReviewTest, BlockedStoredSendDoesNotSpin) {
    start();
    make_unreachable();
    change(13);
    advance(1000);

    // The server replies to the next probe while the transport would block.
    Message ping;
    bool probed = false;
    for (int i = 0; i < 10 && !probed; ++i) {
        const size_t before = transport_.sent_count;
        advance(client_.time_until_next_step_ms());
        for (size_t index = before; index < transport_.sent_count && !probed; ++index) {
            ping = sent(index);
            probed = ping.code == code::kEmpty && ping.type == Type::kConfirmable;
        }
    }
    ASSERT_TRUE(probed);
    transport_.send_result = Status::kWouldBlock;
    reply_empty(Type::kReset, ping.message_id);
    EXPECT_FALSE(spins());

    transport_.send_result = Status::kOk;
    advance(client_.time_until_next_step_ms());
    EXPECT_FALSE(notifications_since(transport_.sent_count - 1).empty());
}

// RFC 7959, 2.6 and RFC 7641: a notification larger than one message carries
// block 0 with Block2, and the server reads the other blocks with a GET
// without Observe, which must neither fail nor end the observation.
TEST_F(ReportReviewTest, LargeNotificationRestReadWithBlock2) {
    start();
    meter_.text_length = 1500;
    const Message first = request(code::kGet, {"30002", "0", "1"}, 0, 3);
    ASSERT_EQ(first.code, code::kContent);
    uint32_t observe = 0;
    ASSERT_TRUE(first.find_uint(option::kObserve, observe, 3));
    uint32_t block = 0;
    ASSERT_TRUE(first.find_uint(option::kBlock2, block, 3));
    EXPECT_EQ(block >> 4, 0u);
    EXPECT_NE(block & 0x08, 0u);

    meter_.text[0] = 'y';
    client_.value_changed(Path::resource(kMeterObject, 0, 1));
    std::vector<Message> messages = advance_and_collect(0);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].code, code::kContent);
    EXPECT_TRUE(messages[0].find_uint(option::kObserve, observe, 3));
    ASSERT_TRUE(messages[0].find_uint(option::kBlock2, block, 3));
    EXPECT_EQ(block >> 4, 0u);
    EXPECT_NE(block & 0x08, 0u);
    const uint32_t size_exponent = block & 0x07;

    // Block 1 with the observation's token and with another token.
    for (uint8_t token : {uint8_t{3}, uint8_t{4}}) {
        const Message rest =
            request(code::kGet, {"30002", "0", "1"}, -1, token, {}, (1 << 4) | size_exponent);
        EXPECT_EQ(rest.code, code::kContent);
        EXPECT_FALSE(rest.find_uint(option::kObserve, observe, 3));
        ASSERT_TRUE(rest.find_uint(option::kBlock2, block, 3));
        EXPECT_EQ(block >> 4, 1u);
    }

    meter_.text[0] = 'z';
    client_.value_changed(Path::resource(kMeterObject, 0, 1));
    EXPECT_EQ(advance_and_collect(0).size(), 1u);
}

// The wake-up time must not be 0 twice around a step that can do nothing: with
// a CON notification in flight and a NON one due meanwhile.
TEST_F(ReportReviewTest, WakeUpTimeWithConInFlight) {
    start();
    write_attributes({"30002", "0", "0"}, {"pmax=7"});
    observe_con();
    ASSERT_EQ(request(code::kGet, {"30002", "0", "1"}, 0, 2).code, code::kContent);

    change(12);
    run_without_spinning(1000);
    meter_.text[0] = 'y';
    client_.value_changed(Path::resource(kMeterObject, 0, 1));
    run_without_spinning(3000);
    change(13);
    run_without_spinning(120000);
}

// Unreachable with Notification Storing on, then offline in Queue Mode while
// the wake-up connect() is in progress, then connected again.
TEST_F(ReportReviewTest, WakeUpTimeWhileUnreachableStoring) {
    config_.queue_mode = true;
    start();
    write_attributes({"30002", "0", "0"}, {"pmax=7"});
    observe_con();
    for (int i = 0; i < 20; ++i) {
        change(20 + i);
        run_without_spinning(3000, 20);
    }

    transport_.connect_result = Status::kInProgress;
    change(50);
    run_without_spinning(20000);
    transport_.connect_result = Status::kOk;
    run_without_spinning(120000);
}

// Unreachable with Notification Storing off: only the probe wakes the client.
TEST_F(ReportReviewTest, WakeUpTimeWhileUnreachableNotStoring) {
    start();
    write_server_resource("6", "0");
    make_unreachable();
    for (int i = 0; i < 5; ++i) {
        change(60 + i);
        run_without_spinning(5000, 20);
    }
    run_without_spinning(300000);
}

// Stored values while the client is not registered: the Update fails and the
// Register attempts get no response.
TEST_F(ReportReviewTest, WakeUpTimeWithStoredWhileNotRegistered) {
    start();
    make_unreachable();
    change(13);
    run_without_spinning(1000);
    client_.request_update();
    client_.step();
    respond(code::kNotFound);
    change(80);
    run_without_spinning(600000);
}

}  // namespace
}  // namespace lwm2m
