// Observe and Notify (RFC 7641, LwM2M Core Information Reporting): the
// observation table, attributes and their inheritance, thresholds, CON and
// NON notifications, cancellation and Queue Mode.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client_fixture.hpp"

namespace lwm2m {
namespace {

constexpr uint16_t kSensorObject = 30001;

// One instance with a float value (0), a boolean (1) and a string (2), all
// readable and set directly by the tests.
class SensorObject final : public Object {
  public:
    SensorObject() : Object(kSensorObject, kResources) {}

    int32_t next_instance(int32_t after) const override { return present && after < 0 ? 0 : -1; }

    Status read(uint16_t, uint16_t resource_id, uint16_t, Value& value) override {
        switch (resource_id) {
            case 0:
                value = Value::make_float(number);
                return Status::kOk;
            case 1:
                value = Value::make_boolean(flag);
                return Status::kOk;
            default:
                value = Value::make_bytes(
                    DataType::kString, {reinterpret_cast<const uint8_t*>(name), std::strlen(name)});
                return Status::kOk;
        }
    }

    Status delete_instance(uint16_t) override {
        present = false;
        return Status::kOk;
    }

    double number = 10;
    bool flag = false;
    bool present = true;
    const char* name = "temp";

  private:
    static constexpr ResourceDefinition kResources[] = {
        {0, Operations::kRead, DataType::kFloat, false, true},
        {1, Operations::kRead, DataType::kBoolean, false, false},
        {2, Operations::kRead, DataType::kString, false, false},
    };
};

std::string payload_text(const Message& message) {
    return {message.payload.begin(), message.payload.end()};
}

bool observe_of(const Message& message, uint32_t& value) {
    return message.find_uint(option::kObserve, value, 3);
}

class ObserveTest : public ClientTest {
  protected:
    void SetUp() override {
        register_client();
        ASSERT_EQ(client_.add_object(sensor_), Status::kOk);
        client_.step();
        respond(code::kChanged);  // the Update that lists the new object
    }

    // Sends a CON GET with `observe` (or none if negative), token `token`,
    // Accept text/plain, and returns the reply.
    Message get(std::vector<const char*> path, int observe, uint8_t token,
                uint32_t accept = coap::format::kTextPlain) {
        uint8_t buffer[128];
        MessageWriter writer(buffer);
        const uint8_t token_bytes[] = {0x70, token};
        writer.header(Type::kConfirmable, code::kGet, next_message_id_++, token_bytes);
        if (observe >= 0) {
            writer.add_uint_option(option::kObserve, static_cast<uint32_t>(observe));
        }
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        writer.add_uint_option(option::kAccept, accept);
        transport_.deliver(writer.bytes());
        client_.step();
        return last_sent();
    }

    // Sends FETCH / with `observe`, token 0x70 0x05 and the SenML JSON path
    // list `paths`, accepting SenML JSON; returns the reply.
    Message fetch(int observe, const char* paths) {
        uint8_t buffer[256];
        MessageWriter writer(buffer);
        const uint8_t token[] = {0x70, 5};
        writer.header(Type::kConfirmable, code::kFetch, next_message_id_++, token);
        writer.add_uint_option(option::kObserve, static_cast<uint32_t>(observe));
        writer.add_uint_option(option::kContentFormat, coap::format::kSenmlJson);
        writer.add_uint_option(option::kAccept, coap::format::kSenmlJson);
        writer.append_payload(paths);
        transport_.deliver(writer.bytes());
        client_.step();
        return last_sent();
    }

    // Writes the text/plain `text` to `path` and returns the reply, with the
    // messages the step sent after it left to notifications_since().
    Message write_text(std::vector<const char*> path, const char* text) {
        uint8_t buffer[64];
        MessageWriter writer(buffer);
        writer.header(Type::kConfirmable, code::kPut, next_message_id_++, {});
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        writer.append_payload(text);
        const size_t before = transport_.sent_count;
        transport_.deliver(writer.bytes());
        client_.step();
        return before < transport_.sent_count ? sent(before) : Message();
    }

    // Writes attributes `queries` to `path`; expects 2.04.
    void write_attributes(std::vector<const char*> path, std::vector<const char*> queries) {
        uint8_t buffer[128];
        MessageWriter writer(buffer);
        writer.header(Type::kConfirmable, code::kPut, next_message_id_++, {});
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        for (const char* query : queries) {
            writer.add_option(option::kUriQuery, query);
        }
        transport_.deliver(writer.bytes());
        client_.step();
        ASSERT_EQ(last_sent().code, code::kChanged);
    }

