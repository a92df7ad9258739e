#include "lwm2m/mbedtls/dtls_transport.hpp"

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <psa/crypto.h>

#include <cstring>

#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("dtls");

namespace lwm2m::mbedtls {
namespace {

// LwM2M servers support TLS_PSK_WITH_AES_128_CCM_8 for pre-shared keys and
// TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 for certificates, so these come first.
// The others widen the choice for servers without CCM. A short list keeps
// the ClientHello small.
constexpr int kPskSuites[] = {
    MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8,
    MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_PSK_WITH_AES_128_CBC_SHA256,
    0,
};
constexpr int kCertificateSuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    0,
};

// Record header (13), explicit nonce (8), CCM or GCM tag (16) and a
// Connection ID of up to 16 bytes, rounded up.
constexpr size_t kRecordExpansion = 64;

constexpr char kPersonalization[] = "lwm2m-cpp dtls";

void log_mbedtls_error(const char* operation, int error) {
#if LWM2M_LOG_LEVEL <= 3
    char text[96];
    mbedtls_strerror(error, text, sizeof(text));
    LWM2M_LOG_WARNING("%s: -0x%04x %s", operation, static_cast<unsigned>(-error), text);
#else
    (void)operation;
    (void)error;
#endif
}

bool same_certificate(const mbedtls_x509_crt& a, const mbedtls_x509_crt& b) {
    return a.raw.len != 0 && a.raw.len == b.raw.len &&
           std::memcmp(a.raw.p, b.raw.p, a.raw.len) == 0;
}

}  // namespace

DtlsTransport::DtlsTransport(net::Transport& inner, Clock& clock, const DtlsOptions& options)
    : inner_(inner), clock_(clock), options_(options) {
    mbedtls_x509_crt_init(&server_certificate_);
    mbedtls_x509_crt_init(&own_certificate_);
    mbedtls_x509_crt_init(&trust_store_);
    mbedtls_pk_init(&own_key_);
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&random_);
    mbedtls_ssl_config_init(&config_);
    mbedtls_ssl_init(&ssl_);
    mbedtls_ssl_session_init(&session_);
}

DtlsTransport::~DtlsTransport() {
    (void)cleanup();
    free_credentials();
    mbedtls_ssl_session_free(&session_);
    mbedtls_ssl_free(&ssl_);
    mbedtls_ssl_config_free(&config_);
    mbedtls_ctr_drbg_free(&random_);
    mbedtls_entropy_free(&entropy_);
}

Status DtlsTransport::create() {
    if (!seeded_) {
        // mbedTLS 3.6 with TLS 1.3 compiled in needs PSA crypto even for DTLS 1.2.
        if (psa_crypto_init() != PSA_SUCCESS) {
            LWM2M_LOG_ERROR("PSA crypto initialisation failed");
            return Status::kNetworkError;
        }
        const int seeded = mbedtls_ctr_drbg_seed(
            &random_, mbedtls_entropy_func, &entropy_,
            reinterpret_cast<const unsigned char*>(kPersonalization), sizeof(kPersonalization) - 1);
        if (seeded != 0) {
            log_mbedtls_error("random generator seeding failed", seeded);
            return Status::kNetworkError;
        }
        seeded_ = true;
    }
    phase_ = Phase::kIdle;
    return inner_.create();
}

void DtlsTransport::free_credentials() {
    mbedtls_x509_crt_free(&server_certificate_);
    mbedtls_x509_crt_free(&own_certificate_);
    mbedtls_x509_crt_free(&trust_store_);
    mbedtls_pk_free(&own_key_);
    mbedtls_x509_crt_init(&server_certificate_);
    mbedtls_x509_crt_init(&own_certificate_);
    mbedtls_x509_crt_init(&trust_store_);
    mbedtls_pk_init(&own_key_);
}

