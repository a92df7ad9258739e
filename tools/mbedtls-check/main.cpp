// Link check for the mbedTLS that tools/fetch-mbedtls installs into
// third_party/mbedtls/: sets up a DTLS client configuration with a Connection
// ID (RFC 9146) and prints OK. tools/fetch-mbedtls builds and runs it, and it
// is not part of the main CMake build.
#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <psa/crypto.h>

#include <array>
#include <cstdio>
#include <cstring>

#if !defined(MBEDTLS_SSL_DTLS_CONNECTION_ID)
#error "MBEDTLS_SSL_DTLS_CONNECTION_ID is not defined, so DTLS Connection ID (RFC 9146) is missing"
#endif

// 1 selects the legacy draft-ietf-tls-dtls-connection-id-05 format instead of
// RFC 9146.
#if MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT != 0
#error "MBEDTLS_SSL_DTLS_CONNECTION_ID_COMPAT is not 0, so the CID uses the legacy draft-05 format instead of RFC 9146"
#endif

static_assert(MBEDTLS_VERSION_MAJOR == 3 && MBEDTLS_VERSION_MINOR == 6,
              "the project needs the mbedTLS 3.6 LTS branch");

namespace {

// Prints "<call> failed: <mbedTLS message> (-0x<code>)" to stderr.
void print_error(const char* call, int status)
{
    std::array<char, 128> message{};
    mbedtls_strerror(status, message.data(), message.size());
    std::fprintf(stderr, "mbedtls-check: %s failed: %s (-0x%04x)\n", call, message.data(),
                 static_cast<unsigned>(-status));
}

// Fills output with random bytes from PSA Crypto, in the f_rng form that
// mbedtls_ssl_conf_rng() expects. mbedtls_ssl_setup() rejects a configuration
// without an RNG.
int psa_random(void* /*context*/, unsigned char* output, size_t length)
{
    return psa_generate_random(output, length) == PSA_SUCCESS ? 0 : MBEDTLS_ERR_SSL_NO_RNG;
}

// Configures a DTLS client with a 4-byte Connection ID and applies it to an
// SSL context. Returns 0 on success, otherwise 1 after printing the error.
int check_dtls_client_cid(mbedtls_ssl_config& config, mbedtls_ssl_context& ssl)
{
    int status = mbedtls_ssl_config_defaults(&config, MBEDTLS_SSL_IS_CLIENT,
                                             MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                             MBEDTLS_SSL_PRESET_DEFAULT);
    if (status != 0) {
        print_error("mbedtls_ssl_config_defaults", status);
        return 1;
    }
    mbedtls_ssl_conf_rng(&config, psa_random, nullptr);

    const std::array<unsigned char, 4> own_cid{0x4c, 0x77, 0x4d, 0x32};
    status = mbedtls_ssl_conf_cid(&config, own_cid.size(), MBEDTLS_SSL_UNEXPECTED_CID_IGNORE);
    if (status != 0) {
        print_error("mbedtls_ssl_conf_cid", status);
        return 1;
    }

    status = mbedtls_ssl_setup(&ssl, &config);
    if (status != 0) {
        print_error("mbedtls_ssl_setup", status);
        return 1;
    }

    status = mbedtls_ssl_set_cid(&ssl, MBEDTLS_SSL_CID_ENABLED, own_cid.data(), own_cid.size());
    if (status != 0) {
        print_error("mbedtls_ssl_set_cid", status);
        return 1;
    }
    return 0;
}

}  // namespace

int main()
{
    // The headers and the library must come from the same release.
    // mbedtls_version_get_string() needs a buffer of at least 9 bytes.
    std::array<char, 16> library_version{};
    mbedtls_version_get_string(library_version.data());
    if (std::strcmp(library_version.data(), MBEDTLS_VERSION_STRING) != 0) {
        std::fprintf(stderr, "mbedtls-check: library is mbedTLS %s but headers are %s\n",
                     library_version.data(), MBEDTLS_VERSION_STRING);
        return 1;
    }

    // psa_random() needs PSA Crypto initialized. With MBEDTLS_USE_PSA_CRYPTO
    // (off by default), mbedtls_ssl_setup() needs it too.
    const psa_status_t psa_status = psa_crypto_init();
    if (psa_status != PSA_SUCCESS) {
        std::fprintf(stderr, "mbedtls-check: psa_crypto_init failed: %d\n",
                     static_cast<int>(psa_status));
        return 1;
    }

    mbedtls_ssl_config config;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config_init(&config);
    mbedtls_ssl_init(&ssl);

    const int result = check_dtls_client_cid(config, ssl);

    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&config);
    mbedtls_psa_crypto_free();

    if (result == 0) {
        std::printf("mbedtls-check: mbedTLS %s, DTLS client with RFC 9146 Connection ID: OK\n",
                    library_version.data());
    }
    return result;
}