    void change(double number) {
        sensor_.number = number;
        client_.value_changed(Path::resource(kSensorObject, 0, 0));
    }

    // Advances until the client sends a CoAP ping (an empty CON) and returns it.
    bool wait_for_ping(Message& ping) {
        for (int i = 0; i < 10; ++i) {
            const size_t before = transport_.sent_count;
            advance(client_.time_until_next_step_ms());
            for (size_t index = before; index < transport_.sent_count; ++index) {
                ping = sent(index);
                if (ping.code == code::kEmpty && ping.type == Type::kConfirmable) {
                    return true;
                }
            }
        }
        return false;
    }

    void reply_empty(Type type, uint16_t message_id) {
        uint8_t buffer[4];
        MessageWriter writer(buffer);
        writer.header(type, code::kEmpty, message_id, {});
        transport_.deliver(writer.bytes());
        client_.step();
    }

    SensorObject sensor_;
    uint16_t next_message_id_ = 0x4000;
};

TEST_F(ObserveTest, FirstResponseCarriesObserve) {
    const Message response = get({"30001", "0", "0"}, 0, 1);
    EXPECT_EQ(response.code, code::kContent);
    uint32_t observe = 0;
    EXPECT_TRUE(observe_of(response, observe));
    EXPECT_EQ(payload_text(response), "10");
}

TEST_F(ObserveTest, ChangeSendsNonNotification) {
    const Message first = get({"30001", "0", "0"}, 0, 1);
    uint32_t first_sequence = 0;
    ASSERT_TRUE(observe_of(first, first_sequence));

    change(21.5);
    const std::vector<Message> sent_messages = advance_and_collect(0);
    ASSERT_EQ(sent_messages.size(), 1u);
    const Message& notification = sent_messages[0];
    EXPECT_EQ(notification.type, Type::kNonConfirmable);
    EXPECT_EQ(notification.code, code::kContent);
    ASSERT_EQ(notification.token_length, 2);
    EXPECT_EQ(notification.token[1], 1);
    uint32_t sequence = 0;
    ASSERT_TRUE(observe_of(notification, sequence));
    EXPECT_GT(sequence, first_sequence);
    EXPECT_EQ(payload_text(notification), "21.5");
}

TEST_F(ObserveTest, OneNotificationADayIsConfirmable) {
    // RFC 7641, 4.5: NON notifications, but a CON at least every 24 hours.
    write_attributes({"30001", "0", "0"}, {"pmax=3600"});
    get({"30001", "0", "0"}, 0, 1);
    std::vector<Type> types;
    for (int minute = 1; minute <= 25 * 60; ++minute) {
        const size_t before = transport_.sent_count;
        advance(60'000);
        for (size_t i = before; i < transport_.sent_count; ++i) {
            const Message message = sent(i);
            if (message.code == code::kPost) {  // an Update, which the server takes
                deliver_response(transport_, message, code::kChanged, {});
                client_.step();
            } else if (message.token_length == 2 && message.token[0] == 0x70) {
                types.push_back(message.type);
                if (message.type == Type::kConfirmable) {
                    reply_empty(Type::kAcknowledgement, message.message_id);
                }
            }
        }
    }
    ASSERT_EQ(types.size(), 25u);
    for (size_t hour = 1; hour <= types.size(); ++hour) {
        EXPECT_EQ(types[hour - 1], hour == 24 ? Type::kConfirmable : Type::kNonConfirmable)
            << "notification of hour " << hour;
    }
}

TEST_F(ObserveTest, NoChangeNoNotification) {
    get({"30001", "0", "0"}, 0, 1);
    EXPECT_TRUE(advance_and_collect(600000).empty());
}

TEST_F(ObserveTest, PminHoldsNotification) {
    write_attributes({"30001", "0", "0"}, {"pmin=10"});
    get({"30001", "0", "0"}, 0, 1);
    advance(1000);
    change(11);
    EXPECT_TRUE(advance_and_collect(0).empty());
    EXPECT_EQ(client_.time_until_next_step_ms(), 9000u);
    EXPECT_TRUE(advance_and_collect(8999).empty());
    const std::vector<Message> notifications = advance_and_collect(1);
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(payload_text(notifications[0]), "11");
}

TEST_F(ObserveTest, PmaxSendsWithoutChange) {
    write_attributes({"30001", "0", "0"}, {"pmax=30"});
    get({"30001", "0", "0"}, 0, 1);
    EXPECT_TRUE(advance_and_collect(29999).empty());
    EXPECT_EQ(advance_and_collect(1).size(), 1u);
    EXPECT_TRUE(advance_and_collect(29999).empty());
    EXPECT_EQ(advance_and_collect(1).size(), 1u);
}

TEST_F(ObserveTest, ServerDefaultPeriodsApply) {
    // Default Minimum and Maximum Period of the Server object.
    ASSERT_EQ(write_text({"1", "0", "3"}, "20").code, code::kChanged);

    const Attributes attributes = client_.effective_attributes(Path::resource(kSensorObject, 0, 0));
    EXPECT_TRUE(attributes.has(Attributes::kPmax));
    EXPECT_EQ(attributes.pmax_s, 20u);
    EXPECT_FALSE(attributes.has(Attributes::kPmin));
    get({"30001", "0", "0"}, 0, 1);
    EXPECT_EQ(advance_and_collect(20000).size(), 1u);
}

TEST_F(ObserveTest, AttributesInheritedByLevel) {
    write_attributes({"30001"}, {"pmin=5", "pmax=100"});
    write_attributes({"30001", "0"}, {"pmin=10"});
    write_attributes({"30001", "0", "0"}, {"pmax=60", "gt=20"});
    const Attributes resource = client_.effective_attributes(Path::resource(kSensorObject, 0, 0));
    EXPECT_EQ(resource.pmin_s, 10u);
    EXPECT_EQ(resource.pmax_s, 60u);
    EXPECT_TRUE(resource.has(Attributes::kGreaterThan));
    const Attributes other = client_.effective_attributes(Path::resource(kSensorObject, 0, 1));
    EXPECT_EQ(other.pmin_s, 10u);
    EXPECT_EQ(other.pmax_s, 100u);
    EXPECT_FALSE(other.has(Attributes::kGreaterThan));
}

TEST_F(ObserveTest, GreaterThanNotifiesCrossings) {
    write_attributes({"30001", "0", "0"}, {"gt=20"});
    get({"30001", "0", "0"}, 0, 1);
    change(15);  // below gt, as before: no crossing
    EXPECT_TRUE(advance_and_collect(0).empty());
    change(25);
    std::vector<Message> notifications = advance_and_collect(0);
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(payload_text(notifications[0]), "25");
    change(30);  // still above
    EXPECT_TRUE(advance_and_collect(0).empty());
    change(19);  // back below
    notifications = advance_and_collect(0);
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(payload_text(notifications[0]), "19");
}

TEST_F(ObserveTest, CrossingValueSentNotLaterValue) {
    write_attributes({"30001", "0", "0"}, {"gt=20", "pmin=10"});
    get({"30001", "0", "0"}, 0, 1);
    advance(1000);
    change(25);  // crosses gt while pmin defers notifications
    change(24);  // no crossing: must not replace 25
    EXPECT_TRUE(advance_and_collect(0).empty());
    std::vector<Message> notifications = advance_and_collect(9000);
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(payload_text(notifications[0]), "25");
}

TEST_F(ObserveTest, CrossingBackIsNotifiedNext) {
    write_attributes({"30001", "0", "0"}, {"gt=20", "pmin=10"});
    get({"30001", "0", "0"}, 0, 1);
    advance(1000);
    change(25);  // up
    change(15);  // and down again before pmin
    std::vector<Message> notifications = advance_and_collect(9000);
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(payload_text(notifications[0]), "25");
    notifications = advance_and_collect(10000);
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(payload_text(notifications[0]), "15");
}

TEST_F(ObserveTest, StepNeedsEnoughChange) {
    write_attributes({"30001", "0", "0"}, {"st=5"});
    get({"30001", "0", "0"}, 0, 1);  // reported 10
    change(13);
    EXPECT_TRUE(advance_and_collect(0).empty());
    change(15.5);
    std::vector<Message> notifications = advance_and_collect(0);
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(payload_text(notifications[0]), "15.5");
    change(11);  // 4.5 below the last reported value
    EXPECT_TRUE(advance_and_collect(0).empty());
}

TEST_F(ObserveTest, EpminDefersEvaluation) {
    write_attributes({"30001", "0", "0"}, {"epmin=5", "gt=20"});
    get({"30001", "0", "0"}, 0, 1);
    advance(1000);
    change(25);  // within epmin of the evaluation at Observe time
    EXPECT_TRUE(advance_and_collect(0).empty());
    EXPECT_EQ(client_.time_until_next_step_ms(), 4000u);
    std::vector<Message> notifications = advance_and_collect(4000);
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(payload_text(notifications[0]), "25");
}

TEST_F(ObserveTest, EpmaxSamplesValue) {
    write_attributes({"30001", "0", "0"}, {"epmax=30", "gt=20"});
    get({"30001", "0", "0"}, 0, 1);
    sensor_.number = 25;  // changed without value_changed()
    EXPECT_TRUE(advance_and_collect(29999).empty());
    std::vector<Message> notifications = advance_and_collect(1);
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(payload_text(notifications[0]), "25");
}

TEST_F(ObserveTest, InstanceObservationSeesResourceChange) {
    get({"30001", "0"}, 0, 1, coap::format::kSenmlJson);
    change(12);
    const std::vector<Message> notifications = advance_and_collect(0);
    ASSERT_EQ(notifications.size(), 1u);
    uint32_t format = 0;
    ASSERT_TRUE(notifications[0].find_uint(option::kContentFormat, format));
    EXPECT_EQ(format, coap::format::kSenmlJson);
    EXPECT_NE(payload_text(notifications[0]).find("12"), std::string::npos);
}

TEST_F(ObserveTest, CancelWithObserveOne) {
    get({"30001", "0", "0"}, 0, 1);
    const Message response = get({"30001", "0", "0"}, 1, 1);
    EXPECT_EQ(response.code, code::kContent);
    uint32_t observe = 0;
    EXPECT_FALSE(observe_of(response, observe));
    change(50);
    EXPECT_TRUE(advance_and_collect(0).empty());
}

TEST_F(ObserveTest, ResetCancelsObservation) {
    get({"30001", "0", "0"}, 0, 1);
    change(12);
    const std::vector<Message> notifications = advance_and_collect(0);
    ASSERT_EQ(notifications.size(), 1u);
    reply_empty(Type::kReset, notifications[0].message_id);
    change(13);
    EXPECT_TRUE(advance_and_collect(0).empty());
}

TEST_F(ObserveTest, ReRegisterEndsObservations) {
    get({"30001", "0", "0"}, 0, 1);
    // The server forgets the client: the Update gets 4.04, and the client
    // registers again.
    client_.request_update();
    client_.step();
    respond(code::kNotFound);
    client_.step();
    respond(code::kCreated, {"rd", "6b"});
    ASSERT_EQ(client_.registration_state(), RegistrationState::kRegistered);
    change(40);
    EXPECT_TRUE(advance_and_collect(0).empty());
}

TEST_F(ObserveTest, DeletedInstanceEndsWith404) {
    get({"30001", "0", "0"}, 0, 1);
    uint8_t buffer[32];
    MessageWriter writer(buffer);
    writer.header(Type::kConfirmable, code::kDelete, next_message_id_++, {});
    writer.add_option(option::kUriPath, "30001");
    writer.add_option(option::kUriPath, "0");
    transport_.deliver(writer.bytes());
    client_.step();
    // The Delete's ACK, the 4.04 notification and the Update with the new list.
    bool found = false;
    for (size_t i = transport_.sent_count - 3; i < transport_.sent_count; ++i) {
        const Message message = sent(i);
        if (message.token_length == 2 && message.token[1] == 1) {
            EXPECT_EQ(message.code, code::kNotFound);
            uint32_t observe = 0;
            EXPECT_FALSE(observe_of(message, observe));
            found = true;
        }
    }
    EXPECT_TRUE(found);
    EXPECT_TRUE(advance_and_collect(600000).empty());
}

TEST_F(ObserveTest, TableFullAnswersWithoutObserve) {
    for (uint8_t token = 1; token <= LWM2M_MAX_OBSERVATIONS; ++token) {
        uint32_t observe = 0;
        ASSERT_TRUE(observe_of(get({"30001", "0", "0"}, 0, token), observe));
    }
    const Message response = get({"30001", "0", "0"}, 0, 100);
    EXPECT_EQ(response.code, code::kContent);
    uint32_t observe = 0;
    EXPECT_FALSE(observe_of(response, observe));
}

TEST_F(ObserveTest, FailedReadMakesNoObservation) {
    const Message response = get({"30001", "7", "0"}, 0, 1);
    EXPECT_EQ(response.code, code::kNotFound);
    uint32_t observe = 0;
    EXPECT_FALSE(observe_of(response, observe));
}

TEST_F(ObserveTest, QueueModeNotificationWakesOnSamePort) {
    // The client registers again, in Queue Mode.
    config_.queue_mode = true;
    config_.queue_timeout_ms = 5000;
    client_.deregister();
    client_.step();
    respond(code::kDeleted);
    register_client();
    const uint16_t port = transport_.local_port();
    get({"30001", "0", "0"}, 0, 1);
    advance(5000);
    ASSERT_TRUE(client_.is_offline());

    change(33);
    const std::vector<Message> messages = advance_and_collect(0);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(payload_text(messages[0]), "33");
    EXPECT_EQ(transport_.last_sent_port(), port);
    EXPECT_FALSE(client_.is_offline());
}

// A notification as the tests check it, copied out of the fake transport,
// whose datagrams later sends overwrite.
struct Notified {
    Type type = Type::kConfirmable;
    uint16_t message_id = 0;
    bool has_observe = false;
    uint32_t observe = 0;
    std::string payload;
};

struct SenmlValue {
    double value = 0;
    // Base time plus time, in seconds; 0 if the record has neither.
    double time_s = 0;
};

// The numeric values of a SenML JSON payload with their times, in order.
std::vector<SenmlValue> senml_values(const std::string& payload) {
    std::vector<SenmlValue> values;
    const nlohmann::json pack = nlohmann::json::parse(payload, nullptr, false);
    if (!pack.is_array()) {
        ADD_FAILURE() << "not a SenML JSON pack: " << payload;
        return values;
    }
    double base_time_s = 0;
    for (const nlohmann::json& record : pack) {
        base_time_s = record.value("bt", base_time_s);
        if (record.contains("v")) {
            values.push_back({record["v"].get<double>(), base_time_s + record.value("t", 0.0)});
        }
    }
    return values;
}

class ConfirmableObserveTest : public ObserveTest {
  protected:
    void SetUp() override {
        config_.version = Lwm2mVersion::k1_2;
        ObserveTest::SetUp();
    }

    // Leaves the CON notification just sent without an ACK through its 4
    // retransmissions, after which the client takes the server as unreachable.
    void time_out_notification() {
        for (int i = 0; i < 5; ++i) {
            advance(client_.time_until_next_step_ms());
        }
    }

    // Replies to the next CoAP ping with RST, so the server is reachable again,
    // then ACKs each confirmable notification that follows until no more come.
    // Returns the notifications in the order sent.
    std::vector<Notified> reconnect_and_collect() {
        std::vector<Notified> notified;
        Message ping;
        if (!wait_for_ping(ping)) {
            ADD_FAILURE() << "no CoAP ping while the server is unreachable";
            return notified;
        }
        size_t before = transport_.sent_count;
        reply_empty(Type::kReset, ping.message_id);
        for (int round = 0; round < 64; ++round) {
            const std::vector<Message> messages = notifications_since(before);
            before = transport_.sent_count;
            if (messages.empty()) {
                break;
            }
            for (const Message& message : messages) {
                Notified copy;
                copy.type = message.type;
                copy.message_id = message.message_id;
                copy.has_observe = observe_of(message, copy.observe);
                copy.payload = payload_text(message);
                notified.push_back(copy);
            }
            if (notified.back().type == Type::kConfirmable) {
                reply_empty(Type::kAcknowledgement, notified.back().message_id);
            } else {
                advance(0);
            }
        }
        return notified;
    }

    // The values of SenML JSON notifications with their times, in order.
    static std::vector<SenmlValue> values_of(const std::vector<Notified>& notified) {
        std::vector<SenmlValue> values;
        for (const Notified& notification : notified) {
            for (const SenmlValue& value : senml_values(notification.payload)) {
                values.push_back(value);
            }
        }
        return values;
    }
};

TEST_F(ConfirmableObserveTest, ConNotificationRetransmittedUntilAck) {
    write_attributes({"30001", "0", "0"}, {"con=1"});
    get({"30001", "0", "0"}, 0, 1);
    change(12);
    std::vector<Message> messages = advance_and_collect(0);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].type, Type::kConfirmable);
    const uint16_t message_id = messages[0].message_id;

