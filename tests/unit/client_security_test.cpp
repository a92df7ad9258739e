// Secure server accounts: which Security Mode goes with which URI scheme, the
// credentials and server name the client passes to its transport, and a new
// handshake after a timeout.
#include "client_fixture.hpp"

namespace lwm2m {
namespace {

constexpr uint8_t kIdentity[] = {'d', 'e', 'v', '1'};
constexpr uint8_t kKey[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

class ClientSecurityTest : public ClientTest {
  protected:
    ClientSecurityTest() {
        transport_.secure = true;
        config_.server_uri = "coaps://192.0.2.1";
        config_.server_security.mode = net::SecurityMode::kPreSharedKey;
        config_.server_security.identity = kIdentity;
        config_.server_security.secret_key = kKey;
    }
};

TEST_F(ClientSecurityTest, CoapsAccountGetsCredentials) {
    configure();
    client_.step();
    EXPECT_GE(transport_.security_calls, 1);
    EXPECT_EQ(transport_.security_mode, net::SecurityMode::kPreSharedKey);
    EXPECT_EQ(transport_.identity_length, sizeof(kIdentity));
    // RFC 7252, 6.2: coaps:// defaults to port 5684.
    EXPECT_EQ(transport_.connected_port, 5684);
    EXPECT_EQ(client_.registration_state(), RegistrationState::kRegistering);
}

TEST_F(ClientSecurityTest, AddressUriSendsNoServerName) {
    configure();
    client_.step();
    EXPECT_FALSE(transport_.has_server_name);
}

TEST_F(ClientSecurityTest, HostNameIsServerName) {
    config_.server_uri = "coaps://lwm2m.example.com:5684";
    configure();
    client_.step();
    ASSERT_TRUE(transport_.has_server_name);
    EXPECT_STREQ(transport_.server_name, "lwm2m.example.com");
}

TEST_F(ClientSecurityTest, SniOverridesHost) {
    config_.server_uri = "coaps://[2001:db8::1]:5684";
    config_.server_security.sni = "devices.example.com";
    configure();
    client_.step();
    ASSERT_TRUE(transport_.has_server_name);
    EXPECT_STREQ(transport_.server_name, "devices.example.com");
}

TEST_F(ClientSecurityTest, Ipv6LiteralSendsNoServerName) {
    config_.server_uri = "coaps://[2001:db8::1]:5684";
    configure();
    client_.step();
    EXPECT_FALSE(transport_.has_server_name);
}

TEST_F(ClientSecurityTest, TransportWithoutSecurityNeverUsed) {
    transport_.secure = false;
    (void)client_.configure(config_);
    for (int i = 0; i < 5; ++i) {
        advance(1000);
    }
    EXPECT_EQ(transport_.sent_count, 0u);
    EXPECT_NE(client_.registration_state(), RegistrationState::kRegistering);
}

TEST_F(ClientSecurityTest, CoapsWithNoSecNeverUsed) {
    config_.server_security = {};
    (void)client_.configure(config_);
    for (int i = 0; i < 5; ++i) {
        advance(1000);
    }
    EXPECT_EQ(transport_.sent_count, 0u);
}

TEST_F(ClientSecurityTest, CoapWithPreSharedKeyNeverUsed) {
    config_.server_uri = "coap://192.0.2.1";
    (void)client_.configure(config_);
    for (int i = 0; i < 5; ++i) {
        advance(1000);
    }
    EXPECT_EQ(transport_.sent_count, 0u);
}

TEST_F(ClientSecurityTest, KeyTooLongRejected) {
    uint8_t long_key[LWM2M_SECURITY_KEY_SIZE + 1] = {};
    config_.server_security.secret_key = long_key;
    EXPECT_EQ(client_.configure(config_), Status::kNoSpace);
}

TEST_F(ClientSecurityTest, TimeoutRenewsSession) {
    configure();
    client_.step();
    ASSERT_EQ(client_.registration_state(), RegistrationState::kRegistering);
    const int closes = transport_.close_calls;
    // No response: the Register times out after MAX_TRANSMIT_WAIT at most.
    for (int i = 0; i < 200 && transport_.renew_calls == 0; ++i) {
        advance(1000);
    }
    EXPECT_EQ(transport_.renew_calls, 1);
    EXPECT_GT(transport_.close_calls, closes);
}

TEST_F(ClientSecurityTest, NoSecTimeoutKeepsSession) {
    transport_.secure = false;
    config_.server_uri = "coap://192.0.2.1";
    config_.server_security = {};
    configure();
    client_.step();
    for (int i = 0; i < 200 && client_.registration_state() == RegistrationState::kRegistering;
         ++i) {
        advance(1000);
    }
    EXPECT_EQ(transport_.renew_calls, 0);
}

}  // namespace
}  // namespace lwm2m
