// Client state machine against fake ports: Register, retransmission, the
// retry procedure, the Update schedule, Queue Mode and server requests.
#include "lwm2m/client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "client_fixture.hpp"

namespace lwm2m {
namespace {

TEST_F(ClientTest, RegisterCarriesParametersAndLinks) {
    configure();
    client_.step();

    ASSERT_EQ(transport_.sent_count, 1u);
    const Message request = last_sent();
    EXPECT_EQ(request.type, Type::kConfirmable);
    EXPECT_EQ(request.code, code::kPost);
    EXPECT_EQ(request.token_length, LWM2M_TOKEN_LENGTH);
    EXPECT_EQ(options_of(request, option::kUriPath), std::vector<std::string>{"rd"});
    const std::vector<std::string> expected_query = {"ep=dev1", "lt=300", "lwm2m=1.1", "b=U"};
    EXPECT_EQ(options_of(request, option::kUriQuery), expected_query);
    uint32_t format = 0;
    ASSERT_TRUE(request.find_uint(option::kContentFormat, format));
    EXPECT_EQ(format, coap::format::kLinkFormat);
    const std::string payload(request.payload.begin(), request.payload.end());
    EXPECT_EQ(payload, "</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>");
}

TEST_F(ClientTest, RegisterWireBytes) {
    config_.endpoint_name = "e";
    config_.lifetime_s = 60;
    configure();
    client_.step();

    const uint8_t expected[] = {
        0x44, 0x02, 0x00, 0x00,            // ver 1, CON, token length 4; POST; message ID 0
        0x00, 0x00, 0x00, 0x00,            // token (the fake random source gives zeros)
        0xb2, 'r',  'd',                   // Uri-Path (11): delta 11, length 2
        0x11, 40,                          // Content-Format (12): delta 1, length 1, 40
        0x34, 'e',  'p',  '=',  'e',       // Uri-Query (15): delta 3, length 4
        0x05, 'l',  't',  '=',  '6', '0',  // Uri-Query: delta 0, length 5
        0x09, 'l',  'w',  'm',  '2', 'm', '=', '1', '.', '1',                 // Uri-Query: length 9
        0x03, 'b',  '=',  'U',                                                // Uri-Query: length 3
        0xff,                                                                 // payload marker
        '<',  '/',  '1',  '>',  ';', 'v', 'e', 'r', '=', '1', '.', '1', ',',  // </1>;ver=1.1,
        '<',  '/',  '1',  '/',  '0', '>', ',',                                // </1/0>,
        '<',  '/',  '3',  '>',  ';', 'v', 'e', 'r', '=', '1', '.', '1', ',',  // </3>;ver=1.1,
        '<',  '/',  '3',  '/',  '0', '>',                                     // </3/0>
    };
    const std::span<const uint8_t> bytes = transport_.last_sent().view();
    ASSERT_EQ(bytes.size(), sizeof(expected));
    EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.end()),
              std::vector<uint8_t>(std::begin(expected), std::end(expected)));
}

TEST_F(ClientTest, InitialRegistrationDelayHoldsFirstRegister) {
    config_.initial_registration_delay_s = 30;
    configure();
    client_.step();
    EXPECT_EQ(transport_.sent_count, 0u);
    EXPECT_EQ(client_.time_until_next_step_ms(), 30000u);

    advance(29999);
    EXPECT_EQ(transport_.sent_count, 0u);
    advance(1);
    ASSERT_EQ(transport_.sent_count, 1u);
    EXPECT_EQ(last_sent().code, code::kPost);
}

TEST_F(ClientTest, InitialRegistrationDelaySkipsRetries) {
    config_.initial_registration_delay_s = 30;
    config_.retry.retry_timer_s = 10;
    configure();
    advance(30000);
    respond(code::kForbidden);
    ASSERT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);

    // The retry waits Communication Retry Timer only.
    EXPECT_EQ(client_.time_until_next_step_ms(), 10000u);
}