    // ACK_TIMEOUT 2 s with the fake random source's spread.
    messages = advance_and_collect(client_.time_until_next_step_ms());
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].message_id, message_id);
    reply_empty(Type::kAcknowledgement, message_id);
    EXPECT_TRUE(advance_and_collect(600000).empty());

    change(13);  // the observation goes on
    EXPECT_EQ(advance_and_collect(0).size(), 1u);
}

TEST_F(ConfirmableObserveTest, StoredWhileUnreachableThenSentInOrder) {
    write_attributes({"30001", "0", "0"}, {"con=1"});
    get({"30001", "0", "0"}, 0, 1, coap::format::kSenmlJson);
    change(12);
    std::vector<Message> messages = advance_and_collect(0);
    ASSERT_EQ(messages.size(), 1u);
    // No ACK: 4 retransmissions, then the server counts as unreachable.
    for (int i = 0; i < 5; ++i) {
        advance(client_.time_until_next_step_ms());
    }
    change(13);
    advance(1000);
    change(14);
    EXPECT_TRUE(advance_and_collect(0).empty());

    // The next probe is a CoAP ping (an empty CON); the server responds with RST.
    Message ping;
    ASSERT_TRUE(wait_for_ping(ping));
    size_t before = transport_.sent_count;
    reply_empty(Type::kReset, ping.message_id);

    // The stored values go in one SenML notification, oldest first, with times.
    messages = notifications_since(before);
    ASSERT_EQ(messages.size(), 1u);
    const std::string payload = payload_text(messages[0]);
    const size_t first = payload.find("\"v\":12");
    const size_t second = payload.find("\"v\":13");
    const size_t third = payload.find("\"v\":14");
    ASSERT_NE(first, std::string::npos) << payload;
    ASSERT_NE(second, std::string::npos) << payload;
    ASSERT_NE(third, std::string::npos) << payload;
    EXPECT_LT(first, second);
    EXPECT_LT(second, third);
    EXPECT_NE(payload.find("\"t\":"), std::string::npos) << payload;
    reply_empty(Type::kAcknowledgement, messages[0].message_id);

    // Back to normal notifications.
    change(15);
    messages = advance_and_collect(0);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(payload_text(messages[0]).find("\"t\":"), std::string::npos);
}

