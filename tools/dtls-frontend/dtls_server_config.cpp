#include "dtls_server_config.hpp"

#include <mbedtls/error.h>
#include <psa/crypto.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace lwm2m::dtls_frontend {

namespace {

int hex_value(char digit) {
    if (digit >= '0' && digit <= '9') {
        return digit - '0';
    }
    if (digit >= 'a' && digit <= 'f') {
        return digit - 'a' + 10;
    }
    if (digit >= 'A' && digit <= 'F') {
        return digit - 'A' + 10;
    }
    return -1;
}

void check(int status, const char* call) {
    if (status != 0) {
        throw std::runtime_error(std::string(call) + " failed: " + describe_mbedtls_error(status));
    }
}

}  // namespace

PskCredential parse_psk(const std::string& text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
        throw std::invalid_argument("expected IDENTITY:HEXKEY, got '" + text + "'");
    }

    PskCredential credential;
    credential.identity = text.substr(0, colon);
    const std::string hex = text.substr(colon + 1);
    if (hex.size() % 2 != 0) {
        throw std::invalid_argument("PSK of '" + credential.identity +
                                    "' has an odd number of hex digits");
    }
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int high = hex_value(hex[i]);
        const int low = hex_value(hex[i + 1]);
        if (high < 0 || low < 0) {
            throw std::invalid_argument("PSK of '" + credential.identity + "' is not hex");
        }
        credential.key.push_back(static_cast<std::uint8_t>(high * 16 + low));
    }
    if (credential.key.size() > MBEDTLS_PSK_MAX_LEN) {
        throw std::invalid_argument("PSK of '" + credential.identity + "' is longer than " +
                                    std::to_string(MBEDTLS_PSK_MAX_LEN) + " bytes");
    }
    return credential;
}

int psa_random(void* /*context*/, unsigned char* output, std::size_t length) {
    return psa_generate_random(output, length) == PSA_SUCCESS ? 0 : MBEDTLS_ERR_SSL_NO_RNG;
}

std::string describe_mbedtls_error(int code) {
    std::array<char, 160> message{};
    mbedtls_strerror(code, message.data(), message.size());
    std::array<char, 16> number{};
    std::snprintf(number.data(), number.size(), "-0x%04x", static_cast<unsigned>(-code));
    return std::string(message.data()) + " (" + number.data() + ")";
}

DtlsServerConfig::DtlsServerConfig(const DtlsSettings& settings) : settings_(settings) {
    mbedtls_ssl_config_init(&config_);
    mbedtls_ssl_cookie_init(&cookies_);
    mbedtls_ssl_cache_init(&cache_);
    mbedtls_x509_crt_init(&own_certificate_);
    mbedtls_x509_crt_init(&ca_chain_);
    mbedtls_pk_init(&private_key_);

    // The destructor does not run when the constructor throws, so release() runs there too.
    try {
        if (settings_.psks.empty() && settings_.certificate_path.empty()) {
            throw std::invalid_argument("no credential: give --psk or --certificate");
        }
        check(
            mbedtls_ssl_config_defaults(&config_, MBEDTLS_SSL_IS_SERVER,
                                        MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT),
            "mbedtls_ssl_config_defaults");
        mbedtls_ssl_conf_rng(&config_, psa_random, nullptr);

        check(mbedtls_ssl_cookie_setup(&cookies_, psa_random, nullptr), "mbedtls_ssl_cookie_setup");
        mbedtls_ssl_conf_dtls_cookies(&config_, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check,
                                      &cookies_);

        // Without a cache the server still sends a session ID in its ServerHello, but a
        // ClientHello that offers it gets a full handshake.
        if (settings_.resumption) {
            mbedtls_ssl_cache_set_max_entries(&cache_, settings_.cache_entries);
            mbedtls_ssl_cache_set_timeout(&cache_, settings_.cache_timeout_s);
            mbedtls_ssl_conf_session_cache(&config_, this, get_cached_session, store_session);
        }

        for (const PskCredential& psk : settings_.psks) {
            psk_keys_[psk.identity] = psk.key;
        }
        if (!psk_keys_.empty()) {
            mbedtls_ssl_conf_psk_cb(&config_, find_psk, this);
        }
        if (!settings_.certificate_path.empty()) {
            load_certificates();
        }

        if (settings_.connection_id) {
            check(mbedtls_ssl_conf_cid(&config_, settings_.cid_length,
                                       MBEDTLS_SSL_UNEXPECTED_CID_IGNORE),
                  "mbedtls_ssl_conf_cid");
        }
        mbedtls_ssl_conf_handshake_timeout(&config_, settings_.handshake_timeout_min_ms,
                                           settings_.handshake_timeout_max_ms);
    } catch (...) {
        release();
        throw;
    }
}

DtlsServerConfig::~DtlsServerConfig() {
    release();
}