TEST_F(ClientTest, Version12RegistersServer12) {
    config_.version = Lwm2mVersion::k1_2;
    configure();
    client_.step();
    const Message request = last_sent();
    const std::vector<std::string> expected = {"ep=dev1", "lt=300", "lwm2m=1.2", "b=U"};
    EXPECT_EQ(options_of(request, option::kUriQuery), expected);
    const std::string payload(request.payload.begin(), request.payload.end());
    EXPECT_EQ(payload, "</1>;ver=1.2,</1/0>,</3>;ver=1.1,</3/0>");
}

TEST_F(ClientTest, Version10RegistersServer10) {
    config_.version = Lwm2mVersion::k1_0;
    configure();
    client_.step();
    const Message request = last_sent();
    const std::string payload(request.payload.begin(), request.payload.end());
    EXPECT_EQ(payload, "</1/0>,</3>;ver=1.1,</3/0>");
}

TEST_F(ClientTest, ConfigureRejectsUnknownDeviceResources) {
    config_.device.provided_resources = device_resource_bit(11);
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
}

TEST_F(ClientTest, ConfigureRejectsProvidedWithoutCallback) {
    config_.device.provided_resources = device_resource_bit(9);
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
}

TEST_F(ClientTest, ErrorCodeSetThroughClient) {
    register_client();
    ASSERT_EQ(client_.set_error_code(5), Status::kOk);
    EXPECT_EQ(client_.set_error_code(0), Status::kInvalidArgument);

    const Message response = server_request(code::kGet, {"3", "0", "11", "0"}, 0x7001);
    EXPECT_EQ(response.code, code::kContent);
    EXPECT_EQ(std::string(response.payload.begin(), response.payload.end()), "5");

    ASSERT_EQ(client_.clear_error_code(5), Status::kOk);
    EXPECT_EQ(client_.clear_error_code(5), Status::kNotFound);
}

TEST_F(ClientTest, QueueModeAddsQParameter) {
    config_.queue_mode = true;
    configure();
    client_.step();
    const std::vector<std::string> expected = {"ep=dev1", "lt=300", "lwm2m=1.1", "b=U", "Q"};
    EXPECT_EQ(options_of(last_sent(), option::kUriQuery), expected);
}

TEST_F(ClientTest, Version10QueueModeUsesBindingUQ) {
    config_.queue_mode = true;
    config_.version = Lwm2mVersion::k1_0;
    configure();
    client_.step();
    const std::vector<std::string> expected = {"ep=dev1", "lt=300", "lwm2m=1.0", "b=UQ"};
    EXPECT_EQ(options_of(last_sent(), option::kUriQuery), expected);
}

TEST_F(ClientTest, RegisteredStoresLocationPath) {
    register_client();
    EXPECT_STREQ(client_.location(), "/rd/5a");
}

TEST_F(ClientTest, RegisterWithoutLocationIsRetried) {
    configure();
    client_.step();
    respond(code::kCreated);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
}

TEST_F(ClientTest, ConfigureRejectsBadUri) {
    config_.server_uri = "http://192.0.2.1";
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
    config_.server_uri = "coap://[::1";
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
    config_.server_uri = "coap://host:99999";
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
}

TEST_F(ClientTest, ConfigureRejectsMissingEndpoint) {
    config_.endpoint_name = "";
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
}

TEST_F(ClientTest, RetransmitsWithDoubledTimeout) {
    configure();
    client_.step();
    ASSERT_EQ(transport_.sent_count, 1u);

    // With the fake random source the first timeout is exactly ACK_TIMEOUT.
    advance(1999);
    EXPECT_EQ(transport_.sent_count, 1u);
    advance(1);
    EXPECT_EQ(transport_.sent_count, 2u);
    advance(3999);
    EXPECT_EQ(transport_.sent_count, 2u);
    advance(1);
    EXPECT_EQ(transport_.sent_count, 3u);

    // Every copy is byte-identical: same message ID and token.
    const std::span<const uint8_t> first = transport_.sent[0].view();
    const std::span<const uint8_t> third = transport_.sent[2].view();
    EXPECT_TRUE(std::equal(first.begin(), first.end(), third.begin(), third.end()));
}