TEST_F(ConfirmableObserveTest, StoringOffKeepsLatestValue) {
    // Notification Storing When Disabled or Offline (/1/0/6) off.
    ASSERT_EQ(write_text({"1", "0", "6"}, "0").code, code::kChanged);

    write_attributes({"30001", "0", "0"}, {"con=1"});
    get({"30001", "0", "0"}, 0, 1);
    change(12);
    advance(0);
    for (int i = 0; i < 5; ++i) {
        advance(client_.time_until_next_step_ms());
    }
    change(13);
    change(14);
    Message ping;
    ASSERT_TRUE(wait_for_ping(ping));
    const size_t before = transport_.sent_count;
    reply_empty(Type::kReset, ping.message_id);
    const std::vector<Message> messages = notifications_since(before);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(payload_text(messages[0]), "14");
}

TEST_F(ConfirmableObserveTest, FullStoreDeliversNewestInOrder) {
    write_attributes({"30001", "0", "0"}, {"con=1"});
    get({"30001", "0", "0"}, 0, 1, coap::format::kSenmlJson);
    change(100);
    ASSERT_EQ(advance_and_collect(0).size(), 1u);
    time_out_notification();

    // 30 snapshots in all, one a second: more than the store holds.
    constexpr int kLast = 129;
    for (int number = 101; number <= kLast; ++number) {
        advance(1000);
        change(number);
        advance(0);
    }
    EXPECT_TRUE(advance_and_collect(0).empty());

    const std::vector<Notified> notified = reconnect_and_collect();
    const std::vector<SenmlValue> values = values_of(notified);
    ASSERT_FALSE(values.empty());
    // The oldest were dropped, and the rest arrive in order with their times.
    EXPECT_GT(values.front().value, 100);
    EXPECT_EQ(values.back().value, kLast);
    for (size_t i = 1; i < values.size(); ++i) {
        EXPECT_EQ(values[i].value, values[i - 1].value + 1) << "position " << i;
        EXPECT_GT(values[i].time_s, values[i - 1].time_s) << "position " << i;
    }
    for (const Notified& notification : notified) {
        EXPECT_NE(notification.payload.find("\"t\":"), std::string::npos) << notification.payload;
    }

    // The store is empty: the next change goes alone.
    change(kLast + 1);
    const std::vector<Message> messages = advance_and_collect(0);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(payload_text(messages[0]).find("\"t\":"), std::string::npos);
}

