#include "dtls_security.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <random>
#include <stdexcept>

namespace lwm2m::server {
namespace {

constexpr unsigned kCertificateChainDepth = 3;
constexpr std::size_t kDefaultKeyLength = 32;

// Session ID context of the server's SSL objects. OpenSSL resumes a session only into an SSL
// object with the same context, and with client certificates it rejects a resumption
// attempt as a fatal error when the context is empty (SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED).
constexpr std::string_view kSessionIdContext = "lwm2m-server";

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

SSL* ssl_of(const coap_session_t* session) {
    coap_tls_library_t library = COAP_TLS_LIBRARY_NOTLS;
    void* tls = coap_session_get_tls(session, &library);
    return library == COAP_TLS_LIBRARY_OPENSSL ? static_cast<SSL*>(tls) : nullptr;
}

// Common Name of the subject of `certificate`, or empty when it has none.
std::string common_name(const X509* certificate) {
    const X509_NAME* subject = X509_get_subject_name(certificate);
    const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index < 0) {
        return {};
    }
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(value));
    return {data, static_cast<std::size_t>(ASN1_STRING_length(value))};
}

bool uses_psk(const SSL* ssl) {
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    return cipher != nullptr && SSL_CIPHER_get_auth_nid(cipher) == NID_auth_psk;
}

}  // namespace

std::pair<std::string, std::vector<std::uint8_t>> parse_psk(std::string_view text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        throw std::invalid_argument("expected IDENTITY:HEXKEY");
    }
    const std::string_view identity = text.substr(0, colon);
    const std::string_view hex = text.substr(colon + 1);
    if (identity.size() > COAP_DTLS_MAX_PSK_IDENTITY) {
        throw std::invalid_argument("the identity is longer than " +
                                    std::to_string(COAP_DTLS_MAX_PSK_IDENTITY) + " bytes");
    }
    if (hex.empty() || hex.size() % 2 != 0 || hex.size() / 2 > COAP_DTLS_MAX_PSK) {
        throw std::invalid_argument("the key must be 2 to " +
                                    std::to_string(2 * COAP_DTLS_MAX_PSK) +
                                    " hex digits, an even number");
    }

    std::vector<std::uint8_t> key;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int high = hex_digit(hex[i]);
        const int low = hex_digit(hex[i + 1]);
        if (high < 0 || low < 0) {
            throw std::invalid_argument("invalid hex digit in the key");
        }
        key.push_back(static_cast<std::uint8_t>(high << 4 | low));
    }
    return {std::string(identity), key};
}

DtlsSecurity::DtlsSecurity(coap_context_t* context, DtlsSettings settings)
    : settings_(std::move(settings)) {
    if (coap_dtls_is_supported() == 0) {
        throw std::runtime_error(
            "this libcoap has no DTLS support; build lwm2m-server with libcoap-3-openssl");
    }
    if (settings_.has_psk()) {
        install_psk(context);
    }
    if (settings_.has_certificate()) {
        install_certificate(context);
    }
}

void DtlsSecurity::install_psk(coap_context_t* context) {
    for (const auto& [identity, key] : settings_.psk_keys) {
        key_views_[identity] = coap_bin_const_t{key.size(), key.data()};
    }

    // With certificates configured too, libcoap 4.3.1 takes the PSK path for a client that
    // offers PSK and certificate cipher suites only if a default key is set. The key is
    // random, and find_psk() decides for every identity, so it is never used.
    std::random_device random;
    default_key_.resize(kDefaultKeyLength);
    for (std::uint8_t& byte : default_key_) {
        byte = static_cast<std::uint8_t>(random());
    }

    coap_dtls_spsk_t setup = {};
    setup.version = COAP_DTLS_SPSK_SETUP_VERSION;
    setup.validate_id_call_back = find_psk;
    setup.id_call_back_arg = this;
    setup.psk_info.key = {default_key_.size(), default_key_.data()};
    if (coap_context_set_psk2(context, &setup) == 0) {
        throw std::runtime_error("libcoap rejected the PSK setup (see its message above)");
    }
}

