// Two LwM2M Servers at once, on two fake transports: a Bootstrap-Server
// writes both accounts, and the client keeps a registration, requests and
// observations for each server apart.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "client_fixture.hpp"
#include "tlv_builder.hpp"

// These tests need two server sessions.
#if LWM2M_MAX_SERVERS >= 2

namespace lwm2m {
namespace {

using testing::FakeStorage;
using testing::join;
using testing::tlv;

std::vector<uint8_t> security_instance(const std::string& uri, uint8_t short_server_id) {
    return join({tlv(3, 0, std::vector<uint8_t>(uri.begin(), uri.end())), tlv(3, 1, {0}),
                 tlv(3, 2, {3}), tlv(3, 10, {short_server_id})});
}

std::vector<uint8_t> server_instance(uint8_t short_server_id, uint8_t lifetime_s) {
    return join({tlv(3, 0, {short_server_id}), tlv(3, 1, {lifetime_s})});
}

// A client with two transports on fake ports.
struct Device {
    explicit Device(FakeClock& clock, FakeRandom& random)
        : client(std::array<net::Transport*, 2>{&first, &second}, clock, random) {}

    FakeTransport first;
    FakeTransport second;
    Client client;
};

class MultiServerTest : public ::testing::Test {
  protected:
    MultiServerTest() {
        config_.endpoint_name = "dev1";
        config_.bootstrap_server_uri = "coap://192.0.2.9:5693";
        config_.lifetime_s = 300;
        config_.device.manufacturer = "Acme";
        config_.storage = &storage_;
        device_ = std::make_unique<Device>(clock_, random_);
    }

    FakeTransport& server_a() { return device_->first; }
    FakeTransport& server_b() { return device_->second; }
    Client& client() { return device_->client; }

    static Message decode(const testing::Datagram& datagram) {
        Message message;
        EXPECT_EQ(coap::decode(datagram.view(), message), coap::DecodeResult::kOk);
        return message;
    }

    static Message last_sent(const FakeTransport& transport) {
        return decode(transport.last_sent());
    }

    // Sends a piggybacked response to the last request on `transport`.
    void respond(FakeTransport& transport, uint8_t response_code,
                 std::vector<const char*> location = {}) {
        deliver_response(transport, last_sent(transport), response_code, location);
        client().step();
    }

    // Sends a CON request on `transport` and returns the client's reply.
    Message request(FakeTransport& transport, uint8_t method, std::vector<const char*> path,
                    uint16_t message_id, const std::vector<uint8_t>& payload = {},
                    bool observe = false) {
        uint8_t buffer[256];
        MessageWriter writer(buffer);
        const uint8_t token[] = {0x70, static_cast<uint8_t>(message_id)};
        writer.header(Type::kConfirmable, method, message_id, token);
        if (observe) {
            writer.add_uint_option(option::kObserve, 0);
        }
        for (const char* segment : path) {
            writer.add_option(option::kUriPath, segment);
        }
        if (!payload.empty()) {
            writer.add_uint_option(option::kContentFormat, coap::format::kLwm2mTlv);
            writer.append_payload(payload);
        }
        const size_t before = transport.sent_count;
        transport.deliver(writer.bytes());
        client().step();
        EXPECT_GT(transport.sent_count, before);
        return decode(transport.sent[before % FakeTransport::kCapacity]);
    }

