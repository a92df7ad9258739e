#pragma once

#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/x509_crt.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace lwm2m::dtls_frontend {

/// Pre-shared key with its identity, as given by --psk IDENTITY:HEXKEY.
struct PskCredential {
    std::string identity;
    std::vector<std::uint8_t> key;
};

/// Parses "IDENTITY:HEXKEY" at the last colon.
/// Throws std::invalid_argument on a missing colon, an empty part, invalid hex or a key
/// longer than MBEDTLS_PSK_MAX_LEN.
PskCredential parse_psk(const std::string& text);

struct DtlsSettings {
    std::vector<PskCredential> psks;
    std::string certificate_path;  // PEM, with private_key_path
    std::string private_key_path;
    std::string ca_path;  // PEM; when set, clients must present a certificate it signed
    bool connection_id = true;
    std::size_t cid_length = 6;                      // bytes, 4 to 8
    std::uint32_t handshake_timeout_min_ms = 1000;   // first retransmission
    std::uint32_t handshake_timeout_max_ms = 60000;  // give up after this retransmission
    bool resumption = true;                          // false: no session cache, no resumption
    int cache_entries = 128;                         // sessions kept for resumption
    int cache_timeout_s = 86400;                     // lifetime of a cached session
};

/// Results of the PSK and session cache callbacks for one server handshake. The cache
/// callbacks fill it while a HandshakeScope for it is active, and the PSK callback finds it
/// through the context's user data.
struct HandshakeRecord {
    std::string identity;           // PSK identity, or the identity cached with the session
    bool session_restored = false;  // the cache returned a session for the ClientHello's ID
    bool session_stored = false;    // the handshake stored a new session in the cache
};

/// Server configuration shared by all sessions: credentials, HelloVerifyRequest cookies,
/// the session cache for resumption, Connection ID length and retransmission timeouts.
/// Needs psa_crypto_init() first, because its RNG is psa_generate_random().
class DtlsServerConfig {
  public:
    /// Throws std::runtime_error if a credential file cannot be loaded or mbedTLS rejects a
    /// setting, and std::invalid_argument when no credential is given.
    explicit DtlsServerConfig(const DtlsSettings& settings);
    ~DtlsServerConfig();

    DtlsServerConfig(const DtlsServerConfig&) = delete;
    DtlsServerConfig& operator=(const DtlsServerConfig&) = delete;

    const mbedtls_ssl_config* get() const { return &config_; }
    const DtlsSettings& settings() const { return settings_; }

    /// Marks `record` as the handshake that the session cache callbacks report to, for the
    /// lifetime of the scope. mbedTLS passes those callbacks no SSL context, and the front
    /// end drives one handshake step at a time, so one active record is enough.
    class HandshakeScope {
      public:
        HandshakeScope(DtlsServerConfig& config, HandshakeRecord& record);
        ~HandshakeScope();
        HandshakeScope(const HandshakeScope&) = delete;
        HandshakeScope& operator=(const HandshakeScope&) = delete;

      private:
        DtlsServerConfig& config_;
    };

  private:
    void load_certificates();
    // Frees the mbedTLS objects. Each free function leaves its object zeroed, so a second
    // call is harmless.
    void release();
    void remember_identity(const std::string& session_id, const std::string& identity);

    static int find_psk(void* self, mbedtls_ssl_context* ssl, const unsigned char* identity,
                        std::size_t identity_length);
    static int get_cached_session(void* self, const unsigned char* session_id,
                                  std::size_t session_id_length, mbedtls_ssl_session* session);
    static int store_session(void* self, const unsigned char* session_id,
                             std::size_t session_id_length, const mbedtls_ssl_session* session);

    DtlsSettings settings_;
    std::map<std::string, std::vector<std::uint8_t>> psk_keys_;
    mbedtls_ssl_config config_;
    mbedtls_ssl_cookie_ctx cookies_;
    mbedtls_ssl_cache_context cache_;
    mbedtls_x509_crt own_certificate_;
    mbedtls_x509_crt ca_chain_;
    mbedtls_pk_context private_key_;

    HandshakeRecord* active_handshake_ = nullptr;
    // PSK identity per cached session ID, because mbedTLS does not store it in the session
    // and the PSK callback does not run on resumption. Bounded like the cache itself.
    std::map<std::string, std::string> identities_;
    std::deque<std::string> identity_order_;
};

/// Fills `output` with random bytes from PSA Crypto, in the form mbedtls_ssl_conf_rng()
/// expects.
int psa_random(void* context, unsigned char* output, std::size_t length);

/// Formats an mbedTLS error code as "<message> (-0x7180)".
std::string describe_mbedtls_error(int code);

}  // namespace lwm2m::dtls_frontend