TEST_F(ConfirmableObserveTest, HqmaxKeepsTwoNewestSnapshots) {
    write_attributes({"30001", "0", "0"}, {"con=1", "hqmax=2"});
    get({"30001", "0", "0"}, 0, 1, coap::format::kSenmlJson);
    change(12);
    ASSERT_EQ(advance_and_collect(0).size(), 1u);
    time_out_notification();
    for (int number = 13; number <= 16; ++number) {
        advance(1000);
        change(number);
        advance(0);
    }
    EXPECT_TRUE(advance_and_collect(0).empty());

    const std::vector<Notified> notified = reconnect_and_collect();
    const std::vector<SenmlValue> values = values_of(notified);
    ASSERT_EQ(values.size(), 2u);
    EXPECT_EQ(values[0].value, 15);
    EXPECT_EQ(values[1].value, 16);
    EXPECT_LT(values[0].time_s, values[1].time_s);
}

TEST_F(ConfirmableObserveTest, TextPlainSendsOneSnapshotPerNotification) {
    write_attributes({"30001", "0", "0"}, {"con=1"});
    const Message response = get({"30001", "0", "0"}, 0, 1);
    uint32_t first_observe = 0;
    ASSERT_TRUE(observe_of(response, first_observe));
    change(12);
    ASSERT_EQ(advance_and_collect(0).size(), 1u);
    time_out_notification();
    advance(1000);
    change(13);
    advance(1000);
    change(14);
    EXPECT_TRUE(advance_and_collect(0).empty());

    const std::vector<Notified> notified = reconnect_and_collect();
    ASSERT_EQ(notified.size(), 3u);
    EXPECT_EQ(notified[0].payload, "12");
    EXPECT_EQ(notified[1].payload, "13");
    EXPECT_EQ(notified[2].payload, "14");
    uint32_t previous = first_observe;
    for (const Notified& notification : notified) {
        EXPECT_EQ(notification.type, Type::kConfirmable);
        ASSERT_TRUE(notification.has_observe);
        // RFC 7641, 4.4: each notification carries a newer Observe value.
        EXPECT_GT(notification.observe, previous);
        previous = notification.observe;
    }

    change(15);
    const std::vector<Message> messages = advance_and_collect(0);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(payload_text(messages[0]), "15");
    uint32_t observe = 0;
    ASSERT_TRUE(observe_of(messages[0], observe));
    EXPECT_GT(observe, previous);
}

