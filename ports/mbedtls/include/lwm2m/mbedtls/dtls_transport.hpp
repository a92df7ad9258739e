// DTLS 1.2 on mbedTLS 3.6 around any datagram transport: a modem's or the
// POSIX UDP one. The client sees one more net::Transport.
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <cstdint>
#include <span>

#include "lwm2m/platform.hpp"
#include "lwm2m/transport.hpp"

namespace lwm2m::mbedtls {

struct DtlsOptions {
    /// Ask the server for a Connection ID (RFC 9146), so that the connection
    /// survives a change of the client's address or port, such as a NAT
    /// rebinding during a Queue Mode sleep. The client sends records with
    /// the server's CID and requests none for itself.
    bool connection_id = true;
    /// Without a Connection ID, end the connection with close_notify when the
    /// client goes offline, and resume the session with an abbreviated
    /// handshake when it wakes up: the server may know the client under
    /// another address by then. With false, the client continues the
    /// connection as it was, which suits a server that keeps it and a path
    /// without NAT.
    bool resume_after_close = true;
    /// Retransmission timer of the handshake (RFC 6347, 4.2.4.1): first
    /// timeout and the cap of its doubling. The handshake fails after the
    /// timeout has reached the cap once.
    uint32_t handshake_timeout_min_ms = 1000;
    uint32_t handshake_timeout_max_ms = 60000;
    /// CA certificates (DER, or PEM with its NUL) for Certificate Usage 0 and
    /// 1. Not copied: must outlive the transport.
    std::span<const uint8_t> trust_store;
};

/// Counters of the handshakes a transport has completed, for tests and logs.
struct DtlsStatistics {
    uint32_t full_handshakes = 0;
    uint32_t resumed_handshakes = 0;
    uint32_t failed_handshakes = 0;
};

/// A DTLS 1.2 client over `inner`. connect() runs the handshake without
/// blocking: it returns kInProgress until the handshake is done and drives
/// its retransmission timer from the clock, so the client repeats it from
/// step(). For a kNoSec account (a coap:// URI) it passes datagrams through
/// unchanged. Modes: pre-shared key, and certificates with the Certificate
/// Usages 0 to 3.
///
/// Queue Mode: close() closes the inner socket. With a Connection ID the
/// DTLS connection stays and continues after reuse_last_port() and
/// connect(), from any address; without one, see resume_after_close.
///
/// mbedTLS allocates its contexts and record buffers with calloc(); on a
/// device without a heap, build it with MBEDTLS_MEMORY_BUFFER_ALLOC_C and
/// give it a static pool. Entropy comes from mbedTLS's platform sources
/// (getrandom() on Linux; MBEDTLS_ENTROPY_HARDWARE_ALT on a device).
class DtlsTransport final : public net::Transport {
  public:
    DtlsTransport(net::Transport& inner, Clock& clock, const DtlsOptions& options = {});
    ~DtlsTransport();
    DtlsTransport(const DtlsTransport&) = delete;
    DtlsTransport& operator=(const DtlsTransport&) = delete;

    Status create() override;
    Status connect(const char* host, uint16_t port) override;
    Status send(std::span<const std::byte> datagram) override;
    Result<size_t> receive(std::span<std::byte> buffer) override;
    Status shutdown() override;
    Status close() override;
    Status cleanup() override;
    net::TransportState state() const override;
    size_t inner_mtu() const override;
    uint16_t local_port() const override { return inner_.local_port(); }
    void set_receive_off(bool receive_off) override { inner_.set_receive_off(receive_off); }
    Status reuse_last_port() override { return inner_.reuse_last_port(); }
    Status set_next_local_port(uint16_t port) override { return inner_.set_next_local_port(port); }
    Status set_security(const net::SecurityParams& params) override;
    void renew_session() override;

    const DtlsStatistics& statistics() const { return statistics_; }
    /// True if the current connection has a Connection ID from the server.
    bool connection_id_in_use() const { return cid_in_use_; }

  private:
    enum class Phase : uint8_t {
        /// No DTLS connection; the next connect() starts a handshake.
        kIdle,
        kHandshaking,
        /// The connection is up; after close() it continues on connect().
        kEstablished,
    };

    static int send_callback(void* context, const unsigned char* data, size_t length);
    static int receive_callback(void* context, unsigned char* data, size_t length);
    static void set_timer_callback(void* context, uint32_t intermediate_ms, uint32_t final_ms);
    static int get_timer_callback(void* context);
    static int verify_callback(void* context, mbedtls_x509_crt* certificate, int depth,
                               uint32_t* flags);

    bool passthrough() const { return mode_ == net::SecurityMode::kNoSec; }
    Status start_handshake();
    Status continue_handshake();
    /// Ends the connection: frees the session state the peer must not see
    /// again, keeps the saved session for resumption unless `forget`.
    void end_connection(bool forget);
    void free_credentials();

    net::Transport& inner_;
    Clock& clock_;
    DtlsOptions options_;
    net::SecurityMode mode_ = net::SecurityMode::kNoSec;
    net::CertificateUsage certificate_usage_ = net::CertificateUsage::kDomainIssuedCertificate;
    Phase phase_ = Phase::kIdle;
    bool cid_in_use_ = false;
    bool session_saved_ = false;
    bool renew_ = false;
    bool seeded_ = false;
    bool ca_constraint_seen_ = false;
    /// Host name for SNI and certificate matching; empty for none.
    char server_name_[128] = {};
    /// The certificate in Server Public Key (DER), copied.
    mbedtls_x509_crt server_certificate_;
    mbedtls_x509_crt own_certificate_;
    mbedtls_x509_crt trust_store_;
    mbedtls_pk_context own_key_;
    /// Datagrams received in the current handshake, to tell a silent server
    /// from one that stopped responding after its hello.
    uint32_t handshake_datagrams_ = 0;
    uint64_t timer_start_ms_ = 0;
    uint32_t timer_intermediate_ms_ = 0;
    uint32_t timer_final_ms_ = 0;

    mbedtls_entropy_context entropy_;
    mbedtls_ctr_drbg_context random_;
    mbedtls_ssl_config config_;
    mbedtls_ssl_context ssl_;
    mbedtls_ssl_session session_;
    DtlsStatistics statistics_;
};

}  // namespace lwm2m::mbedtls