    // Bootstraps two server accounts and registers with both.
    void register_both() {
        ASSERT_EQ(client().configure(config_), Status::kOk);
        client().step();
        respond(server_a(), code::kChanged);  // the Bootstrap-Request
        uint16_t id = 0x100;
        EXPECT_EQ(request(server_a(), code::kPut, {"0", "1"}, id++,
                          security_instance("coap://192.0.2.1:5683", 1))
                      .code,
                  code::kChanged);
        EXPECT_EQ(request(server_a(), code::kPut, {"0", "2"}, id++,
                          security_instance("coap://192.0.2.2:5683", 2))
                      .code,
                  code::kChanged);
        EXPECT_EQ(request(server_a(), code::kPut, {"1", "0"}, id++, server_instance(1, 100)).code,
                  code::kChanged);
        EXPECT_EQ(request(server_a(), code::kPut, {"1", "1"}, id++, server_instance(2, 120)).code,
                  code::kChanged);
        uint8_t acl_id = 0;
        for (const std::vector<uint8_t>& payload : acl_writes_) {
            const std::string name = std::to_string(acl_id++);
            EXPECT_EQ(request(server_a(), code::kPut, {"2", name.c_str()}, id++, payload).code,
                      code::kChanged);
        }
        EXPECT_EQ(request(server_a(), code::kPost, {"bs"}, id++).code, code::kChanged);

        EXPECT_STREQ(server_a().connected_host, "192.0.2.1");
        EXPECT_STREQ(server_b().connected_host, "192.0.2.2");
        EXPECT_EQ(options_of(last_sent(server_a()), option::kUriPath),
                  std::vector<std::string>{"rd"});
        EXPECT_EQ(options_of(last_sent(server_b()), option::kUriPath),
                  std::vector<std::string>{"rd"});
        respond(server_a(), code::kCreated, {"rd", "a"});
        respond(server_b(), code::kCreated, {"rd", "b"});
        ASSERT_EQ(client().registration_state(0), RegistrationState::kRegistered);
        ASSERT_EQ(client().registration_state(1), RegistrationState::kRegistered);
    }