TEST_F(ConfirmableObserveTest, CancelledObservationSendsNoStoredValues) {
    write_attributes({"30001", "0", "0"}, {"con=1"});
    get({"30001", "0", "0"}, 0, 1);
    change(12);
    ASSERT_EQ(advance_and_collect(0).size(), 1u);
    time_out_notification();
    advance(1000);
    change(13);
    advance(0);

    // The server cancels while the client still takes it as unreachable.
    const Message cancel = get({"30001", "0", "0"}, 1, 1);
    EXPECT_EQ(cancel.code, code::kContent);
    uint32_t observe = 0;
    EXPECT_FALSE(observe_of(cancel, observe));

    EXPECT_TRUE(reconnect_and_collect().empty());
    change(14);
    EXPECT_TRUE(advance_and_collect(0).empty());
}

TEST_F(ConfirmableObserveTest, TooLongValueGoesOnceReachable) {
    write_attributes({"30001", "0", "2"}, {"con=1"});
    get({"30001", "0", "2"}, 0, 1);
    sensor_.name = "warm";
    client_.value_changed(Path::resource(kSensorObject, 0, 2));
    ASSERT_EQ(advance_and_collect(0).size(), 1u);
    time_out_notification();

    // Too long for the store, though not for a message.
    const std::string long_name(LWM2M_NOTIFICATION_STORE_SIZE + 10, 'x');
    ASSERT_LT(long_name.size() + 32, size_t{LWM2M_OUT_BUFFER_SIZE});
    sensor_.name = long_name.c_str();
    client_.value_changed(Path::resource(kSensorObject, 0, 2));
    EXPECT_TRUE(advance_and_collect(0).empty());
    // The client waits for the next probe rather than trying again at once.
    EXPECT_GT(client_.time_until_next_step_ms(), 0u);

    // The value that timed out was stored, and the long one, which was not,
    // goes after it as the latest value, as with Notification Storing off.
    const std::vector<Notified> notified = reconnect_and_collect();
    ASSERT_EQ(notified.size(), 2u);
    EXPECT_EQ(notified[0].payload, "warm");
    EXPECT_EQ(notified[1].payload, long_name);
}