Status DtlsTransport::set_security(const net::SecurityParams& params) {
    end_connection(true);
    free_credentials();
    // A new configuration and context: mbedTLS keeps one PSK per
    // configuration and does not let it be replaced.
    mbedtls_ssl_free(&ssl_);
    mbedtls_ssl_config_free(&config_);
    mbedtls_ssl_init(&ssl_);
    mbedtls_ssl_config_init(&config_);
    mode_ = net::SecurityMode::kNoSec;
    server_name_[0] = '\0';
    if (params.mode == net::SecurityMode::kNoSec) {
        return Status::kOk;
    }
    if (params.mode != net::SecurityMode::kPreSharedKey &&
        params.mode != net::SecurityMode::kCertificate) {
        return Status::kUnsupported;
    }
    if (!seeded_) {
        return Status::kInvalidState;  // create() first
    }

    int error =
        mbedtls_ssl_config_defaults(&config_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
    if (error != 0) {
        log_mbedtls_error("DTLS configuration failed", error);
        return Status::kNoSpace;
    }
    mbedtls_ssl_conf_rng(&config_, mbedtls_ctr_drbg_random, &random_);
    mbedtls_ssl_conf_min_tls_version(&config_, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(&config_, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_handshake_timeout(&config_, options_.handshake_timeout_min_ms,
                                       options_.handshake_timeout_max_ms);
    if (options_.connection_id) {
        // An empty CID of our own: the server's records to us carry none,
        // ours to it carry the CID it chose, which is what it routes by.
        (void)mbedtls_ssl_conf_cid(&config_, 0, MBEDTLS_SSL_UNEXPECTED_CID_IGNORE);
    }

    if (params.mode == net::SecurityMode::kPreSharedKey) {
        if (params.identity.empty() || params.secret_key.empty()) {
            LWM2M_LOG_ERROR("pre-shared key mode needs an identity and a key");
            return Status::kInvalidArgument;
        }
        mbedtls_ssl_conf_ciphersuites(&config_, kPskSuites);
        error = mbedtls_ssl_conf_psk(&config_, params.secret_key.data(), params.secret_key.size(),
                                     params.identity.data(), params.identity.size());
        if (error != 0) {
            log_mbedtls_error("the pre-shared key was not accepted", error);
            return Status::kInvalidArgument;
        }
    } else {
        mbedtls_ssl_conf_ciphersuites(&config_, kCertificateSuites);
        error = mbedtls_x509_crt_parse_der(&own_certificate_, params.identity.data(),
                                           params.identity.size());
        if (error == 0) {
            error =
                mbedtls_pk_parse_key(&own_key_, params.secret_key.data(), params.secret_key.size(),
                                     nullptr, 0, mbedtls_ctr_drbg_random, &random_);
        }
        if (error == 0) {
            error = mbedtls_ssl_conf_own_cert(&config_, &own_certificate_, &own_key_);
        }
        if (error != 0) {
            log_mbedtls_error("the client certificate or private key is unusable", error);
            return Status::kInvalidArgument;
        }
        error = mbedtls_x509_crt_parse_der(&server_certificate_, params.server_public_key.data(),
                                           params.server_public_key.size());
        if (error != 0) {
            log_mbedtls_error("the server certificate (Server Public Key) is unusable", error);
            return Status::kInvalidArgument;
        }
        certificate_usage_ = params.certificate_usage;
        if (certificate_usage_ == net::CertificateUsage::kCaConstraint ||
            certificate_usage_ == net::CertificateUsage::kServiceCertificateConstraint) {
            if (options_.trust_store.empty()) {
                LWM2M_LOG_ERROR("Certificate Usage %u needs a trust store",
                                static_cast<unsigned>(certificate_usage_));
                return Status::kInvalidArgument;
            }
            error = mbedtls_x509_crt_parse(&trust_store_, options_.trust_store.data(),
                                           options_.trust_store.size());
            if (error != 0) {
                log_mbedtls_error("the trust store is unusable", error);
                return Status::kInvalidArgument;
            }
            mbedtls_ssl_conf_ca_chain(&config_, &trust_store_, nullptr);
        } else {
            // Trust anchor assertion: this certificate is the only anchor.
            // Domain-issued: verify_callback() accepts exactly this one.
            mbedtls_ssl_conf_ca_chain(&config_, &server_certificate_, nullptr);
        }
        mbedtls_ssl_conf_authmode(&config_, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_verify(&config_, verify_callback, this);
    }
    if (params.server_name != nullptr) {
        const size_t length = std::strlen(params.server_name);
        if (length >= sizeof(server_name_)) {
            return Status::kInvalidArgument;
        }
        std::memcpy(server_name_, params.server_name, length + 1);
    }

    error = mbedtls_ssl_setup(&ssl_, &config_);
    if (error != 0) {
        log_mbedtls_error("DTLS context setup failed", error);
        return Status::kNoSpace;
    }
    mbedtls_ssl_set_bio(&ssl_, this, send_callback, receive_callback, nullptr);
    mbedtls_ssl_set_timer_cb(&ssl_, this, set_timer_callback, get_timer_callback);
    mode_ = params.mode;
    return Status::kOk;
}

Status DtlsTransport::connect(const char* host, uint16_t port) {
    if (passthrough()) {
        return inner_.connect(host, port);
    }
    if (inner_.state() != net::TransportState::kConnected) {
        const Status status = inner_.connect(host, port);
        if (status != Status::kOk) {
            return status;
        }
    }
    switch (phase_) {
        case Phase::kEstablished:
            if (!renew_) {
                LWM2M_LOG_DEBUG("connection continues from local port %u%s", local_port(),
                                cid_in_use_ ? " with its Connection ID" : "");
                return Status::kOk;
            }
            end_connection(false);
            return start_handshake();
        case Phase::kIdle:
            return start_handshake();
        case Phase::kHandshaking:
            return continue_handshake();
    }
    return Status::kInvalidState;
}

Status DtlsTransport::start_handshake() {
    int error = mbedtls_ssl_session_reset(&ssl_);
    if (error == 0) {
        // An explicit nullptr turns name checking off for an address URI,
        // where the certificate is matched by Certificate Usage alone.
        error = mbedtls_ssl_set_hostname(&ssl_, server_name_[0] != '\0' ? server_name_ : nullptr);
    }
    if (error == 0 && session_saved_) {
        error = mbedtls_ssl_set_session(&ssl_, &session_);
    }
    if (error == 0 && options_.connection_id) {
        error = mbedtls_ssl_set_cid(&ssl_, MBEDTLS_SSL_CID_ENABLED, nullptr, 0);
    }
    if (error != 0) {
        log_mbedtls_error("handshake setup failed", error);
        return Status::kSecurityError;
    }
    renew_ = false;
    ca_constraint_seen_ = false;
    handshake_datagrams_ = 0;
    phase_ = Phase::kHandshaking;
    LWM2M_LOG_DEBUG("handshake started (%s)", session_saved_ ? "resuming" : "full");
    return continue_handshake();
}

Status DtlsTransport::continue_handshake() {
    const int result = mbedtls_ssl_handshake(&ssl_);
    if (result == MBEDTLS_ERR_SSL_WANT_READ || result == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return Status::kInProgress;
    }
    if (result != 0) {
        ++statistics_.failed_handshakes;
        if (result != MBEDTLS_ERR_SSL_TIMEOUT) {
            log_mbedtls_error("DTLS handshake failed", result);
        } else if (handshake_datagrams_ == 0) {
            LWM2M_LOG_WARNING("DTLS handshake failed: timed out with no response from the server");
        } else {
            // A DTLS server drops a Finished it cannot verify without an
            // alert, so wrong credentials look like this.
            LWM2M_LOG_WARNING(
                "DTLS handshake failed: timed out after %u datagrams from the server, which "
                "may reject the pre-shared key or the client certificate",
                static_cast<unsigned>(handshake_datagrams_));
        }
        // A session the server rejected must not be offered again; one
        // that met only silence stays. The socket is closed too, because
        // the client does not read it until the next attempt and late
        // datagrams would keep it readable.
        end_connection(result != MBEDTLS_ERR_SSL_TIMEOUT || handshake_datagrams_ != 0);
        (void)inner_.close();
        return result == MBEDTLS_ERR_SSL_TIMEOUT && handshake_datagrams_ == 0
                   ? Status::kTimeout
                   : Status::kSecurityError;
    }

    // An abbreviated handshake ends with the session ID the client offered.
    bool resumed = false;
    mbedtls_ssl_session current;
    mbedtls_ssl_session_init(&current);
    if (mbedtls_ssl_get_session(&ssl_, &current) == 0) {
        resumed =
            session_saved_ && mbedtls_ssl_session_get_id_len(&session_) != 0 &&
            mbedtls_ssl_session_get_id_len(&current) == mbedtls_ssl_session_get_id_len(&session_) &&
            std::memcmp(mbedtls_ssl_session_get_id(&current), mbedtls_ssl_session_get_id(&session_),
                        mbedtls_ssl_session_get_id_len(&current)) == 0;
        mbedtls_ssl_session_free(&session_);
        session_ = current;  // takes over what `current` owns
        session_saved_ = true;
    } else {
        mbedtls_ssl_session_free(&current);
        mbedtls_ssl_session_free(&session_);
        mbedtls_ssl_session_init(&session_);
        session_saved_ = false;
    }
    if (resumed) {
        ++statistics_.resumed_handshakes;
    } else {
        ++statistics_.full_handshakes;
    }

    int cid_enabled = MBEDTLS_SSL_CID_DISABLED;
    unsigned char peer_cid[MBEDTLS_SSL_CID_OUT_LEN_MAX];
    size_t peer_cid_length = 0;
    cid_in_use_ = options_.connection_id &&
                  mbedtls_ssl_get_peer_cid(&ssl_, &cid_enabled, peer_cid, &peer_cid_length) == 0 &&
                  cid_enabled == MBEDTLS_SSL_CID_ENABLED;
    phase_ = Phase::kEstablished;
    LWM2M_LOG_INFO("DTLS %s handshake done from local port %u: %s, %s",
                   resumed ? "abbreviated" : "full", local_port(),
                   mbedtls_ssl_get_ciphersuite(&ssl_),
                   cid_in_use_ ? "with a Connection ID" : "no Connection ID");
    return Status::kOk;
}

void DtlsTransport::end_connection(bool forget) {
    if (forget) {
        mbedtls_ssl_session_free(&session_);
        mbedtls_ssl_session_init(&session_);
        session_saved_ = false;
    }
    phase_ = Phase::kIdle;
    cid_in_use_ = false;
}

Status DtlsTransport::send(std::span<const std::byte> datagram) {
    if (passthrough()) {
        return inner_.send(datagram);
    }
    if (phase_ != Phase::kEstablished || inner_.state() != net::TransportState::kConnected) {
        return Status::kInvalidState;
    }
    const int result = mbedtls_ssl_write(
        &ssl_, reinterpret_cast<const unsigned char*>(datagram.data()), datagram.size());
    if (result >= 0) {
        return static_cast<size_t>(result) == datagram.size() ? Status::kOk
                                                              : Status::kMessageTooLarge;
    }
    if (result == MBEDTLS_ERR_SSL_WANT_WRITE || result == MBEDTLS_ERR_SSL_WANT_READ) {
        return Status::kWouldBlock;
    }
    if (result == MBEDTLS_ERR_SSL_BAD_INPUT_DATA) {
        return Status::kMessageTooLarge;
    }
    log_mbedtls_error("send failed", result);
    return Status::kNetworkError;
}

Result<size_t> DtlsTransport::receive(std::span<std::byte> buffer) {
    if (passthrough()) {
        return inner_.receive(buffer);
    }
    if (phase_ != Phase::kEstablished || inner_.state() != net::TransportState::kConnected) {
        return Status::kInvalidState;
    }
    const int result =
        mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(buffer.data()), buffer.size());
    if (result > 0) {
        if (mbedtls_ssl_get_bytes_avail(&ssl_) == 0) {
            return static_cast<size_t>(result);
        }
        // A record longer than the buffer is dropped whole. Each read takes
        // what is left of the record, up to sizeof(rest), and never more.
        unsigned char rest[256];
        while (mbedtls_ssl_get_bytes_avail(&ssl_) != 0) {
            if (mbedtls_ssl_read(&ssl_, rest, sizeof(rest)) <= 0) {
                break;
            }
        }
        return Status::kMessageTooLarge;
    }
    if (result == 0 || result == MBEDTLS_ERR_SSL_WANT_READ ||
        result == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return Status::kWouldBlock;
    }
    if (result == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        LWM2M_LOG_INFO("the server closed the DTLS connection");
        end_connection(false);
        (void)inner_.close();
        return Status::kNetworkError;
    }
    // A fatal alert: the session is unusable too.
    log_mbedtls_error("DTLS connection failed", result);
    end_connection(true);
    (void)inner_.close();
    return Status::kNetworkError;
}

Status DtlsTransport::shutdown() {
    return inner_.shutdown();
}

Status DtlsTransport::close() {
    if (phase_ == Phase::kHandshaking) {
        // The next connect() starts a new handshake rather than continuing
        // one whose retransmission timer may have run out meanwhile.
        end_connection(false);
    }
    if (!passthrough() && phase_ == Phase::kEstablished &&
        inner_.state() == net::TransportState::kConnected && !cid_in_use_ &&
        options_.resume_after_close) {
        // Ends the connection on the server too; the session stays
        // resumable. Best effort: the datagram may be lost.
        (void)mbedtls_ssl_close_notify(&ssl_);
        end_connection(false);
    }
    return inner_.close();
}

Status DtlsTransport::cleanup() {
    end_connection(true);
    return inner_.cleanup();
}

net::TransportState DtlsTransport::state() const {
    const net::TransportState inner_state = inner_.state();
    if (passthrough() || inner_state == net::TransportState::kClosed) {
        return inner_state;
    }
    return phase_ == Phase::kEstablished ? inner_state : net::TransportState::kBound;
}

size_t DtlsTransport::inner_mtu() const {
    const size_t mtu = inner_.inner_mtu();
    if (passthrough()) {
        return mtu;
    }
    return mtu > kRecordExpansion ? mtu - kRecordExpansion : 0;
}

void DtlsTransport::renew_session() {
    if (!passthrough()) {
        renew_ = true;
    }
}

int DtlsTransport::send_callback(void* context, const unsigned char* data, size_t length) {
    auto& self = *static_cast<DtlsTransport*>(context);
    const Status status =
        self.inner_.send(std::span(reinterpret_cast<const std::byte*>(data), length));
    if (status == Status::kOk) {
        return static_cast<int>(length);
    }
    if (status == Status::kWouldBlock || status == Status::kInProgress) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

int DtlsTransport::receive_callback(void* context, unsigned char* data, size_t length) {
    auto& self = *static_cast<DtlsTransport*>(context);
    const Result<size_t> received =
        self.inner_.receive(std::span(reinterpret_cast<std::byte*>(data), length));
    if (received.ok()) {
        if (received.value() == 0) {
            // An empty datagram carries no record; mbedTLS would read 0 as
            // the end of the connection.
            return MBEDTLS_ERR_SSL_WANT_READ;
        }
        if (self.phase_ == Phase::kHandshaking) {
            ++self.handshake_datagrams_;
        }
        return static_cast<int>(received.value());
    }
    // A datagram too long for mbedTLS's buffer is no record it can use.
    if (received.status() == Status::kWouldBlock || received.status() == Status::kMessageTooLarge) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

void DtlsTransport::set_timer_callback(void* context, uint32_t intermediate_ms, uint32_t final_ms) {
    auto& self = *static_cast<DtlsTransport*>(context);
    self.timer_start_ms_ = self.clock_.monotonic_ms();
    self.timer_intermediate_ms_ = intermediate_ms;
    self.timer_final_ms_ = final_ms;
}

int DtlsTransport::get_timer_callback(void* context) {
    auto& self = *static_cast<DtlsTransport*>(context);
    if (self.timer_final_ms_ == 0) {
        return -1;  // cancelled
    }
    const uint64_t elapsed = self.clock_.monotonic_ms() - self.timer_start_ms_;
    if (elapsed >= self.timer_final_ms_) {
        return 2;
    }
    return elapsed >= self.timer_intermediate_ms_ ? 1 : 0;
}

// mbedTLS calls it for each certificate of the verified chain, from the
// trust anchor down to the server's own (depth 0), with the problems found.
int DtlsTransport::verify_callback(void* context, mbedtls_x509_crt* certificate, int depth,
                                   uint32_t* flags) {
    auto& self = *static_cast<DtlsTransport*>(context);
    const bool expected = same_certificate(*certificate, self.server_certificate_);
    switch (self.certificate_usage_) {
        case net::CertificateUsage::kCaConstraint:
            self.ca_constraint_seen_ |= expected;
            if (depth == 0 && !self.ca_constraint_seen_) {
                *flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
            }
            break;
        case net::CertificateUsage::kServiceCertificateConstraint:
            if (depth == 0 && !expected) {
                *flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
            }
            break;
        case net::CertificateUsage::kTrustAnchorAssertion:
            break;
        case net::CertificateUsage::kDomainIssuedCertificate:
            // Only the certificate in Server Public Key, with any issuer.
            if (depth == 0) {
                *flags = expected ? 0 : (*flags | MBEDTLS_X509_BADCERT_NOT_TRUSTED);
            } else {
                *flags = 0;
            }
            break;
    }
    return 0;
}

}  // namespace lwm2m::mbedtls