    FakeClock clock_;
    FakeRandom random_;
    FakeStorage storage_;
    ClientConfig config_;
    std::unique_ptr<Device> device_;
    // Access Control instances the Bootstrap-Server writes, /2/0 onwards.
    std::vector<std::vector<uint8_t>> acl_writes_;
};

// An Access Control instance for /object_id/instance_id: the rights of
// servers 1 and 2 (none when 0) and the owner.
std::vector<uint8_t> acl_instance(uint8_t object_id, uint8_t instance_id, uint8_t rights_1,
                                  uint8_t rights_2, uint8_t owner) {
    std::vector<uint8_t> entries;
    if (rights_1 != 0) {
        entries = join({entries, tlv(1, 1, {rights_1})});
    }
    if (rights_2 != 0) {
        entries = join({entries, tlv(1, 2, {rights_2})});
    }
    return join(
        {tlv(3, 0, {object_id}), tlv(3, 1, {instance_id}), tlv(2, 2, entries), tlv(3, 3, {owner})});
}

class AccessControlTest : public MultiServerTest {
  protected:
    // Bootstraps with Access Control: server 1 owns /3/0 and may read,
    // write and execute it; server 2 may only read it. Each owns its
    // Server instance.
    void register_with_acl() {
        acl_writes_ = {
            acl_instance(3, 0, 0x07, 0x01, 1),
            acl_instance(1, 0, 0, 0, 1),
            acl_instance(1, 1, 0, 0, 2),
        };
        register_both();
    }
};

TEST_F(MultiServerTest, BothServersRegister) {
    register_both();
    const std::vector<std::string> query_a = options_of(last_sent(server_a()), option::kUriQuery);
    const std::vector<std::string> query_b = options_of(last_sent(server_b()), option::kUriQuery);
    EXPECT_NE(std::find(query_a.begin(), query_a.end(), "lt=100"), query_a.end());
    EXPECT_NE(std::find(query_b.begin(), query_b.end(), "lt=120"), query_b.end());
    EXPECT_EQ(client().registration_state(), RegistrationState::kRegistered);
}

TEST_F(MultiServerTest, UpdateTriggerReachesOneServer) {
    register_both();
    const size_t sent_a = server_a().sent_count;
    const Message reply = request(server_b(), code::kPost, {"1", "1", "8"}, 0x200);
    EXPECT_EQ(reply.code, code::kChanged);
    // Server B gets the reply and an Update; server A gets nothing.
    const Message update = last_sent(server_b());
    EXPECT_EQ(update.code, code::kPost);
    EXPECT_EQ(options_of(update, option::kUriPath), (std::vector<std::string>{"rd", "b"}));
    EXPECT_EQ(server_a().sent_count, sent_a);
}

TEST_F(MultiServerTest, SameMessageIdFromBothServersServed) {
    register_both();
    const Message from_a = request(server_a(), code::kGet, {"1", "0", "1"}, 0x300);
    const Message from_b = request(server_b(), code::kGet, {"1", "1", "1"}, 0x300);
    EXPECT_EQ(from_a.code, code::kContent);
    EXPECT_EQ(from_b.code, code::kContent);
    EXPECT_EQ(std::string(from_a.payload.begin(), from_a.payload.end()), "100");
    EXPECT_EQ(std::string(from_b.payload.begin(), from_b.payload.end()), "120");
}

TEST_F(MultiServerTest, NotificationGoesToObserverOnly) {
    register_both();
    // Server B observes its lifetime; server A writes it.
    EXPECT_EQ(request(server_b(), code::kGet, {"1", "1", "1"}, 0x400, {}, true).code,
              code::kContent);
    const size_t sent_b = server_b().sent_count;
    EXPECT_EQ(request(server_a(), code::kPut, {"1", "1", "1"}, 0x401, tlv(3, 1, {90})).code,
              code::kChanged);
    client().step();
    ASSERT_GT(server_b().sent_count, sent_b);
    bool notified = false;
    for (size_t i = sent_b; i < server_b().sent_count; ++i) {
        const Message message = decode(server_b().sent[i % FakeTransport::kCapacity]);
        if (message.find(option::kObserve) != nullptr) {
            notified = true;
            EXPECT_EQ(std::string(message.payload.begin(), message.payload.end()), "90");
        }
    }
    EXPECT_TRUE(notified);
}

TEST_F(MultiServerTest, QueueModeWakesOneServer) {
    config_.queue_mode = true;
    config_.queue_timeout_ms = 1000;
    register_both();
    EXPECT_EQ(request(server_b(), code::kGet, {"1", "1", "1"}, 0x600, {}, true).code,
              code::kContent);
    clock_.now_ms += 1000;
    client().step();
    EXPECT_TRUE(client().is_offline());
    EXPECT_EQ(server_a().state(), net::TransportState::kClosed);
    EXPECT_EQ(server_b().state(), net::TransportState::kClosed);

    // A change that only server B observes wakes server B's socket alone,
    // on its last local port.
    const uint16_t port_b = server_b().local_port();
    const size_t sent_a = server_a().sent_count;
    const size_t sent_b = server_b().sent_count;
    client().value_changed(Path::resource(1, 1, 1));
    client().step();
    EXPECT_GT(server_b().sent_count, sent_b);
    EXPECT_EQ(server_b().last_sent_port(), port_b);
    EXPECT_EQ(server_a().sent_count, sent_a);
    EXPECT_EQ(server_a().state(), net::TransportState::kClosed);
}

TEST_F(MultiServerTest, DeregisterEndsBoth) {
    register_both();
    client().deregister();
    client().step();
    EXPECT_EQ(last_sent(server_a()).code, code::kDelete);
    EXPECT_EQ(last_sent(server_b()).code, code::kDelete);
    respond(server_a(), code::kDeleted);
    EXPECT_EQ(client().registration_state(), RegistrationState::kDeregistering);
    respond(server_b(), code::kDeleted);
    EXPECT_EQ(client().registration_state(), RegistrationState::kDeregistered);
}

TEST_F(MultiServerTest, RebootResumesBothRegistrations) {
    register_both();
    const uint16_t port_a = server_a().local_port();
    const uint16_t port_b = server_b().local_port();
    device_ = std::make_unique<Device>(clock_, random_);
    ASSERT_EQ(client().configure(config_), Status::kOk);
    client().step();
    // No Bootstrap-Request: an Update to each server from its saved port.
    const Message update_a = last_sent(server_a());
    const Message update_b = last_sent(server_b());
    EXPECT_EQ(options_of(update_a, option::kUriPath), (std::vector<std::string>{"rd", "a"}));
    EXPECT_EQ(options_of(update_b, option::kUriPath), (std::vector<std::string>{"rd", "b"}));
    EXPECT_EQ(server_a().last_sent_port(), port_a);
    EXPECT_EQ(server_b().last_sent_port(), port_b);
}

TEST_F(AccessControlTest, RightsFollowAclEntries) {
    register_with_acl();
    EXPECT_EQ(request(server_b(), code::kGet, {"3", "0", "0"}, 0x500).code, code::kContent);
    EXPECT_EQ(request(server_b(), code::kPost, {"3", "0", "12"}, 0x501).code, code::kUnauthorized);
    EXPECT_EQ(request(server_a(), code::kPost, {"3", "0", "12"}, 0x502).code, code::kChanged);
}

TEST_F(AccessControlTest, OwnerHasEveryRight) {
    register_with_acl();
    // Each server owns its Server instance and has no entry in the other's.
    EXPECT_EQ(request(server_b(), code::kGet, {"1", "1", "1"}, 0x510).code, code::kContent);
    EXPECT_EQ(request(server_b(), code::kGet, {"1", "0", "1"}, 0x511).code, code::kUnauthorized);
    EXPECT_EQ(request(server_a(), code::kGet, {"1", "0", "1"}, 0x512).code, code::kContent);
}

TEST_F(AccessControlTest, InstanceWithoutAclUnauthorized) {
    register_with_acl();
    // /3/0 has an Access Control instance, the Server object as a whole
    // needs the right on both of its instances.
    EXPECT_EQ(request(server_b(), code::kGet, {"1"}, 0x520).code, code::kUnauthorized);
    // Discover needs no right.
    uint8_t buffer[64];
    MessageWriter writer(buffer);
    const uint8_t token[] = {0x70, 0x21};
    writer.header(Type::kConfirmable, code::kGet, 0x521, token);
    writer.add_option(option::kUriPath, "1");
    writer.add_uint_option(option::kAccept, coap::format::kLinkFormat);
    server_b().deliver(writer.bytes());
    client().step();
    EXPECT_EQ(last_sent(server_b()).code, code::kContent);
}

TEST_F(AccessControlTest, OnlyOwnerWritesAcl) {
    register_with_acl();
    const std::vector<uint8_t> rights = tlv(1, 2, {0x03});
    EXPECT_EQ(request(server_b(), code::kGet, {"2", "0"}, 0x530).code, code::kContent);
    EXPECT_EQ(request(server_b(), code::kPost, {"2", "0"}, 0x531, tlv(2, 2, rights)).code,
              code::kUnauthorized);
    EXPECT_EQ(request(server_a(), code::kPost, {"2", "0"}, 0x532, tlv(2, 2, rights)).code,
              code::kChanged);
    // Server 2 may now write /3/0.
    EXPECT_EQ(request(server_b(), code::kPut, {"3", "0", "14"}, 0x533, tlv(3, 14, {'+', '1'})).code,
              code::kChanged);
}

TEST_F(AccessControlTest, AclKeptAcrossReboot) {
    register_with_acl();
    device_ = std::make_unique<Device>(clock_, random_);
    ASSERT_EQ(client().configure(config_), Status::kOk);
    client().step();
    respond(server_b(), code::kChanged);  // the Update
    EXPECT_EQ(request(server_b(), code::kPost, {"3", "0", "12"}, 0x540).code, code::kUnauthorized);
}

// Client API calls made from a callback while step() serves a session other
// than session 0 must leave that session and session 0 as they were.

// A Send callback that calls back into the client, as an application may do
// to report a value or to start the next Send.
struct ReentrantCallback {
    Client* client = nullptr;
    int calls = 0;
    static void on_send(void* context, SendResult, uint8_t) {
        auto& self = *static_cast<ReentrantCallback*>(context);
        ++self.calls;
        self.client->value_changed(Path::resource(3, 0, 0));
    }
};

TEST_F(MultiServerTest, SendCallbackKeepsPendingRegister) {
    register_both();
    // Server A loses the registration: its Update gets 4.04, and the client
    // sends a new Register to A, which stays in flight.
    EXPECT_EQ(request(server_a(), code::kPost, {"1", "0", "8"}, 0x600).code, code::kChanged);
    ASSERT_EQ(last_sent(server_a()).code, code::kPost);  // the Update
    respond(server_a(), code::kNotFound);
    const Message register_a = last_sent(server_a());
    ASSERT_EQ(options_of(register_a, option::kUriPath), std::vector<std::string>{"rd"});
    ASSERT_EQ(client().registration_state(0), RegistrationState::kRegistering);

    // The Send goes to server B, the first registered one.
    ReentrantCallback callback{&client()};
    const Path paths[] = {Path::resource(3, 0, 0)};
    ASSERT_EQ(client().send(paths, ReentrantCallback::on_send, &callback), Status::kOk);
    client().step();
    ASSERT_EQ(options_of(last_sent(server_b()), option::kUriPath), std::vector<std::string>{"dp"});
    respond(server_b(), code::kChanged);
    ASSERT_EQ(callback.calls, 1);

    // The Register to server A is still in flight: its response completes it.
    uint8_t buffer[64];
    MessageWriter writer(buffer);
    writer.header(Type::kAcknowledgement, code::kCreated, register_a.message_id,
                  register_a.token_view());
    writer.add_option(option::kLocationPath, "rd");
    writer.add_option(option::kLocationPath, "a2");
    server_a().deliver(writer.bytes());
    client().step();
    EXPECT_EQ(client().registration_state(0), RegistrationState::kRegistered);
    // A dropped Register leaves session A in kRegistering with no timer, so
    // it sends nothing in the 100 minutes below.
    const size_t sent_a = server_a().sent_count;
    for (int i = 0; i < 100; ++i) {
        clock_.now_ms += 60000;
        client().step();
    }
    EXPECT_TRUE(client().registration_state(0) == RegistrationState::kRegistered ||
                server_a().sent_count > sent_a);
}

TEST_F(MultiServerTest, DuplicateShortServerIdNotAcceptable) {
    // Two Server instances with Short Server ID 1 would both register with
    // the server of /0/1, under one endpoint name, from two local ports.
    ASSERT_EQ(client().configure(config_), Status::kOk);
    client().step();
    respond(server_a(), code::kChanged);  // the Bootstrap-Request
    EXPECT_EQ(request(server_a(), code::kPut, {"0", "1"}, 0x700,
                      security_instance("coap://192.0.2.1:5683", 1))
                  .code,
              code::kChanged);
    EXPECT_EQ(request(server_a(), code::kPut, {"1", "0"}, 0x701, server_instance(1, 100)).code,
              code::kChanged);
    EXPECT_EQ(request(server_a(), code::kPut, {"1", "1"}, 0x702, server_instance(1, 120)).code,
              code::kChanged);
    EXPECT_EQ(request(server_a(), code::kPost, {"bs"}, 0x703).code, code::kNotAcceptable);
}

}  // namespace
}  // namespace lwm2m

namespace lwm2m {
namespace {

TEST(MultiServerConfigure, FirstTransportRequired) {
    testing::FakeClock clock;
    testing::FakeRandom random;
    testing::FakeTransport second;
    Client client(std::array<net::Transport*, 2>{nullptr, &second}, clock, random);
    ClientConfig config;
    config.endpoint_name = "dev1";
    config.bootstrap_server_uri = "coap://192.0.2.9:5693";
    EXPECT_EQ(client.configure(config), Status::kInvalidArgument);
}

}  // namespace
}  // namespace lwm2m

#endif  // LWM2M_MAX_SERVERS >= 2
