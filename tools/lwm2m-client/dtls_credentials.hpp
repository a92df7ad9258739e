// Reads the demo client's DTLS credentials from files and the command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace demo {

/// Decodes hexadecimal text ("00ff...") into bytes; false if it is not an
/// even number of hex digits.
bool parse_hex(const std::string& text, std::vector<uint8_t>& out);

/// Reads one X.509 certificate (PEM or DER) and returns it as DER. On an
/// error, returns false and sets `error`.
bool read_certificate_der(const std::string& path, std::vector<uint8_t>& der, std::string& error);

/// Reads a private key (PEM or DER, unencrypted) and returns it as DER.
bool read_private_key_der(const std::string& path, std::vector<uint8_t>& der, std::string& error);

/// Reads a file of CA certificates (PEM or DER) as it is, with a NUL
/// appended, which mbedTLS needs to recognise PEM.
bool read_trust_store(const std::string& path, std::vector<uint8_t>& bytes, std::string& error);

}  // namespace demo