TEST_F(ClientTest, RegisterRetryFollowsBackoff) {
    config_.retry.retry_count = 3;
    config_.retry.retry_timer_s = 10;
    config_.retry.sequence_retry_count = 1;
    configure();
    client_.step();

    // MAX_RETRANSMIT = 4: timeouts 2 + 4 + 8 + 16 + 32 s, then the attempt fails.
    for (uint64_t timeout : {2000, 4000, 8000, 16000, 32000}) {
        advance(timeout);
    }
    EXPECT_EQ(transport_.sent_count, 5u);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
    EXPECT_EQ(client_.time_until_next_step_ms(), 10000u);

    advance(10000);
    EXPECT_EQ(transport_.sent_count, 6u);
    respond(code::kForbidden);
    // Second failure: Communication Retry Timer * 2.
    EXPECT_EQ(client_.time_until_next_step_ms(), 20000u);
    advance(20000);
    respond(code::kForbidden);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kFailed);
}

TEST_F(ClientTest, SequenceDelayBetweenSequences) {
    config_.retry.retry_count = 1;
    config_.retry.sequence_retry_count = 2;
    config_.retry.sequence_delay_s = 600;
    configure();
    client_.step();
    respond(code::kBadRequest);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
    EXPECT_EQ(client_.time_until_next_step_ms(), 600000u);
    advance(600000);
    respond(code::kBadRequest);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kFailed);
}

TEST_F(ClientTest, RstToRegisterCountsAsFailure) {
    configure();
    client_.step();
    uint8_t reset[4];
    MessageWriter writer(reset);
    writer.header(Type::kReset, code::kEmpty, last_sent().message_id, {});
    transport_.deliver(writer.bytes());
    client_.step();
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
}

TEST_F(ClientTest, SeparateResponseIsAcknowledged) {
    configure();
    client_.step();
    const Message request = last_sent();

    uint8_t empty_ack[4];
    MessageWriter ack(empty_ack);
    ack.header(Type::kAcknowledgement, code::kEmpty, request.message_id, {});
    transport_.deliver(ack.bytes());
    client_.step();
    // No retransmission after the empty ACK.
    advance(10000);
    EXPECT_EQ(transport_.sent_count, 1u);

    uint8_t buffer[64];
    MessageWriter response(buffer);
    response.header(Type::kConfirmable, code::kCreated, 0x7777, request.token_view());
    response.add_option(option::kLocationPath, "rd");
    response.add_option(option::kLocationPath, "x");
    transport_.deliver(response.bytes());
    client_.step();

    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistered);
    const Message reply = last_sent();
    EXPECT_EQ(reply.type, Type::kAcknowledgement);
    EXPECT_EQ(reply.code, code::kEmpty);
    EXPECT_EQ(reply.message_id, 0x7777);
}

TEST_F(ClientTest, ResponseWithWrongTokenIgnored) {
    configure();
    client_.step();
    uint8_t buffer[64];
    MessageWriter writer(buffer);
    const uint8_t token[] = {9, 9, 9, 9};
    writer.header(Type::kAcknowledgement, code::kCreated, last_sent().message_id, token);
    writer.add_option(option::kLocationPath, "rd");
    transport_.deliver(writer.bytes());
    client_.step();
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistering);
}

TEST_F(ClientTest, UpdateBeforeLifetimeEnds) {
    register_client();
    // Lifetime 300 s: the Update goes out MAX_TRANSMIT_WAIT (93 s) early.
    EXPECT_EQ(client_.time_until_next_step_ms(), 207000u);
    advance(206999);
    EXPECT_EQ(transport_.sent_count, 1u);
    advance(1);
    ASSERT_EQ(transport_.sent_count, 2u);
    const Message update = last_sent();
    EXPECT_EQ(update.code, code::kPost);
    EXPECT_EQ(options_of(update, option::kUriPath), (std::vector<std::string>{"rd", "5a"}));
    EXPECT_TRUE(options_of(update, option::kUriQuery).empty());
    EXPECT_TRUE(update.payload.empty());
}