TEST_F(ConfirmableObserveTest, ReplyToEarlierPingMakesReachable) {
    write_attributes({"30001", "0", "0"}, {"con=1"});
    get({"30001", "0", "0"}, 0, 1);
    change(12);
    ASSERT_EQ(advance_and_collect(0).size(), 1u);
    time_out_notification();
    Message ping;
    ASSERT_TRUE(wait_for_ping(ping));
    const uint16_t first_ping_id = ping.message_id;
    ASSERT_TRUE(wait_for_ping(ping));
    ASSERT_NE(ping.message_id, first_ping_id);

    // The RST to the first ping arrives late, after the second went out: it
    // still shows that the server is reachable.
    const size_t before = transport_.sent_count;
    reply_empty(Type::kReset, first_ping_id);
    const std::vector<Message> messages = notifications_since(before);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(payload_text(messages[0]), "12");
}

TEST_F(ConfirmableObserveTest, EdgeNotifiesRisingOnly) {
    write_attributes({"30001", "0", "1"}, {"edge=1"});
    get({"30001", "0", "1"}, 0, 1);
    sensor_.flag = true;
    client_.value_changed(Path::resource(kSensorObject, 0, 1));
    std::vector<Message> messages = advance_and_collect(0);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(payload_text(messages[0]), "1");
    sensor_.flag = false;
    client_.value_changed(Path::resource(kSensorObject, 0, 1));
    EXPECT_TRUE(advance_and_collect(0).empty());
}

