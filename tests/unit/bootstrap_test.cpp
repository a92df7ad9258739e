// Client Initiated Bootstrap on fake ports: the Bootstrap-Request and its
// retries, the Bootstrap-Server's operations, Bootstrap-Finish and the switch
// to the account it wrote, and the ways back into bootstrap.
#include <string>
#include <vector>

#include "client_fixture.hpp"
#include "tlv_builder.hpp"

namespace lwm2m {
namespace {

using testing::join;
using testing::tlv;

constexpr const char* kBootstrapUri = "coap://192.0.2.9:5693";
constexpr const char* kServerUri = "coap://192.0.2.7:5683";

std::vector<uint8_t> tlv_text(uint8_t id, const std::string& text) {
    return tlv(3, id, std::vector<uint8_t>(text.begin(), text.end()));
}

std::vector<uint8_t> tlv_int(uint8_t id, uint8_t value) {
    return tlv(3, id, {value});
}

// The resources of a NoSec server account: URI, not bootstrap, mode 3, Short Server ID.
std::vector<uint8_t> server_account(const std::string& uri, uint8_t short_server_id) {
    return join({tlv_text(0, uri), tlv_int(1, 0), tlv_int(2, 3), tlv_int(10, short_server_id)});
}

std::string payload_text(const Message& message) {
    return {reinterpret_cast<const char*>(message.payload.data()), message.payload.size()};
}

class BootstrapTest : public ClientTest {
  protected:
    BootstrapTest() {
        config_.server_uri = nullptr;
        config_.bootstrap_server_uri = kBootstrapUri;
        config_.retry.retry_timer_s = 10;
    }

    // Sends a CON request with a payload from the server (the
    // Bootstrap-Server, mostly) and returns the client's reply.
    Message bootstrap_request(uint8_t method, std::vector<const char*> path,
                              const std::vector<uint8_t>& payload = {},
                              uint16_t content_format = coap::format::kLwm2mTlv) {
        uint8_t buffer[512];
        MessageWriter writer(buffer);
        const uint8_t token[] = {0xb5, 0x01};
        writer.header(Type::kConfirmable, method, next_message_id_++, token);
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        if (!payload.empty()) {
            writer.add_uint_option(option::kContentFormat, content_format);
            writer.append_payload(payload);
        }
        EXPECT_FALSE(writer.overflow());
        const size_t before = transport_.sent_count;
        transport_.deliver(writer.bytes());
        client_.step();
        // The reply goes first; a Register or De-register may follow in the same step.
        EXPECT_GT(transport_.sent_count, before);
        return sent(before);
    }

    Message discover(std::vector<const char*> path) {
        uint8_t buffer[64];
        MessageWriter writer(buffer);
        const uint8_t token[] = {0xb5, 0x02};
        writer.header(Type::kConfirmable, code::kGet, next_message_id_++, token);
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        writer.add_uint_option(option::kAccept, coap::format::kLinkFormat);
        transport_.deliver(writer.bytes());
        client_.step();
        return last_sent();
    }

    // Configures the client and accepts its Bootstrap-Request.
    void start_bootstrap() {
        configure();
        client_.step();
        ASSERT_EQ(client_.registration_state(), RegistrationState::kBootstrapping);
        const Message request = last_sent();
        ASSERT_EQ(options_of(request, option::kUriPath), std::vector<std::string>{"bs"});
        respond(code::kChanged);
    }

    // Writes a complete server account, sends Bootstrap-Finish and returns its reply.
    Message provision(uint8_t short_server_id = 7) {
        EXPECT_EQ(
            bootstrap_request(code::kPut, {"0", "1"}, server_account(kServerUri, short_server_id))
                .code,
            code::kChanged);
        EXPECT_EQ(bootstrap_request(code::kPut, {"1", "0"},
                                    join({tlv_int(0, short_server_id), tlv_int(1, 120)}))
                      .code,
                  code::kChanged);
        return bootstrap_request(code::kPost, {"bs"});
    }