TEST_F(ClientTest, UpdateScheduleDoesNotDrift) {
    register_client();
    advance(207000);
    // The response arrives 5 s late; the next Update still counts from the send time.
    clock_.now_ms += 5000;
    respond(code::kChanged);
    EXPECT_EQ(client_.time_until_next_step_ms(), 202000u);
}

TEST_F(ClientTest, ShortLifetimeUpdatesAtHalf) {
    config_.lifetime_s = 60;
    register_client();
    EXPECT_EQ(client_.time_until_next_step_ms(), 30000u);
}

TEST_F(ClientTest, UpdateRejectedWith404Reregisters) {
    register_client();
    client_.request_update();
    client_.step();
    respond(code::kNotFound);
    client_.step();
    const Message request = last_sent();
    EXPECT_EQ(options_of(request, option::kUriPath), std::vector<std::string>{"rd"});
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistering);
}

TEST_F(ClientTest, UpdateTimeoutReregisters) {
    register_client();
    client_.request_update();
    client_.step();
    for (uint64_t timeout : {2000, 4000, 8000, 16000, 32000}) {
        advance(timeout);
    }
    client_.step();
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"rd"});
}

TEST_F(ClientTest, LifetimeWriteSendsUpdateWithLt) {
    register_client();
    uint8_t buffer[64];
    MessageWriter writer(buffer);
    const uint8_t token[] = {1};
    writer.header(Type::kConfirmable, code::kPut, 0x100, token);
    writer.add_option(option::kUriPath, "1");
    writer.add_option(option::kUriPath, "0");
    writer.add_option(option::kUriPath, "1");
    writer.add_uint_option(option::kContentFormat, 0);
    writer.append_payload("120");
    transport_.deliver(writer.bytes());
    client_.step();

    const Message write_response = sent(1);
    EXPECT_EQ(write_response.code, code::kChanged);
    const Message update = last_sent();
    EXPECT_EQ(options_of(update, option::kUriQuery), std::vector<std::string>{"lt=120"});
    respond(code::kChanged);
    // The next Update carries nothing that has not changed.
    client_.request_update();
    client_.step();
    EXPECT_TRUE(options_of(last_sent(), option::kUriQuery).empty());
}

TEST_F(ClientTest, ReadManufacturer) {
    register_client();
    const Message reply = server_request(code::kGet, {"3", "0", "0"}, 0x200);
    EXPECT_EQ(reply.type, Type::kAcknowledgement);
    EXPECT_EQ(reply.message_id, 0x200);
    EXPECT_EQ(reply.code, code::kContent);
    EXPECT_EQ(std::string(reply.payload.begin(), reply.payload.end()), "Acme");
    EXPECT_EQ(reply.token_length, 2);
}

TEST_F(ClientTest, MissingPathIsNotFound) {
    register_client();
    EXPECT_EQ(server_request(code::kGet, {"3", "0", "77"}, 1).code, code::kNotFound);
    EXPECT_EQ(server_request(code::kGet, {"9"}, 2).code, code::kNotFound);
    EXPECT_EQ(server_request(code::kGet, {"x"}, 3).code, code::kNotFound);
}

TEST_F(ClientTest, DisallowedOperationIs405) {
    register_client();
    EXPECT_EQ(server_request(code::kPost, {"3", "0", "0"}, 1).code, code::kMethodNotAllowed);
    EXPECT_EQ(server_request(code::kGet, {"3", "0", "4"}, 2).code, code::kMethodNotAllowed);
    EXPECT_EQ(server_request(code::kPut, {"3", "0", "0"}, 3).code, code::kMethodNotAllowed);
}