void DtlsServerConfig::release() {
    mbedtls_pk_free(&private_key_);
    mbedtls_x509_crt_free(&ca_chain_);
    mbedtls_x509_crt_free(&own_certificate_);
    mbedtls_ssl_cache_free(&cache_);
    mbedtls_ssl_cookie_free(&cookies_);
    mbedtls_ssl_config_free(&config_);
}

void DtlsServerConfig::load_certificates() {
    if (settings_.private_key_path.empty()) {
        throw std::invalid_argument("--certificate needs --private-key");
    }
    const int parse_status =
        mbedtls_x509_crt_parse_file(&own_certificate_, settings_.certificate_path.c_str());
    if (parse_status != 0) {
        throw std::runtime_error("failed to load certificate '" + settings_.certificate_path +
                                 "': " + describe_mbedtls_error(parse_status));
    }
    const int key_status = mbedtls_pk_parse_keyfile(
        &private_key_, settings_.private_key_path.c_str(), nullptr, psa_random, nullptr);
    if (key_status != 0) {
        throw std::runtime_error("failed to load private key '" + settings_.private_key_path +
                                 "': " + describe_mbedtls_error(key_status));
    }
    check(mbedtls_ssl_conf_own_cert(&config_, &own_certificate_, &private_key_),
          "mbedtls_ssl_conf_own_cert");

    if (settings_.ca_path.empty()) {
        mbedtls_ssl_conf_authmode(&config_, MBEDTLS_SSL_VERIFY_NONE);
        return;
    }
    const int ca_status = mbedtls_x509_crt_parse_file(&ca_chain_, settings_.ca_path.c_str());
    if (ca_status != 0) {
        throw std::runtime_error("failed to load CA certificates '" + settings_.ca_path +
                                 "': " + describe_mbedtls_error(ca_status));
    }
    mbedtls_ssl_conf_ca_chain(&config_, &ca_chain_, nullptr);
    mbedtls_ssl_conf_authmode(&config_, MBEDTLS_SSL_VERIFY_REQUIRED);
}

void DtlsServerConfig::remember_identity(const std::string& session_id,
                                         const std::string& identity) {
    if (identities_.emplace(session_id, identity).second) {
        identity_order_.push_back(session_id);
    }
    while (identity_order_.size() > static_cast<std::size_t>(settings_.cache_entries)) {
        identities_.erase(identity_order_.front());
        identity_order_.pop_front();
    }
}

int DtlsServerConfig::find_psk(void* self, mbedtls_ssl_context* ssl, const unsigned char* identity,
                               std::size_t identity_length) {
    auto* config = static_cast<DtlsServerConfig*>(self);
    const std::string name(reinterpret_cast<const char*>(identity), identity_length);

    // The identity is recorded even when unknown, so a failure event can name it.
    auto* record = static_cast<HandshakeRecord*>(mbedtls_ssl_get_user_data_p(ssl));
    if (record != nullptr) {
        record->identity = name;
    }

    const auto found = config->psk_keys_.find(name);
    if (found == config->psk_keys_.end()) {
        return -1;
    }
    return mbedtls_ssl_set_hs_psk(ssl, found->second.data(), found->second.size());
}

int DtlsServerConfig::get_cached_session(void* self, const unsigned char* session_id,
                                         std::size_t session_id_length,
                                         mbedtls_ssl_session* session) {
    auto* config = static_cast<DtlsServerConfig*>(self);
    const int status =
        mbedtls_ssl_cache_get(&config->cache_, session_id, session_id_length, session);
    if (status != 0 || config->active_handshake_ == nullptr) {
        return status;
    }

    config->active_handshake_->session_restored = true;
    const std::string key(reinterpret_cast<const char*>(session_id), session_id_length);
    const auto found = config->identities_.find(key);
    if (found != config->identities_.end()) {
        config->active_handshake_->identity = found->second;
    }
    return status;
}

int DtlsServerConfig::store_session(void* self, const unsigned char* session_id,
                                    std::size_t session_id_length,
                                    const mbedtls_ssl_session* session) {
    auto* config = static_cast<DtlsServerConfig*>(self);
    const int status =
        mbedtls_ssl_cache_set(&config->cache_, session_id, session_id_length, session);
    if (config->active_handshake_ == nullptr) {
        return status;
    }

    config->active_handshake_->session_stored = true;
    if (status == 0) {
        const std::string key(reinterpret_cast<const char*>(session_id), session_id_length);
        config->remember_identity(key, config->active_handshake_->identity);
    }
    return status;
}

DtlsServerConfig::HandshakeScope::HandshakeScope(DtlsServerConfig& config, HandshakeRecord& record)
    : config_(config) {
    config_.active_handshake_ = &record;
}

DtlsServerConfig::HandshakeScope::~HandshakeScope() {
    config_.active_handshake_ = nullptr;
}

}  // namespace lwm2m::dtls_frontend