    uint16_t next_message_id_ = 0x4000;
};

TEST_F(BootstrapTest, FactoryBootstrapSendsRequestToBootstrapServer) {
    configure();
    client_.step();
    EXPECT_EQ(client_.registration_state(), RegistrationState::kBootstrapping);
    EXPECT_STREQ(transport_.connected_host, "192.0.2.9");
    EXPECT_EQ(transport_.connected_port, 5693);
    const Message request = last_sent();
    EXPECT_EQ(request.type, Type::kConfirmable);
    EXPECT_EQ(request.code, code::kPost);
    EXPECT_EQ(options_of(request, option::kUriPath), std::vector<std::string>{"bs"});
    EXPECT_EQ(options_of(request, option::kUriQuery),
              (std::vector<std::string>{"ep=dev1", "pct=11542"}));
}

TEST_F(BootstrapTest, Lwm2m10RequestHasNoPreferredFormat) {
    config_.version = Lwm2mVersion::k1_0;
    configure();
    client_.step();
    EXPECT_EQ(options_of(last_sent(), option::kUriQuery), std::vector<std::string>{"ep=dev1"});
}

TEST_F(BootstrapTest, HoldOffTimeDelaysRequest) {
    config_.bootstrap_hold_off_s = 10;
    configure();
    client_.step();
    EXPECT_EQ(transport_.sent_count, 0u);
    EXPECT_EQ(client_.time_until_next_step_ms(), 10000u);
    advance(10000);
    EXPECT_EQ(transport_.sent_count, 1u);
}

TEST_F(BootstrapTest, NeitherAccountIsInvalid) {
    config_.bootstrap_server_uri = nullptr;
    EXPECT_EQ(client_.configure(config_), Status::kInvalidArgument);
}

TEST_F(BootstrapTest, RejectedRequestRetriedAfterBackOff) {
    configure();
    client_.step();
    respond(code::kBadRequest);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kBootstrapping);
    EXPECT_EQ(transport_.sent_count, 1u);
    advance(9999);
    EXPECT_EQ(transport_.sent_count, 1u);
    advance(1);
    EXPECT_EQ(transport_.sent_count, 2u);
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"bs"});
}

TEST_F(BootstrapTest, GivesUpAfterEveryAttempt) {
    config_.retry.retry_count = 2;
    configure();
    client_.step();
    respond(code::kForbidden);
    advance(10000);
    respond(code::kForbidden);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kFailed);
}

TEST_F(BootstrapTest, FinishRegistersWithWrittenAccount) {
    start_bootstrap();
    const size_t connects = transport_.connect_calls;
    const uint16_t bootstrap_port = transport_.local_port();
    const Message finish = provision();
    EXPECT_EQ(finish.code, code::kChanged);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistering);
    EXPECT_GT(transport_.connect_calls, connects);
    EXPECT_STREQ(transport_.connected_host, "192.0.2.7");
    EXPECT_EQ(transport_.connected_port, 5683);
    // The Register goes from the port of the Bootstrap-Request.
    EXPECT_EQ(transport_.local_port(), bootstrap_port);
    const Message reg = last_sent();
    EXPECT_EQ(options_of(reg, option::kUriPath), std::vector<std::string>{"rd"});
    const std::vector<std::string> query = options_of(reg, option::kUriQuery);
    EXPECT_NE(std::find(query.begin(), query.end(), "lt=120"), query.end());
    respond(code::kCreated, {"rd", "9"});
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistered);
    // Last Bootstrapped (/1/0/12) now has the time of Bootstrap-Finish.
    const Message last_bootstrapped = server_request(code::kGet, {"1", "0", "12"}, 0x200);
    EXPECT_EQ(last_bootstrapped.code, code::kContent);
    EXPECT_EQ(payload_text(last_bootstrapped), std::to_string(clock_.real_time_s()));
}

TEST_F(BootstrapTest, RequestsMayOvertakeTheRequestResponse) {
    configure();
    client_.step();
    // The 2.04 to the Bootstrap-Request is lost; the server's writes arrive.
    const Message finish = provision();
    EXPECT_EQ(finish.code, code::kChanged);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistering);
}