TEST_F(ClientTest, DuplicateRequestGetsCachedResponse) {
    register_client();
    (void)server_request(code::kGet, {"3", "0", "0"}, 0x300);
    const std::vector<uint8_t> first_bytes(transport_.last_sent().view().begin(),
                                           transport_.last_sent().view().end());
    config_.device.manufacturer = "changed";  // not seen by the client: it copied the config
    const Message second = server_request(code::kGet, {"3", "0", "0"}, 0x300);
    const std::vector<uint8_t> second_bytes(transport_.last_sent().view().begin(),
                                            transport_.last_sent().view().end());
    EXPECT_EQ(first_bytes, second_bytes);
    EXPECT_EQ(second.message_id, 0x300);
}

TEST_F(ClientTest, ReusedMessageIdIsNotDuplicate) {
    register_client();
    uint8_t buffer[64];
    MessageWriter writer(buffer);
    const uint8_t non_token[] = {0x11};
    writer.header(Type::kNonConfirmable, code::kGet, 0x700, non_token);
    writer.add_option(option::kUriPath, "3");
    writer.add_option(option::kUriPath, "0");
    writer.add_option(option::kUriPath, "0");
    transport_.deliver(writer.bytes());
    client_.step();
    EXPECT_EQ(last_sent().type, Type::kNonConfirmable);

    // A CON with the same message ID but another token is a new request.
    const Message reply = server_request(code::kGet, {"3", "0", "0"}, 0x700);
    EXPECT_EQ(reply.type, Type::kAcknowledgement);
    EXPECT_EQ(reply.message_id, 0x700);
    EXPECT_EQ(reply.token_length, 2);
}

TEST_F(ClientTest, DuplicateExecuteRunsOnce) {
    int reboots = 0;
    config_.device.reboot = [](void* context) { ++*static_cast<int*>(context); };
    config_.device.reboot_context = &reboots;
    register_client();
    EXPECT_EQ(server_request(code::kPost, {"3", "0", "4"}, 0x400).code, code::kChanged);
    EXPECT_EQ(server_request(code::kPost, {"3", "0", "4"}, 0x400).code, code::kChanged);
    client_.step();
    EXPECT_EQ(reboots, 1);
}

TEST_F(ClientTest, PingGetsReset) {
    register_client();
    uint8_t ping[4];
    MessageWriter writer(ping);
    writer.header(Type::kConfirmable, code::kEmpty, 0x1234, {});
    transport_.deliver(writer.bytes());
    client_.step();
    const Message reply = last_sent();
    EXPECT_EQ(reply.type, Type::kReset);
    EXPECT_EQ(reply.message_id, 0x1234);
}

TEST_F(ClientTest, MalformedConGetsReset) {
    register_client();
    const uint8_t malformed[] = {0x49, 0x01, 0x12, 0x34};  // CON with token length 9
    transport_.deliver(malformed);
    client_.step();
    const Message reply = last_sent();
    EXPECT_EQ(reply.type, Type::kReset);
    EXPECT_EQ(reply.message_id, 0x1234);
}

TEST_F(ClientTest, MalformedNonIsDropped) {
    register_client();
    const size_t before = transport_.sent_count;
    const uint8_t malformed[] = {0x59, 0x01, 0x12, 0x34};  // NON with token length 9
    transport_.deliver(malformed);
    client_.step();
    EXPECT_EQ(transport_.sent_count, before);
}

TEST_F(ClientTest, UnknownCriticalOptionIs402) {
    register_client();
    uint8_t buffer[32];
    MessageWriter writer(buffer);
    writer.header(Type::kConfirmable, code::kGet, 0x55, {});
    writer.add_option(9, "x");  // option 9 is critical and unassigned
    transport_.deliver(writer.bytes());
    client_.step();
    EXPECT_EQ(last_sent().code, code::kBadOption);
}

