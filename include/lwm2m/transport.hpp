// The network port: the datagram transport the client talks through. Implement
// this interface for a modem or an IP stack; ports/posix has the UDP one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lwm2m/status.hpp"

namespace lwm2m::net {

enum class TransportState : uint8_t {
    /// No socket. The state after create(), close() and cleanup().
    kClosed,
    /// A socket is bound to a local port but not connected (after reuse_last_port()).
    kBound,
    /// A socket is connected to the server; send() and receive() work.
    kConnected,
};

enum class AddressFamily : uint8_t { kUnspecified, kIpv4, kIpv6 };

/// Security Mode (/0/x/2) of a server account, with the Security object's values.
enum class SecurityMode : uint8_t {
    kPreSharedKey = 0,
    kRawPublicKey = 1,
    kCertificate = 2,
    kNoSec = 3,
    kCertificateWithEst = 4,
};

/// Certificate Usage (/0/x/15): how the server's certificate is checked
/// against Server Public Key (/0/x/4), with the values of RFC 6698, 2.1.1.
enum class CertificateUsage : uint8_t {
    /// "CA constraint": the chain must verify against the trust store and
    /// contain the certificate in Server Public Key.
    kCaConstraint = 0,
    /// "Service certificate constraint": the server's certificate must be the
    /// one in Server Public Key and verify against the trust store.
    kServiceCertificateConstraint = 1,
    /// "Trust anchor assertion": the certificate in Server Public Key is the
    /// only trust anchor.
    kTrustAnchorAssertion = 2,
    /// "Domain-issued certificate": the server's certificate must be the one
    /// in Server Public Key; no chain is checked. The default.
    kDomainIssuedCertificate = 3,
};

/// The credentials of one server account, from its Security object instance.
/// The views point into the client's copy of the instance and stay valid
/// until the next set_security() or cleanup(). A transport that needs them
/// later copies them.
struct SecurityParams {
    SecurityMode mode = SecurityMode::kNoSec;
    /// Public Key or Identity (/0/x/3): the PSK identity, or the client's
    /// certificate (DER).
    std::span<const uint8_t> identity;
    /// Server Public Key (/0/x/4): a certificate (DER), checked as
    /// certificate_usage specifies.
    std::span<const uint8_t> server_public_key;
    /// Secret Key (/0/x/5): the PSK, or the client's private key (DER).
    std::span<const uint8_t> secret_key;
    CertificateUsage certificate_usage = CertificateUsage::kDomainIssuedCertificate;
    /// Host name for Server Name Indication and for matching the server's
    /// certificate: SNI (/0/x/14) if set, else the host of the URI when it is
    /// a name. nullptr when the URI contains an IP address and no SNI is set.
    const char* server_name = nullptr;
};

/// A datagram transport with one remote peer at a time.
///
/// Every call returns at once. `Status::kWouldBlock` means "nothing to do now,
/// try later" (no datagram has arrived, or the send queue is full), and
/// `Status::kInProgress` means "started but not finished, repeat the same call
/// with the same arguments". The client calls these only from `Client::step()`.
class Transport {
  public:
    /// Prepares the transport; the state becomes kClosed. Called once before any
    /// other call.
    virtual Status create() = 0;

    /// Connects to `host` (a name or a literal address) and `port`. Opens a
    /// socket on an ephemeral port unless the state is kBound, in which case the
    /// bound socket and its port are kept. Records the local port for
    /// reuse_last_port(). Errors: kResolveFailed, kNetworkError, kInProgress.
    virtual Status connect(const char* host, uint16_t port) = 0;

    /// Sends one datagram. Errors: kWouldBlock, kMessageTooLarge (larger than
    /// the transport can carry), kInvalidState (not connected), kNetworkError.
    virtual Status send(std::span<const std::byte> datagram) = 0;

    /// Receives one datagram into `buffer` and returns its length. Errors:
    /// kWouldBlock (nothing has arrived), kMessageTooLarge (the datagram was
    /// longer than `buffer` and has been discarded), kInvalidState, kNetworkError.
    virtual Result<size_t> receive(std::span<std::byte> buffer) = 0;

    /// Stops sending and receiving but keeps the socket until close(). The
    /// client does not call it; it is for applications that stop the link.
    virtual Status shutdown() = 0;

    /// Closes the socket; the state becomes kClosed. The last local port stays
    /// recorded for reuse_last_port().
    virtual Status close() = 0;

    /// Releases everything: closes the socket if needed and clears the
    /// recorded local port. The client calls it before configuring again.
    virtual Status cleanup() = 0;

    virtual TransportState state() const = 0;

    /// Largest datagram payload send() accepts, in bytes.
    /// NOTE: the client does not read it yet; messages are bounded by
    /// LWM2M_OUT_BUFFER_SIZE.
    virtual size_t inner_mtu() const = 0;

    /// Local port of the current socket, or of the last one if none is open;
    /// 0 if no connection was ever made. For logs.
    virtual uint16_t local_port() const = 0;

    /// Tells the transport that the client expects no datagrams until its next
    /// send (Queue Mode sleep). A modem port may switch its receiver off. The
    /// flag clears on the next send().
    virtual void set_receive_off(bool receive_off) = 0;

    /// Opens a new socket bound to the local port of the last successful
    /// connect(), in the same address family, so that the next connect() sends
    /// from that port. Call after close(). Errors: kInvalidState (no connection
    /// was ever made, or a socket is still open), kAddressInUse (another socket
    /// owns the port; the state stays kClosed), kNetworkError.
    virtual Status reuse_last_port() = 0;

    /// Asks the next connect() that opens a socket (from kClosed) to bind
    /// local port `port` rather than an ephemeral one. The client calls it in
    /// configure() with the port of a saved registration, so that a rebooted
    /// device sends its Update from the port of its registration. If the port
    /// cannot be bound, that connect() uses an ephemeral port. The request
    /// ends with that connect() and with cleanup(). Errors: kInvalidArgument
    /// (port 0), kUnsupported (the default implementation: the transport
    /// cannot choose its port, so the Update moves the registration to a new
    /// one).
    virtual Status set_next_local_port(uint16_t port) {
        return port == 0 ? Status::kInvalidArgument : Status::kUnsupported;
    }

    /// Sets the credentials of the next connect(). The client calls it, with
    /// the socket closed, for every server account it starts to use, with
    /// kNoSec for a coap:// URI. A secure transport starts its next
    /// connection with a full handshake. Errors: kUnsupported (the default
    /// implementation, for any mode but kNoSec: the transport has no
    /// security, and the client never sends such an account's messages in
    /// plaintext), kInvalidArgument (credentials that cannot be used).
    virtual Status set_security(const SecurityParams& params) {
        return params.mode == SecurityMode::kNoSec ? Status::kOk : Status::kUnsupported;
    }

    /// Tells the transport that the peer has stopped responding: it may have
    /// lost the connection's security state (it restarted, or a NAT gave the
    /// client a new address). A secure transport starts the next connect()
    /// with a new handshake (an abbreviated one where the peer still has
    /// the session) instead of continuing the connection. The client calls
    /// it when a request times out, after close(). The default does nothing.
    virtual void renew_session() {}

  protected:
    // Not virtual: the library never deletes a transport through this interface.
    ~Transport() = default;
};

}  // namespace lwm2m::net
