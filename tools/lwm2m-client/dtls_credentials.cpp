#include "dtls_credentials.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <fstream>
#include <iterator>

namespace demo {
namespace {

std::string mbedtls_message(int code) {
    char text[128];
    mbedtls_strerror(code, text, sizeof(text));
    return text;
}

bool read_file(const std::string& path, std::vector<uint8_t>& bytes, std::string& error) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        error = "cannot open " + path;
        return false;
    }
    bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    return true;
}

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

}  // namespace

bool parse_hex(const std::string& text, std::vector<uint8_t>& out) {
    if (text.size() % 2 != 0) {
        return false;
    }
    out.clear();
    for (size_t i = 0; i < text.size(); i += 2) {
        const int high = hex_digit(text[i]);
        const int low = hex_digit(text[i + 1]);
        if (high < 0 || low < 0) {
            return false;
        }
        out.push_back(static_cast<uint8_t>(high << 4 | low));
    }
    return true;
}

bool read_certificate_der(const std::string& path, std::vector<uint8_t>& der, std::string& error) {
    std::vector<uint8_t> bytes;
    if (!read_file(path, bytes, error)) {
        return false;
    }
    bytes.push_back(0);  // PEM needs its NUL; DER parsing ignores the length past the end
    mbedtls_x509_crt certificate;
    mbedtls_x509_crt_init(&certificate);
    int result = mbedtls_x509_crt_parse(&certificate, bytes.data(), bytes.size());
    if (result != 0) {
        // A DER file must be parsed without the NUL appended above.
        result = mbedtls_x509_crt_parse_der(&certificate, bytes.data(), bytes.size() - 1);
    }
    if (result == 0) {
        der.assign(certificate.raw.p, certificate.raw.p + certificate.raw.len);
    } else {
        error = path + ": " + mbedtls_message(result);
    }
    mbedtls_x509_crt_free(&certificate);
    return result == 0;
}

bool read_private_key_der(const std::string& path, std::vector<uint8_t>& der, std::string& error) {
    std::vector<uint8_t> bytes;
    if (!read_file(path, bytes, error)) {
        return false;
    }
    bytes.push_back(0);
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context random;
    mbedtls_pk_context key;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&random);
    mbedtls_pk_init(&key);
    int result = mbedtls_ctr_drbg_seed(&random, mbedtls_entropy_func, &entropy, nullptr, 0);
    if (result == 0) {
        result = mbedtls_pk_parse_key(&key, bytes.data(), bytes.size(), nullptr, 0,
                                      mbedtls_ctr_drbg_random, &random);
        if (result != 0) {
            mbedtls_pk_free(&key);
            mbedtls_pk_init(&key);
            result = mbedtls_pk_parse_key(&key, bytes.data(), bytes.size() - 1, nullptr, 0,
                                          mbedtls_ctr_drbg_random, &random);
        }
    }
    if (result == 0) {
        // mbedtls_pk_write_key_der() writes at the end of the buffer.
        std::vector<uint8_t> buffer(4096);
        const int length = mbedtls_pk_write_key_der(&key, buffer.data(), buffer.size());
        if (length > 0) {
            der.assign(buffer.end() - length, buffer.end());
        } else {
            result = length;
        }
    }
    if (result != 0) {
        error = path + ": " + mbedtls_message(result);
    }
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&random);
    mbedtls_entropy_free(&entropy);
    return result == 0;
}

bool read_trust_store(const std::string& path, std::vector<uint8_t>& bytes, std::string& error) {
    if (!read_file(path, bytes, error)) {
        return false;
    }
    // PEM needs its NUL; a DER certificate must be given without it.
    if (bytes.empty() || bytes[0] != 0x30) {
        bytes.push_back(0);
    }
    return true;
}

}  // namespace demo