TEST_F(ClientTest, QueueModeWakesOnSamePort) {
    config_.queue_mode = true;
    config_.queue_timeout_ms = 5000;
    register_client();
    const uint16_t port = transport_.local_port();

    advance(4999);
    EXPECT_FALSE(client_.is_offline());
    advance(1);
    EXPECT_TRUE(client_.is_offline());
    EXPECT_EQ(transport_.state(), net::TransportState::kClosed);
    EXPECT_TRUE(transport_.receive_off());

    // Wake-up for the Update: reuse the last port, connect, send directly.
    client_.request_update();
    client_.step();
    EXPECT_EQ(transport_.reuse_calls, 1);
    EXPECT_FALSE(client_.is_offline());
    const Message update = last_sent();
    EXPECT_EQ(options_of(update, option::kUriPath), (std::vector<std::string>{"rd", "5a"}));
    EXPECT_EQ(transport_.last_sent_port(), port);
}

TEST_F(ClientTest, QueueModeFallsBackToNewPort) {
    config_.queue_mode = true;
    config_.queue_timeout_ms = 1000;
    register_client();
    const uint16_t port = transport_.local_port();
    advance(1000);
    ASSERT_TRUE(client_.is_offline());

    transport_.reuse_result = Status::kAddressInUse;
    client_.request_update();
    client_.step();
    const Message update = last_sent();
    EXPECT_EQ(update.code, code::kPost);
    EXPECT_NE(transport_.last_sent_port(), port);
    // The server rejects the Update from the new address, so the client registers again.
    respond(code::kNotFound);
    client_.step();
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"rd"});
}

TEST_F(ClientTest, RequestKeepsQueueModeClientOnline) {
    config_.queue_mode = true;
    config_.queue_timeout_ms = 5000;
    register_client();
    advance(4000);
    (void)server_request(code::kGet, {"3", "0", "0"}, 0x99);
    advance(4000);
    EXPECT_FALSE(client_.is_offline());
    advance(1000);
    EXPECT_TRUE(client_.is_offline());
}

TEST_F(ClientTest, DeregisterSendsDelete) {
    register_client();
    client_.deregister();
    client_.step();
    const Message request = last_sent();
    EXPECT_EQ(request.code, code::kDelete);
    EXPECT_EQ(options_of(request, option::kUriPath), (std::vector<std::string>{"rd", "5a"}));
    respond(code::kDeleted);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kDeregistered);
    EXPECT_EQ(transport_.state(), net::TransportState::kClosed);
}

TEST_F(ClientTest, DeregisterDuringRegisterWaitsForIt) {
    configure();
    client_.step();
    client_.deregister();
    client_.step();
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistering);
    respond(code::kCreated, {"rd", "7"});
    client_.step();
    const Message request = last_sent();
    EXPECT_EQ(request.code, code::kDelete);
    EXPECT_EQ(options_of(request, option::kUriPath), (std::vector<std::string>{"rd", "7"}));
}

TEST_F(ClientTest, DeregisterAfterFailedRegisterEnds) {
    configure();
    client_.step();
    client_.deregister();
    respond(code::kForbidden);
    client_.step();
    EXPECT_EQ(client_.registration_state(), RegistrationState::kDeregistered);
    EXPECT_EQ(transport_.sent_count, 1u);
}

TEST_F(ClientTest, DeregisterWhileOfflineWakesFirst) {
    config_.queue_mode = true;
    config_.queue_timeout_ms = 1000;
    register_client();
    advance(1000);
    ASSERT_TRUE(client_.is_offline());
    client_.deregister();
    client_.step();
    EXPECT_EQ(transport_.reuse_calls, 1);
    EXPECT_EQ(last_sent().code, code::kDelete);
}

