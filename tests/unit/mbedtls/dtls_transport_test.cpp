// DtlsTransport against a fake inner transport and clock: modes, the
// handshake's first flight and its timer, and no plaintext before the
// handshake. The handshake with real servers is in the integration tests.
#include "lwm2m/mbedtls/dtls_transport.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "fakes.hpp"

namespace lwm2m::mbedtls {
namespace {

using lwm2m::testing::FakeClock;
using lwm2m::testing::FakeTransport;

constexpr uint8_t kIdentity[] = {'n', 'o', 'd', 'e'};
constexpr uint8_t kKey[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
constexpr uint8_t kHandshakeRecord = 22;
constexpr uint8_t kClientHello = 1;

net::SecurityParams psk_params() {
    net::SecurityParams params;
    params.mode = net::SecurityMode::kPreSharedKey;
    params.identity = kIdentity;
    params.secret_key = kKey;
    return params;
}

class DtlsTransportTest : public ::testing::Test {
  protected:
    DtlsTransportTest() : dtls_(inner_, clock_, options()) {}

    static DtlsOptions options() {
        DtlsOptions result;
        result.handshake_timeout_min_ms = 1000;
        result.handshake_timeout_max_ms = 2000;
        return result;
    }

    // True if datagram `index` of the inner transport is a ClientHello record.
    bool is_client_hello(size_t index) const {
        const lwm2m::testing::Datagram& datagram = inner_.sent[index % FakeTransport::kCapacity];
        return datagram.size > 25 && datagram.bytes[0] == kHandshakeRecord &&
               datagram.bytes[13] == kClientHello;
    }

    FakeTransport inner_;
    FakeClock clock_;
    DtlsTransport dtls_;
};

TEST_F(DtlsTransportTest, NoSecPassesThrough) {
    ASSERT_EQ(dtls_.create(), Status::kOk);
    ASSERT_EQ(dtls_.set_security({}), Status::kOk);
    ASSERT_EQ(dtls_.connect("127.0.0.1", 5683), Status::kOk);
    EXPECT_EQ(dtls_.state(), net::TransportState::kConnected);

    const std::byte datagram[] = {std::byte{0x40}, std::byte{0x01}, std::byte{0}, std::byte{1}};
    ASSERT_EQ(dtls_.send(datagram), Status::kOk);
    ASSERT_EQ(inner_.sent_count, 1u);
    EXPECT_EQ(inner_.sent[0].size, sizeof(datagram));
    EXPECT_EQ(std::memcmp(inner_.sent[0].bytes.data(), datagram, sizeof(datagram)), 0);
    EXPECT_EQ(dtls_.inner_mtu(), inner_.inner_mtu());
}

TEST_F(DtlsTransportTest, UnsupportedModesRejected) {
    ASSERT_EQ(dtls_.create(), Status::kOk);
    net::SecurityParams params = psk_params();
    params.mode = net::SecurityMode::kRawPublicKey;
    EXPECT_EQ(dtls_.set_security(params), Status::kUnsupported);
    params.mode = net::SecurityMode::kCertificateWithEst;
    EXPECT_EQ(dtls_.set_security(params), Status::kUnsupported);
}

TEST_F(DtlsTransportTest, IncompleteCredentialsRejected) {
    ASSERT_EQ(dtls_.create(), Status::kOk);
    net::SecurityParams params = psk_params();
    params.secret_key = {};
    EXPECT_EQ(dtls_.set_security(params), Status::kInvalidArgument);
    params = psk_params();
    params.identity = {};
    EXPECT_EQ(dtls_.set_security(params), Status::kInvalidArgument);

    params = {};
    params.mode = net::SecurityMode::kCertificate;
    params.identity = kKey;  // not a certificate
    params.secret_key = kKey;
    EXPECT_EQ(dtls_.set_security(params), Status::kInvalidArgument);
}

TEST_F(DtlsTransportTest, HandshakeStartsWithClientHello) {
    ASSERT_EQ(dtls_.create(), Status::kOk);
    ASSERT_EQ(dtls_.set_security(psk_params()), Status::kOk);
    EXPECT_EQ(dtls_.connect("127.0.0.1", 5684), Status::kInProgress);
    EXPECT_EQ(dtls_.state(), net::TransportState::kBound);
    ASSERT_EQ(inner_.sent_count, 1u);
    EXPECT_TRUE(is_client_hello(0));
}

TEST_F(DtlsTransportTest, NoPlaintextBeforeHandshake) {
    ASSERT_EQ(dtls_.create(), Status::kOk);
    ASSERT_EQ(dtls_.set_security(psk_params()), Status::kOk);
    const std::byte datagram[] = {std::byte{0x40}, std::byte{0x01}, std::byte{0}, std::byte{1}};
    EXPECT_EQ(dtls_.send(datagram), Status::kInvalidState);
    EXPECT_EQ(dtls_.connect("127.0.0.1", 5684), Status::kInProgress);
    EXPECT_EQ(dtls_.send(datagram), Status::kInvalidState);
    std::byte buffer[64];
    EXPECT_EQ(dtls_.receive(buffer).status(), Status::kInvalidState);
    EXPECT_EQ(inner_.sent_count, 1u);
}

TEST_F(DtlsTransportTest, SilentServerTimesOut) {
    ASSERT_EQ(dtls_.create(), Status::kOk);
    ASSERT_EQ(dtls_.set_security(psk_params()), Status::kOk);
    ASSERT_EQ(dtls_.connect("127.0.0.1", 5684), Status::kInProgress);

    // RFC 6347, 4.2.4.1: the flight goes again after 1 s, then after 2 s,
    // the cap, after which the handshake fails.
    clock_.now_ms += 999;
    EXPECT_EQ(dtls_.connect("127.0.0.1", 5684), Status::kInProgress);
    EXPECT_EQ(inner_.sent_count, 1u);
    clock_.now_ms += 1;
    EXPECT_EQ(dtls_.connect("127.0.0.1", 5684), Status::kInProgress);
    EXPECT_EQ(inner_.sent_count, 2u);
    EXPECT_TRUE(is_client_hello(1));

    Status status = Status::kInProgress;
    for (int i = 0; i < 10 && status == Status::kInProgress; ++i) {
        clock_.now_ms += 1000;
        status = dtls_.connect("127.0.0.1", 5684);
    }
    EXPECT_EQ(status, Status::kTimeout);
    EXPECT_EQ(dtls_.statistics().failed_handshakes, 1u);
    // The socket closes with the failed handshake, so that nothing reads it.
    EXPECT_EQ(inner_.state(), net::TransportState::kClosed);
    EXPECT_EQ(dtls_.state(), net::TransportState::kClosed);
}

TEST_F(DtlsTransportTest, NewCredentialsEndPassthrough) {
    ASSERT_EQ(dtls_.create(), Status::kOk);
    ASSERT_EQ(dtls_.set_security({}), Status::kOk);
    ASSERT_EQ(dtls_.connect("127.0.0.1", 5683), Status::kOk);
    ASSERT_EQ(dtls_.close(), Status::kOk);

    ASSERT_EQ(dtls_.set_security(psk_params()), Status::kOk);
    EXPECT_EQ(dtls_.connect("127.0.0.1", 5684), Status::kInProgress);
    EXPECT_TRUE(is_client_hello(inner_.sent_count - 1));
}

}  // namespace
}  // namespace lwm2m::mbedtls
