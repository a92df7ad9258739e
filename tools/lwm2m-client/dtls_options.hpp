// The demo client's DTLS options: the command line, the credentials it
// names, and the settings of the DTLS transport.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "lwm2m/client_config.hpp"
#include "lwm2m/mbedtls/dtls_transport.hpp"

namespace demo {

/// The DTLS options of the command line. The credentials apply to every
/// coaps:// factory account (--server and --bootstrap).
struct DtlsCommandLine {
    std::string psk_identity;
    std::string psk_key;
    std::string certificate;
    std::string private_key;
    std::string server_certificate;
    std::string trust_store;
    // Unsigned int rather than uint8_t, which CLI11 shows as a character.
    unsigned certificate_usage = 3;
    std::string sni;
    bool no_connection_id = false;
    bool continue_after_sleep = false;
    uint32_t handshake_timeout_max_s = 60;
};

/// Credentials read from the command line and files. They must outlive the
/// client, which keeps views of them until configure() copies them.
struct DtlsCredentials {
    std::vector<uint8_t> identity;
    std::vector<uint8_t> secret_key;
    std::vector<uint8_t> server_certificate;
    std::vector<uint8_t> trust_store;
};

/// Adds the DTLS options to `app`, in their own group of the help text.
void add_dtls_options(CLI::App& app, DtlsCommandLine& options);

/// Fills `security` from the options, reading the files they name into
/// `credentials`. Returns an error message, or "" on success (also when no
/// credentials are given: the accounts stay NoSec).
std::string load_security(const DtlsCommandLine& options, DtlsCredentials& credentials,
                          lwm2m::AccountSecurity& security);

/// Returns the settings of the DTLS transport that the options ask for.
lwm2m::mbedtls::DtlsOptions transport_options(const DtlsCommandLine& options,
                                              const DtlsCredentials& credentials);

}  // namespace demo