TEST_F(ClientTest, LifetimeWrittenDuringUpdateIsSentNext) {
    register_client();
    client_.request_update();
    client_.step();
    const std::vector<uint8_t> first(transport_.last_sent().view().begin(),
                                     transport_.last_sent().view().end());

    // The server writes a new lifetime while the Update is unanswered.
    uint8_t buffer[64];
    MessageWriter writer(buffer);
    const uint8_t token[] = {1};
    writer.header(Type::kConfirmable, code::kPut, 0x500, token);
    writer.add_option(option::kUriPath, "1");
    writer.add_option(option::kUriPath, "0");
    writer.add_option(option::kUriPath, "1");
    writer.append_payload("900");
    transport_.deliver(writer.bytes());
    client_.step();

    // The retransmission is byte-identical to the first copy.
    advance(2000);
    const std::vector<uint8_t> retransmitted(transport_.last_sent().view().begin(),
                                             transport_.last_sent().view().end());
    EXPECT_EQ(retransmitted, first);

    respond(code::kChanged);
    client_.step();
    EXPECT_EQ(options_of(last_sent(), option::kUriQuery), std::vector<std::string>{"lt=900"});
}

TEST_F(ClientTest, ReconfigureAfterFailure) {
    config_.retry.retry_count = 1;
    configure();
    client_.step();
    respond(code::kForbidden);
    ASSERT_EQ(client_.registration_state(), RegistrationState::kFailed);
    EXPECT_EQ(transport_.state(), net::TransportState::kClosed);
    EXPECT_EQ(client_.configure(config_), Status::kOk);
    client_.step();
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistering);
}

TEST_F(ClientTest, NullDeviceStringReadsEmpty) {
    config_.device.manufacturer = nullptr;
    register_client();
    const Message reply = server_request(code::kGet, {"3", "0", "0"}, 0x600);
    EXPECT_EQ(reply.code, code::kContent);
    EXPECT_TRUE(reply.payload.empty());
}

TEST_F(ClientTest, ConfigureRejectsExtremeCoapParameters) {
    config_.coap.ack_timeout_ms = UINT32_MAX;
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
    config_.coap.ack_timeout_ms = 2000;
    config_.coap.max_retransmit = 20;
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
    config_.coap.max_retransmit = 4;
    config_.coap.ack_random_factor_percent = 99;
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
}

TEST_F(ClientTest, ConnectInProgressIsPolled) {
    transport_.connect_result = Status::kInProgress;
    configure();
    client_.step();
    EXPECT_EQ(transport_.connect_calls, 1);
    EXPECT_EQ(client_.time_until_next_step_ms(), 100u);
    // A step before the poll interval, such as one for a datagram of a DTLS
    // handshake, repeats the connect at once.
    client_.step();
    EXPECT_EQ(transport_.connect_calls, 2);

    // After MAX_TRANSMIT_WAIT in progress, the attempt counts as failed.
    const uint64_t start_ms = clock_.now_ms;
    for (int i = 0; i < 2000 && client_.time_until_next_step_ms() <= 100; ++i) {
        advance(100);
    }
    EXPECT_EQ(clock_.now_ms - start_ms, 93000u);
    EXPECT_EQ(transport_.connect_calls, 932);
    EXPECT_EQ(client_.time_until_next_step_ms(), 60000u);
}

TEST_F(ClientTest, DeregisterDuringLastAttemptEnds) {
    config_.retry.retry_count = 1;
    configure();
    client_.step();
    client_.deregister();
    respond(code::kForbidden);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kDeregistered);
}

TEST_F(ClientTest, ResponseWithTooManyOptionsFails) {
    configure();
    client_.step();
    const Message request = last_sent();
    uint8_t buffer[256];
    MessageWriter writer(buffer);
    writer.header(Type::kAcknowledgement, code::kCreated, request.message_id, request.token_view());
    for (int i = 0; i < LWM2M_MAX_OPTIONS + 1; ++i) {
        writer.add_option(option::kLocationPath, "a");
    }
    transport_.deliver(writer.bytes());
    client_.step();
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
}