TEST_F(BootstrapTest, FinishWithoutServerInstanceNotAcceptable) {
    start_bootstrap();
    EXPECT_EQ(bootstrap_request(code::kPut, {"0", "1"}, server_account(kServerUri, 7)).code,
              code::kChanged);
    const Message finish = bootstrap_request(code::kPost, {"bs"});
    EXPECT_EQ(finish.code, code::kNotAcceptable);
    EXPECT_EQ(payload_text(finish), "no Server object instance");
    EXPECT_EQ(client_.registration_state(), RegistrationState::kBootstrapping);
    // No Register; a new Bootstrap-Request after the retry timer.
    const size_t before = transport_.sent_count;
    advance(10000);
    ASSERT_EQ(transport_.sent_count, before + 1);
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"bs"});
}

TEST_F(BootstrapTest, OneTransportUsesFirstAccount) {
    start_bootstrap();
    bootstrap_request(code::kPut, {"0", "1"}, server_account(kServerUri, 7));
    bootstrap_request(code::kPut, {"0", "2"}, server_account("coap://192.0.2.8:5683", 8));
    bootstrap_request(code::kPut, {"1", "0"}, join({tlv_int(0, 7), tlv_int(1, 60)}));
    bootstrap_request(code::kPut, {"1", "1"}, join({tlv_int(0, 8), tlv_int(1, 60)}));
    // The second account has no transport: it stays unused.
    EXPECT_EQ(bootstrap_request(code::kPost, {"bs"}).code, code::kChanged);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistering);
    EXPECT_STREQ(transport_.connected_host, "192.0.2.7");
}

TEST_F(BootstrapTest, FinishWithMismatchedShortServerIdNotAcceptable) {
    start_bootstrap();
    bootstrap_request(code::kPut, {"0", "1"}, server_account(kServerUri, 7));
    bootstrap_request(code::kPut, {"1", "0"}, join({tlv_int(0, 8), tlv_int(1, 60)}));
    EXPECT_EQ(bootstrap_request(code::kPost, {"bs"}).code, code::kNotAcceptable);
}

TEST_F(BootstrapTest, FinishWithSecureUriNotAcceptable) {
    start_bootstrap();
    bootstrap_request(code::kPut, {"0", "1"}, server_account("coaps://192.0.2.7:5684", 7));
    bootstrap_request(code::kPut, {"1", "0"}, join({tlv_int(0, 7), tlv_int(1, 60)}));
    EXPECT_EQ(bootstrap_request(code::kPost, {"bs"}).code, code::kNotAcceptable);
}

TEST_F(BootstrapTest, ObjectLevelWriteCarriesTwoInstances) {
    start_bootstrap();
    // /0 with instance 0 (the Bootstrap-Server account again) and instance 1.
    const std::vector<uint8_t> payload =
        join({tlv(0, 0, join({tlv_text(0, kBootstrapUri), tlv_int(1, 1), tlv_int(2, 3)})),
              tlv(0, 1, server_account(kServerUri, 7))});
    EXPECT_EQ(bootstrap_request(code::kPut, {"0"}, payload).code, code::kChanged);
    const Message links = discover({"0"});
    EXPECT_EQ(payload_text(links),
              "lwm2m=\"1.1\",</0>;ver=1.1,</0/0>;uri=\"coap://192.0.2.9:5693\","
              "</0/1>;ssid=7;uri=\"coap://192.0.2.7:5683\"");
}

