#include "dtls_options.hpp"

#include "dtls_credentials.hpp"

namespace demo {

void add_dtls_options(CLI::App& app, DtlsCommandLine& options) {
    const char* const kDtls = "DTLS (for coaps:// URIs of --server and --bootstrap)";
    app.add_option("--psk-identity", options.psk_identity, "Pre-shared key identity")->group(kDtls);
    app.add_option("--psk-key", options.psk_key, "Pre-shared key, hexadecimal")->group(kDtls);
    app.add_option("--certificate", options.certificate,
                   "Client certificate file (PEM or DER) for certificate mode")
        ->group(kDtls);
    app.add_option("--private-key", options.private_key,
                   "Private key file of --certificate (PEM or DER, unencrypted)")
        ->group(kDtls);
    app.add_option("--server-certificate", options.server_certificate,
                   "Server Public Key: the server's certificate, or a CA certificate, "
                   "checked as --certificate-usage specifies")
        ->group(kDtls);
    app.add_option("--trust-store", options.trust_store,
                   "CA certificates (PEM or DER) for certificate usages 0 and 1")
        ->group(kDtls);
    app.add_option("--certificate-usage", options.certificate_usage,
                   "0 CA constraint, 1 service certificate constraint, 2 trust anchor "
                   "assertion, 3 domain-issued certificate (RFC 6698)")
        ->capture_default_str()
        ->check(CLI::Range(0u, 3u))
        ->group(kDtls);
    app.add_option("--sni", options.sni,
                   "Server name for SNI and certificate matching (default: the URI's host "
                   "when it is a name)")
        ->group(kDtls);
    app.add_flag("--no-connection-id", options.no_connection_id,
                 "Do not ask for a DTLS Connection ID (RFC 9146)")
        ->group(kDtls);
    app.add_flag("--continue-after-sleep", options.continue_after_sleep,
                 "Without a Connection ID, continue the DTLS connection after a Queue Mode "
                 "sleep instead of resuming the session with an abbreviated handshake")
        ->group(kDtls);
    app.add_option("--handshake-timeout-max", options.handshake_timeout_max_s,
                   "Cap of the DTLS handshake retransmission timeout in seconds; the "
                   "handshake fails once the timeout reaches it")
        ->capture_default_str()
        ->check(CLI::Range(1u, 600u))
        ->group(kDtls);
}

std::string load_security(const DtlsCommandLine& options, DtlsCredentials& credentials,
                          lwm2m::AccountSecurity& security) {
    std::string error;
    const bool psk = !options.psk_identity.empty() || !options.psk_key.empty();
    const bool certificate = !options.certificate.empty() || !options.private_key.empty();
    if (psk && certificate) {
        return "give either --psk-identity/--psk-key or --certificate/--private-key";
    }
    if (psk) {
        if (options.psk_identity.empty() || options.psk_key.empty()) {
            return "--psk-identity and --psk-key go together";
        }
        credentials.identity.assign(options.psk_identity.begin(), options.psk_identity.end());
        if (!parse_hex(options.psk_key, credentials.secret_key) || credentials.secret_key.empty()) {
            return "--psk-key must be hexadecimal";
        }
        security.mode = lwm2m::net::SecurityMode::kPreSharedKey;
    } else if (certificate) {
        if (options.certificate.empty() || options.private_key.empty() ||
            options.server_certificate.empty()) {
            return "certificate mode needs --certificate, --private-key and "
                   "--server-certificate";
        }
        if (!read_certificate_der(options.certificate, credentials.identity, error) ||
            !read_private_key_der(options.private_key, credentials.secret_key, error) ||
            !read_certificate_der(options.server_certificate, credentials.server_certificate,
                                  error)) {
            return error;
        }
        if (!options.trust_store.empty() &&
            !read_trust_store(options.trust_store, credentials.trust_store, error)) {
            return error;
        }
        security.mode = lwm2m::net::SecurityMode::kCertificate;
        security.certificate_usage =
            static_cast<lwm2m::net::CertificateUsage>(options.certificate_usage);
    } else {
        return "";
    }
    security.identity = credentials.identity;
    security.secret_key = credentials.secret_key;
    security.server_public_key = credentials.server_certificate;
    security.sni = options.sni.empty() ? nullptr : options.sni.c_str();
    return "";
}

lwm2m::mbedtls::DtlsOptions transport_options(const DtlsCommandLine& options,
                                              const DtlsCredentials& credentials) {
    lwm2m::mbedtls::DtlsOptions result;
    result.connection_id = !options.no_connection_id;
    result.resume_after_close = !options.continue_after_sleep;
    result.handshake_timeout_max_ms = options.handshake_timeout_max_s * 1000;
    result.trust_store = credentials.trust_store;
    return result;
}

}  // namespace demo