TEST_F(ClientTest, UpdateRetriedWhenConnectFails) {
    config_.queue_mode = true;
    config_.queue_timeout_ms = 1000;
    config_.retry.retry_timer_s = 10;
    register_client();
    advance(1000);
    ASSERT_TRUE(client_.is_offline());

    transport_.connect_result = Status::kNetworkError;
    client_.request_update();
    client_.step();
    // The registration is kept and the Update tried again after the retry timer.
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistered);
    EXPECT_EQ(client_.time_until_next_step_ms(), 10000u);
    transport_.connect_result = Status::kOk;
    advance(10000);
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), (std::vector<std::string>{"rd", "5a"}));
}

TEST_F(ClientTest, BlockedSendIsRetriedSoon) {
    transport_.send_result = Status::kWouldBlock;
    configure();
    client_.step();
    EXPECT_EQ(transport_.sent_count, 0u);
    EXPECT_EQ(client_.time_until_next_step_ms(), 100u);

    transport_.send_result = Status::kOk;
    advance(100);
    ASSERT_EQ(transport_.sent_count, 1u);
    // The first copy went out now, so the ACK timer starts now.
    EXPECT_EQ(client_.time_until_next_step_ms(), 2000u);
    EXPECT_EQ(last_sent().code, code::kPost);
}

// A temperature sensor (object 3303) with one instance and one readable value.
class TemperatureObject final : public Object {
  public:
    TemperatureObject() : Object(3303, kResources) {}

    Status read(uint16_t, uint16_t resource_id, uint16_t, Value& value) override {
        if (resource_id != 5700) {
            return Status::kNotFound;
        }
        value = Value::make_float(21.5);
        return Status::kOk;
    }

  private:
    static constexpr ResourceDefinition kResources[] = {
        {5700, Operations::kRead, DataType::kFloat, false, true},  // Sensor Value
    };
};

TEST_F(ClientTest, AddedObjectIsSentInUpdate) {
    register_client();
    static TemperatureObject temperature;
    ASSERT_EQ(client_.add_object(temperature), Status::kOk);
    client_.step();

    const Message update = last_sent();
    EXPECT_EQ(options_of(update, option::kUriPath), (std::vector<std::string>{"rd", "5a"}));
    uint32_t format = 0;
    ASSERT_TRUE(update.find_uint(option::kContentFormat, format));
    EXPECT_EQ(format, coap::format::kLinkFormat);
    EXPECT_EQ(std::string(update.payload.begin(), update.payload.end()),
              "</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>,</3303/0>");

    respond(code::kChanged);
    client_.request_update();
    client_.step();
    EXPECT_TRUE(last_sent().payload.empty());
    EXPECT_EQ(client_.add_object(temperature), Status::kInvalidArgument);
}

TEST_F(ClientTest, DisableDeregistersForTimeout) {
    register_client();
    uint8_t buffer[32];
    MessageWriter writer(buffer);
    writer.header(Type::kConfirmable, code::kPost, 0x800, {});
    writer.add_option(option::kUriPath, "1");
    writer.add_option(option::kUriPath, "0");
    writer.add_option(option::kUriPath, "4");
    const size_t before = transport_.sent_count;
    transport_.deliver(writer.bytes());
    client_.step();
    // The ACK for the Execute, then the De-register in the same step.
    ASSERT_EQ(transport_.sent_count, before + 2);
    EXPECT_EQ(sent(before).code, code::kChanged);
    EXPECT_EQ(last_sent().code, code::kDelete);
    respond(code::kDeleted);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kNotRegistered);
    // Disable Timeout defaults to 86400 s.
    EXPECT_EQ(client_.time_until_next_step_ms(), 86400000u);
}

TEST_F(ClientTest, IdleClientHasNoWorkUntilUpdate) {
    register_client();
    const uint32_t wait = client_.time_until_next_step_ms();
    EXPECT_EQ(wait, 207000u);
    const size_t before = transport_.sent_count;
    advance(100000);
    EXPECT_EQ(transport_.sent_count, before);
}

}  // namespace
}  // namespace lwm2m