TEST_F(BootstrapTest, BlockwiseWriteAppliedBlockByBlock) {
    start_bootstrap();
    // Two server accounts' worth of TLV for /0, sent in 16-byte blocks.
    const std::vector<uint8_t> payload =
        join({tlv(0, 0, join({tlv_text(0, kBootstrapUri), tlv_int(1, 1), tlv_int(2, 3)})),
              tlv(0, 1, server_account(kServerUri, 7))});
    constexpr size_t kBlockSize = 16;
    uint32_t number = 0;
    for (size_t offset = 0; offset < payload.size(); offset += kBlockSize, ++number) {
        const size_t size = std::min(kBlockSize, payload.size() - offset);
        const bool more = offset + size < payload.size();
        uint8_t buffer[128];
        MessageWriter writer(buffer);
        const uint8_t token[] = {0xb5, static_cast<uint8_t>(number)};
        writer.header(Type::kConfirmable, code::kPut, next_message_id_++, token);
        writer.add_option(option::kUriPath, "0");
        writer.add_uint_option(option::kContentFormat, coap::format::kLwm2mTlv);
        writer.add_uint_option(option::kBlock1, number << 4 | (more ? 0x08u : 0u) | 0x00u);
        writer.append_payload({payload.data() + offset, size});
        transport_.deliver(writer.bytes());
        client_.step();
        EXPECT_EQ(last_sent().code, more ? code::kContinue : code::kChanged) << number;
    }
    EXPECT_EQ(payload_text(discover({"0"})),
              "lwm2m=\"1.1\",</0>;ver=1.1,</0/0>;uri=\"coap://192.0.2.9:5693\","
              "</0/1>;ssid=7;uri=\"coap://192.0.2.7:5683\"");
}

TEST_F(BootstrapTest, SecurityInstanceBeyondCapacityTooLarge) {
    start_bootstrap();
    // Instance 0 is the Bootstrap-Server account; fill the other slots.
    for (uint8_t id = 1; id < LWM2M_MAX_SECURITY_INSTANCES; ++id) {
        const std::string name = std::to_string(id);
        EXPECT_EQ(bootstrap_request(code::kPut, {"0", name.c_str()},
                                    server_account(kServerUri, static_cast<uint8_t>(6 + id)))
                      .code,
                  code::kChanged);
    }
    const std::string extra = std::to_string(LWM2M_MAX_SECURITY_INSTANCES);
    EXPECT_EQ(
        bootstrap_request(code::kPut, {"0", extra.c_str()}, server_account(kServerUri, 99)).code,
        code::kRequestEntityTooLarge);
}

TEST_F(BootstrapTest, ServerInstanceBeyondCapacityTooLarge) {
    start_bootstrap();
    for (uint8_t id = 0; id < LWM2M_MAX_SERVERS; ++id) {
        const std::string name = std::to_string(id);
        EXPECT_EQ(
            bootstrap_request(code::kPut, {"1", name.c_str()},
                              join({tlv_int(0, static_cast<uint8_t>(7 + id)), tlv_int(1, 60)}))
                .code,
            code::kChanged);
    }
    const std::string extra = std::to_string(LWM2M_MAX_SERVERS);
    EXPECT_EQ(
        bootstrap_request(code::kPut, {"1", extra.c_str()}, join({tlv_int(0, 99), tlv_int(1, 60)}))
            .code,
        code::kRequestEntityTooLarge);
}

TEST_F(BootstrapTest, DeleteKeepsBootstrapAccountAndDevice) {
    config_.server_uri = kServerUri;
    config_.bootstrap_server_uri = kBootstrapUri;
    configure();
    // With a server account the client registers; trigger bootstrap to reach the server's side.
    client_.step();
    respond(code::kCreated, {"rd", "1"});
    EXPECT_EQ(bootstrap_request(code::kPost, {"1", "0", "9"}).code, code::kChanged);
    respond(code::kDeleted);  // the De-register
    EXPECT_EQ(client_.registration_state(), RegistrationState::kBootstrapping);
    respond(code::kChanged);  // the Bootstrap-Request

    EXPECT_EQ(bootstrap_request(code::kDelete, {"0", "1"}).code, code::kBadRequest);
    EXPECT_EQ(bootstrap_request(code::kDelete, {"3", "0"}).code, code::kBadRequest);
    EXPECT_EQ(bootstrap_request(code::kDelete, {}).code, code::kDeleted);
    EXPECT_EQ(payload_text(discover({})),
              "lwm2m=\"1.1\",</0>;ver=1.1,</0/1>;uri=\"coap://192.0.2.9:5693\","
              "</1>;ver=1.1,</2>,</3>;ver=1.1,</3/0>");
}

