#pragma once

#include <coap3/coap.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "event_log.hpp"

namespace lwm2m::server {

/// Credentials of the DTLS endpoints, from --psk, --certificate, --private-key and --ca.
struct DtlsSettings {
    /// Pre-shared keys by PSK identity.
    std::map<std::string, std::vector<std::uint8_t>> psk_keys;
    /// PEM file of the server certificate, or empty for PSK only.
    std::string certificate_path;
    /// PEM file of the private key of the server certificate.
    std::string private_key_path;
    /// PEM file of the CA that client certificates must chain to. When set, a client that
    /// uses certificates must send one, and when empty the server requests none.
    std::string ca_path;

    bool has_psk() const { return !psk_keys.empty(); }
    bool has_certificate() const { return !certificate_path.empty(); }
};

/// Parses a --psk value, IDENTITY:HEXKEY. The identity is the text before the last ':'.
/// Throws std::invalid_argument naming the problem.
std::pair<std::string, std::vector<std::uint8_t>> parse_psk(std::string_view text);

/// The DTLS side of the libcoap context: installs the PSK and certificate credentials,
/// looks up the key of each PSK identity, and describes handshakes for events.
class DtlsSecurity {
  public:
    /// Installs `settings` in `context`, which must outlive this object. Throws
    /// std::runtime_error if libcoap has no DTLS or rejects the credentials.
    DtlsSecurity(coap_context_t* context, DtlsSettings settings);

    DtlsSecurity(const DtlsSecurity&) = delete;
    DtlsSecurity& operator=(const DtlsSecurity&) = delete;

    /// Adds the fields of a "dtls_handshake" event for `session`, whose handshake has just
    /// completed: `mode`, `identity`, `resumed`, `cipher`.
    void describe_handshake(const coap_session_t* session, Json& event) const;

    /// Adds the fields of a "dtls_failed" event for `session`: `identity` and `reason`.
    /// Without a `reason`, it is the client certificate's verification error, else the latest
    /// OpenSSL error of this thread, or null. Clears this thread's OpenSSL error queue.
    void describe_failure(const coap_session_t* session, Json& event,
                          const char* reason = nullptr) const;

  private:
    static const coap_bin_const_t* find_psk(coap_bin_const_t* identity, coap_session_t* session,
                                            void* self);
    static int prepare_handshake(void* tls_session, coap_dtls_pki_t* setup);

    void install_psk(coap_context_t* context);
    void install_certificate(coap_context_t* context);

    DtlsSettings settings_;
    /// Views of the keys in settings_.psk_keys, in the form the PSK callback returns.
    std::map<std::string, coap_bin_const_t, std::less<>> key_views_;
    /// Random default PSK, which only makes libcoap recognise PSK handshakes.
    std::vector<std::uint8_t> default_key_;
};

}  // namespace lwm2m::server