void DtlsSecurity::install_certificate(coap_context_t* context) {
    const bool verify_client = !settings_.ca_path.empty();

    coap_dtls_pki_t setup = {};
    setup.version = COAP_DTLS_PKI_SETUP_VERSION;
    setup.verify_peer_cert = verify_client ? 1 : 0;
    // libcoap 4.3.1 loads a PEM CA file only with check_common_ca set, so the client's CA
    // must be the one that issued the server certificate too.
    setup.check_common_ca = verify_client ? 1 : 0;
    setup.cert_chain_validation = 1;
    setup.cert_chain_verify_depth = kCertificateChainDepth;
    setup.additional_tls_setup_call_back = prepare_handshake;
    setup.pki_key.key_type = COAP_PKI_KEY_PEM;
    setup.pki_key.key.pem.public_cert = settings_.certificate_path.c_str();
    setup.pki_key.key.pem.private_key = settings_.private_key_path.c_str();
    setup.pki_key.key.pem.ca_file = verify_client ? settings_.ca_path.c_str() : nullptr;
    if (coap_context_set_pki(context, &setup) == 0) {
        throw std::runtime_error("libcoap rejected the certificate setup (see its message above)");
    }
}

const coap_bin_const_t* DtlsSecurity::find_psk(coap_bin_const_t* identity,
                                               coap_session_t* /*session*/, void* self) {
    const auto& security = *static_cast<const DtlsSecurity*>(self);
    const std::string_view name(reinterpret_cast<const char*>(identity->s), identity->length);
    const auto it = security.key_views_.find(name);
    return it != security.key_views_.end() ? &it->second : nullptr;
}

// libcoap 4.3.1 calls this from its ClientHello callback for PSK and certificate handshakes
// alike, but only when certificates are configured. OpenSSL looks up the session to resume
// after that callback, so the session ID context set here takes effect for this handshake.
int DtlsSecurity::prepare_handshake(void* tls_session, coap_dtls_pki_t* /*setup*/) {
    auto* ssl = static_cast<SSL*>(tls_session);
    if (ssl == nullptr) {
        return 1;
    }

    // Reading the CA file to its end just before this call leaves a "no start line" PEM
    // error on the queue. libcoap 4.3.1 drains the queue only when logging DTLS at warn or
    // above. Otherwise SSL_get_error() reports that stale error after the first SSL_accept()
    // step, and libcoap drops the session of an abbreviated handshake without an event.
    ERR_clear_error();
    const auto* id = reinterpret_cast<const unsigned char*>(kSessionIdContext.data());
    return SSL_set_session_id_context(ssl, id, kSessionIdContext.size());
}

void DtlsSecurity::describe_handshake(const coap_session_t* session, Json& event) const {
    const SSL* ssl = ssl_of(session);
    if (ssl == nullptr) {
        event["mode"] = nullptr;
        event["identity"] = nullptr;
        event["resumed"] = nullptr;
        return;
    }

    if (uses_psk(ssl)) {
        event["mode"] = "psk";
        // The SSL session keeps the identity, so it is also known after an abbreviated
        // handshake, in which the PSK callback does not run.
        const char* identity = SSL_get_psk_identity(ssl);
        event["identity"] = identity != nullptr ? Json(identity) : Json(nullptr);
    } else {
        event["mode"] = "certificate";
        const X509* certificate = SSL_get0_peer_certificate(ssl);
        event["identity"] = certificate != nullptr ? Json(common_name(certificate)) : Json(nullptr);
    }
    event["resumed"] = SSL_session_reused(ssl) == 1;
    event["cipher"] = SSL_get_cipher_name(ssl);
}

void DtlsSecurity::describe_failure(const coap_session_t* session, Json& event,
                                    const char* given_reason) const {
    // libcoap 4.3.1 also stores an empty identity for a certificate handshake.
    const coap_bin_const_t* identity = coap_session_get_psk_identity(session);
    std::string reason = given_reason != nullptr ? given_reason : "";
    if (identity != nullptr && identity->length > 0) {
        const std::string name(reinterpret_cast<const char*>(identity->s), identity->length);
        event["identity"] = name;
        if (reason.empty() && !key_views_.contains(name)) {
            reason = "unknown PSK identity";
        }
    } else {
        event["identity"] = nullptr;
    }

    const SSL* ssl = ssl_of(session);
    const long verify_result = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (reason.empty() && verify_result != X509_V_OK) {
        reason = std::string("client certificate rejected: ") +
                 X509_verify_cert_error_string(verify_result);
    }

    // The latest error is the one that ended the handshake. Older ones can be stale, such
    // as the PEM error that libcoap leaves after reading the CA file.
    const unsigned long error = given_reason == nullptr ? ERR_peek_last_error() : 0;
    ERR_clear_error();
    if (reason.empty() && error != 0) {
        const char* text = ERR_reason_error_string(error);
        reason = text != nullptr ? text : "OpenSSL error " + std::to_string(error);
    }
    event["reason"] = reason.empty() ? Json(nullptr) : Json(reason);
}

}  // namespace lwm2m::server