TEST_F(ObserveTest, CompositeNotifiesAnyPath) {
    const char* paths = R"([{"n":"/30001/0/0"},{"n":"/30001/0/1"}])";
    const Message response = fetch(0, paths);
    ASSERT_EQ(response.code, code::kContent);
    uint32_t observe = 0;
    EXPECT_TRUE(observe_of(response, observe));

    sensor_.flag = true;
    client_.value_changed(Path::resource(kSensorObject, 0, 1));
    std::vector<Message> notifications = advance_and_collect(0);
    ASSERT_EQ(notifications.size(), 1u);
    const std::string payload = payload_text(notifications[0]);
    EXPECT_NE(payload.find("\"vb\":true"), std::string::npos) << payload;
    EXPECT_NE(payload.find("\"v\":10"), std::string::npos) << payload;

    // A change elsewhere in the object does not concern it.
    client_.value_changed(Path::resource(kSensorObject, 0, 2));
    EXPECT_TRUE(advance_and_collect(0).empty());

    // Cancel-Composite: FETCH with Observe 1 and the same token.
    EXPECT_EQ(fetch(1, paths).code, code::kContent);
    change(50);
    EXPECT_TRUE(advance_and_collect(0).empty());
}

TEST_F(ConfirmableObserveTest, ObserveRequestAttributesApply) {
    uint8_t buffer[128];
    MessageWriter writer(buffer);
    const uint8_t token[] = {0x70, 9};
    writer.header(Type::kConfirmable, code::kGet, next_message_id_++, token);
    writer.add_uint_option(option::kObserve, 0);
    writer.add_option(option::kUriPath, "30001");
    writer.add_option(option::kUriPath, "0");
    writer.add_option(option::kUriPath, "0");
    writer.add_option(option::kUriQuery, "pmin=5");
    writer.add_uint_option(option::kAccept, coap::format::kTextPlain);
    transport_.deliver(writer.bytes());
    client_.step();
    ASSERT_EQ(last_sent().code, code::kContent);

    change(12);
    EXPECT_TRUE(advance_and_collect(0).empty());
    EXPECT_EQ(advance_and_collect(5000).size(), 1u);
}

TEST_F(ObserveTest, ServerWriteNotifiesObservers) {
    get({"1", "0", "1"}, 0, 1);  // Lifetime
    const size_t before = transport_.sent_count;
    ASSERT_EQ(write_text({"1", "0", "1"}, "600").code, code::kChanged);
    const std::vector<Message> notifications = notifications_since(before);
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(payload_text(notifications[0]), "600");
}

TEST_F(ObserveTest, ResetWithRequestIdKeepsObservation) {
    // The first response was the ACK of the server's GET, whose message ID is
    // the server's: an RST with that number refers to some other message.
    const Message response = get({"30001", "0", "0"}, 0, 1);
    reply_empty(Type::kReset, response.message_id);
    change(12);
    EXPECT_EQ(advance_and_collect(0).size(), 1u);
}

TEST_F(ObserveTest, Lwm2m12AttributesRejectedIn11) {
    uint8_t buffer[64];
    MessageWriter writer(buffer);
    writer.header(Type::kConfirmable, code::kPut, next_message_id_++, {});
    writer.add_option(option::kUriPath, "30001");
    writer.add_option(option::kUriPath, "0");
    writer.add_option(option::kUriPath, "1");
    writer.add_option(option::kUriQuery, "edge=1");
    transport_.deliver(writer.bytes());
    client_.step();
    EXPECT_EQ(last_sent().code, code::kBadRequest);
}

}  // namespace
}  // namespace lwm2m