TEST_F(BootstrapTest, ReadLimitedToServerObjects) {
    start_bootstrap();
    bootstrap_request(code::kPut, {"1", "0"}, join({tlv_int(0, 7), tlv_int(1, 60)}));
    EXPECT_EQ(bootstrap_request(code::kGet, {"1", "0", "0"}).code, code::kContent);
    EXPECT_EQ(bootstrap_request(code::kGet, {"0"}).code, code::kMethodNotAllowed);
    EXPECT_EQ(bootstrap_request(code::kGet, {"3", "0"}).code, code::kMethodNotAllowed);
    EXPECT_EQ(bootstrap_request(code::kGet, {"2"}).code, code::kContent);
}

TEST_F(BootstrapTest, ExecuteAndFinishMethodsNotAllowed) {
    start_bootstrap();
    EXPECT_EQ(bootstrap_request(code::kPost, {"3", "0", "4"}).code, code::kMethodNotAllowed);
    EXPECT_EQ(bootstrap_request(code::kGet, {"bs"}).code, code::kMethodNotAllowed);
    EXPECT_EQ(bootstrap_request(code::kPut, {"3", "0", "4"}, {0x00}, coap::format::kTextPlain).code,
              code::kMethodNotAllowed);
}

TEST_F(BootstrapTest, SilentServerEndsSessionAndRetries) {
    start_bootstrap();
    const size_t before = transport_.sent_count;
    // EXCHANGE_LIFETIME with the default transmission parameters is 247 s.
    advance(247000);
    advance(10000);
    ASSERT_EQ(transport_.sent_count, before + 1);
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"bs"});
}

TEST_F(BootstrapTest, TriggerDeregistersAndBootstraps) {
    config_.server_uri = kServerUri;
    configure();
    client_.step();
    respond(code::kCreated, {"rd", "1"});
    EXPECT_EQ(bootstrap_request(code::kPost, {"1", "0", "9"}).code, code::kChanged);
    const Message deregister = last_sent();
    EXPECT_EQ(deregister.code, code::kDelete);
    respond(code::kDeleted);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kBootstrapping);
    EXPECT_STREQ(transport_.connected_host, "192.0.2.9");
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"bs"});
}

TEST_F(BootstrapTest, ServerInstancesOnlyFromBootstrap) {
    config_.server_uri = kServerUri;
    register_client();
    // An LwM2M Server neither creates nor deletes Server instances.
    EXPECT_EQ(bootstrap_request(code::kPost, {"1"}, join({tlv_int(0, 9), tlv_int(1, 60)})).code,
              code::kMethodNotAllowed);
    EXPECT_EQ(bootstrap_request(code::kDelete, {"1", "0"}).code, code::kMethodNotAllowed);
}

TEST_F(BootstrapTest, TriggerWithoutBootstrapAccountNotAllowed) {
    config_.server_uri = kServerUri;
    config_.bootstrap_server_uri = nullptr;
    register_client();
    EXPECT_EQ(server_request(code::kPost, {"1", "0", "9"}, 0x100).code, code::kMethodNotAllowed);
}

TEST_F(BootstrapTest, RegistrationFailureBootstraps) {
    config_.server_uri = kServerUri;
    config_.retry.retry_count = 1;
    configure();
    client_.step();
    respond(code::kForbidden);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kBootstrapping);
    EXPECT_STREQ(transport_.connected_host, "192.0.2.9");
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"bs"});
}

TEST_F(BootstrapTest, FinishSavesAccountsForNextBoot) {
    testing::FakeStorage storage;
    config_.storage = &storage;
    start_bootstrap();
    bootstrap_request(code::kPut, {"0", "1"}, server_account(kServerUri, 7));
    // Nothing is saved while bootstrapping.
    EXPECT_EQ(storage.write_calls, 0);
    bootstrap_request(code::kPut, {"1", "0"}, join({tlv_int(0, 7), tlv_int(1, 120)}));
    EXPECT_EQ(bootstrap_request(code::kPost, {"bs"}).code, code::kChanged);
    EXPECT_GE(storage.write_calls, 1);

    // A second client on the same storage registers with the written account.
    FakeTransport transport;
    Client rebooted(transport, clock_, random_);
    ASSERT_EQ(rebooted.configure(config_), Status::kOk);
    rebooted.step();
    EXPECT_EQ(rebooted.registration_state(), RegistrationState::kRegistering);
    EXPECT_STREQ(transport.connected_host, "192.0.2.7");
}

}  // namespace
}  // namespace lwm2m

namespace lwm2m {
namespace {

// A Bootstrap-Pack in SenML JSON with a server account (/0/1, /1/0) and,
// with `with_server` false, without the Server instance.
std::string bootstrap_pack(bool with_server = true) {
    std::string pack = R"([{"n":"/0/1/0","vs":"coap://192.0.2.7:5683"},{"n":"/0/1/1","vb":false},)"
                       R"({"n":"/0/1/2","v":3},{"n":"/0/1/10","v":7})";
    if (with_server) {
        pack += R"(,{"n":"/1/0/0","v":7},{"n":"/1/0/1","v":120})";
    }
    return pack + "]";
}

class BootstrapPackTest : public BootstrapTest {
  protected:
    BootstrapPackTest() { config_.version = Lwm2mVersion::k1_2; }

    // Responds to the last request with 2.05 and `pack` in SenML JSON.
    void respond_with_pack(const std::string& pack) {
        const Message request = last_sent();
        uint8_t buffer[512];
        MessageWriter writer(buffer);
        writer.header(Type::kAcknowledgement, code::kContent, request.message_id,
                      request.token_view());
        writer.add_uint_option(option::kContentFormat, coap::format::kSenmlJson);
        writer.append_payload({reinterpret_cast<const uint8_t*>(pack.data()), pack.size()});
        transport_.deliver(writer.bytes());
        client_.step();
    }
};

TEST_F(BootstrapPackTest, PackRequestedFirst) {
    configure();
    client_.step();
    const Message request = last_sent();
    EXPECT_EQ(request.code, code::kGet);
    EXPECT_EQ(options_of(request, option::kUriPath), std::vector<std::string>{"bspack"});
    EXPECT_EQ(options_of(request, option::kUriQuery), std::vector<std::string>{"ep=dev1"});
    uint32_t accept = 0;
    EXPECT_TRUE(request.find_uint(option::kAccept, accept, 2));
    EXPECT_EQ(accept, coap::format::kSenmlCbor);
}

TEST_F(BootstrapPackTest, PackAppliedThenRegister) {
    configure();
    client_.step();
    respond_with_pack(bootstrap_pack());
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistering);
    EXPECT_STREQ(transport_.connected_host, "192.0.2.7");
    const Message reg = last_sent();
    EXPECT_EQ(options_of(reg, option::kUriPath), std::vector<std::string>{"rd"});
    const std::vector<std::string> query = options_of(reg, option::kUriQuery);
    EXPECT_NE(std::find(query.begin(), query.end(), "lt=120"), query.end());
}

TEST_F(BootstrapPackTest, RefusedPackFallsBackToRequest) {
    configure();
    client_.step();
    respond(code::kNotFound);
    client_.step();
    const Message request = last_sent();
    EXPECT_EQ(request.code, code::kPost);
    EXPECT_EQ(options_of(request, option::kUriPath), std::vector<std::string>{"bs"});
}

TEST_F(BootstrapPackTest, UnusablePackFallsBackToRequest) {
    configure();
    client_.step();
    respond_with_pack(bootstrap_pack(false));
    client_.step();
    EXPECT_EQ(client_.registration_state(), RegistrationState::kBootstrapping);
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"bs"});
}

TEST_F(BootstrapPackTest, SwitchedOffSendsRequest) {
    config_.bootstrap_pack_request = false;
    configure();
    client_.step();
    EXPECT_EQ(options_of(last_sent(), option::kUriPath), std::vector<std::string>{"bs"});
}

}  // namespace
}  // namespace lwm2m
