// dtls-frontend-probe: a DTLS 1.2 client on mbedTLS that checks lwm2m-dtls-frontend end to
// end in front of lwm2m-server. It performs a PSK handshake with Connection ID and sends a
// Register. Then it moves to a new UDP source port and sends an Update over the same DTLS
// session. Last, it closes the session, resumes it with an abbreviated handshake and sends
// another Update. Each step prints one JSON line on stdout. It exits with 0 when every step
// succeeded and with 1 after printing the failed step to stderr.

#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/timing.h>
#include <poll.h>
#include <psa/crypto.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "socket_address.hpp"

namespace {

using lwm2m::dtls_frontend::parse_host_port;
using lwm2m::dtls_frontend::SocketAddress;
using Json = nlohmann::ordered_json;
using Bytes = std::vector<std::uint8_t>;

// CoAP (RFC 7252) values used by the probe.
constexpr std::uint8_t kCoapVersion = 1;
constexpr std::uint8_t kTypeConfirmable = 0;
constexpr std::uint8_t kCodePost = 0x02;
constexpr std::uint8_t kCodeCreated = 0x41;  // 2.01
constexpr std::uint8_t kCodeChanged = 0x44;  // 2.04
constexpr std::uint16_t kOptionLocationPath = 8;
constexpr std::uint16_t kOptionUriPath = 11;
constexpr std::uint16_t kOptionContentFormat = 12;
constexpr std::uint16_t kOptionUriQuery = 15;
constexpr std::uint8_t kContentFormatLinkFormat = 40;
constexpr std::uint8_t kPayloadMarker = 0xff;
constexpr std::size_t kTokenLength = 4;

// Reads per exchange, so unrelated records cannot keep the probe waiting forever.
constexpr int kMaxReadsPerExchange = 16;

struct Options {
    std::string frontend;
    std::string psk;
    std::string endpoint = "dtls-probe";
    unsigned timeout_s = 5;
};

std::string hex(const unsigned char* data, std::size_t length) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    for (std::size_t i = 0; i < length; ++i) {
        text += kDigits[data[i] >> 4];
        text += kDigits[data[i] & 0x0f];
    }
    return text;
}

std::string describe(int status) {
    std::array<char, 160> message{};
    mbedtls_strerror(status, message.data(), message.size());
    std::array<char, 16> number{};
    std::snprintf(number.data(), number.size(), "-0x%04x", static_cast<unsigned>(-status));
    return std::string(message.data()) + " (" + number.data() + ")";
}

void print(const Json& line) {
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
}

int psa_random(void* /*context*/, unsigned char* output, std::size_t length) {
    return psa_generate_random(output, length) == PSA_SUCCESS ? 0 : MBEDTLS_ERR_SSL_NO_RNG;
}

std::pair<std::string, Bytes> parse_psk(const std::string& text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || (text.size() - colon - 1) % 2 != 0) {
        throw std::invalid_argument("expected --psk IDENTITY:HEXKEY, got '" + text + "'");
    }
    Bytes key;
    for (std::size_t i = colon + 1; i < text.size(); i += 2) {
        key.push_back(static_cast<std::uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
    }
    return {text.substr(0, colon), key};
}

// One CoAP option, given in ascending option number order.
struct CoapOption {
    std::uint16_t number;
    Bytes value;
};

CoapOption text_option(std::uint16_t number, const std::string& text) {
    return {number, Bytes(text.begin(), text.end())};
}

void append_option_field(Bytes& out, std::size_t value, std::uint8_t& nibble) {
    if (value < 13) {
        nibble = static_cast<std::uint8_t>(value);
    } else if (value < 269) {
        nibble = 13;
        out.push_back(static_cast<std::uint8_t>(value - 13));
    } else {
        nibble = 14;
        out.push_back(static_cast<std::uint8_t>((value - 269) >> 8));
        out.push_back(static_cast<std::uint8_t>((value - 269) & 0xff));
    }
}

// Encodes a confirmable request (RFC 7252, 3).
Bytes encode_request(std::uint8_t code, std::uint16_t message_id, const Bytes& token,
                     const std::vector<CoapOption>& options, const std::string& payload) {
    Bytes out = {
        static_cast<std::uint8_t>(kCoapVersion << 6 | kTypeConfirmable << 4 | token.size()), code,
        static_cast<std::uint8_t>(message_id >> 8), static_cast<std::uint8_t>(message_id & 0xff)};
    out.insert(out.end(), token.begin(), token.end());

    std::uint16_t previous = 0;
    for (const CoapOption& option : options) {
        Bytes extended;
        std::uint8_t delta_nibble = 0;
        std::uint8_t length_nibble = 0;
        append_option_field(extended, option.number - previous, delta_nibble);
        append_option_field(extended, option.value.size(), length_nibble);
        out.push_back(static_cast<std::uint8_t>(delta_nibble << 4 | length_nibble));
        out.insert(out.end(), extended.begin(), extended.end());
        out.insert(out.end(), option.value.begin(), option.value.end());
        previous = option.number;
    }

    if (!payload.empty()) {
        out.push_back(kPayloadMarker);
        out.insert(out.end(), payload.begin(), payload.end());
    }
    return out;
}

struct CoapResponse {
    std::uint8_t code = 0;
    std::uint16_t message_id = 0;
    Bytes token;
    std::vector<std::string> location_path;
};

std::optional<std::size_t> read_option_field(const Bytes& data, std::size_t& offset,
                                             std::uint8_t nibble) {
    if (nibble < 13) {
        return nibble;
    }
    if (nibble == 13 && offset < data.size()) {
        return 13 + data[offset++];
    }
    if (nibble == 14 && offset + 1 < data.size()) {
        const std::size_t value = 269 + (std::size_t{data[offset]} << 8) + data[offset + 1];
        offset += 2;
        return value;
    }
    return std::nullopt;
}

// Decodes the header, token and Location-Path options of a response. Returns nothing for a
// message that is not well formed.
std::optional<CoapResponse> decode_response(const Bytes& data) {
    if (data.size() < 4 || data[0] >> 6 != kCoapVersion || (data[0] & 0x0f) > 8) {
        return std::nullopt;
    }
    CoapResponse response;
    response.code = data[1];
    response.message_id = static_cast<std::uint16_t>(data[2] << 8 | data[3]);
    const std::size_t token_length = data[0] & 0x0f;
    if (data.size() < 4 + token_length) {
        return std::nullopt;
    }
    response.token.assign(data.begin() + 4, data.begin() + 4 + token_length);

    std::size_t offset = 4 + token_length;
    std::size_t number = 0;
    while (offset < data.size() && data[offset] != kPayloadMarker) {
        const std::uint8_t header = data[offset++];
        const auto delta = read_option_field(data, offset, header >> 4);
        const auto length = read_option_field(data, offset, header & 0x0f);
        if (!delta || !length || offset + *length > data.size()) {
            return std::nullopt;
        }
        number += *delta;
        if (number == kOptionLocationPath) {
            response.location_path.emplace_back(data.begin() + offset,
                                                data.begin() + offset + *length);
        }
        offset += *length;
    }
    return response;
}

/// UDP socket connected to the front end, which the DTLS context sends and receives on.
/// Replacing `fd` moves the DTLS session to a new source port.
struct Link {
    int fd = -1;
};

int open_socket(const SocketAddress& frontend) {
    const int fd = socket(frontend.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, frontend.data(), frontend.length) != 0) {
        throw std::runtime_error(std::string("failed to open a UDP socket to the front end: ") +
                                 std::strerror(errno));
    }
    return fd;
}

std::uint16_t local_port(int fd) {
    SocketAddress local;
    local.length = sizeof(local.storage);
    getsockname(fd, local.data(), &local.length);
    return local.port();
}

int send_datagram(void* context, const unsigned char* data, std::size_t length) {
    const auto* link = static_cast<const Link*>(context);
    const ssize_t sent = send(link->fd, data, length, 0);
    return sent < 0 ? MBEDTLS_ERR_SSL_WANT_WRITE : static_cast<int>(sent);
}

int receive_datagram(void* context, unsigned char* buffer, std::size_t length,
                     std::uint32_t timeout_ms) {
    const auto* link = static_cast<const Link*>(context);
    pollfd descriptor = {link->fd, POLLIN, 0};
    const int ready = poll(&descriptor, 1, timeout_ms == 0 ? -1 : static_cast<int>(timeout_ms));
    if (ready == 0) {
        return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    if (ready < 0) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    const ssize_t received = recv(link->fd, buffer, length, 0);
    // ECONNREFUSED reports that an earlier datagram found no listener; retransmission or
    // the read timeout deal with that.
    return received < 0 ? MBEDTLS_ERR_SSL_WANT_READ : static_cast<int>(received);
}

/// DTLS client context on a Link. It puts the front end's CID in the records it sends, and
/// its own zero-length CID means records sent to it carry none (RFC 9146, 3).
class DtlsClient {
  public:
    DtlsClient(const mbedtls_ssl_config& config, Link& link) {
        mbedtls_ssl_init(&ssl_);
        check(mbedtls_ssl_setup(&ssl_, &config), "mbedtls_ssl_setup");
        check(mbedtls_ssl_set_cid(&ssl_, MBEDTLS_SSL_CID_ENABLED, nullptr, 0),
              "mbedtls_ssl_set_cid");
        mbedtls_ssl_set_bio(&ssl_, &link, send_datagram, nullptr, receive_datagram);
        mbedtls_ssl_set_timer_cb(&ssl_, &timer_, mbedtls_timing_set_delay,
                                 mbedtls_timing_get_delay);
    }
    ~DtlsClient() { mbedtls_ssl_free(&ssl_); }

    DtlsClient(const DtlsClient&) = delete;
    DtlsClient& operator=(const DtlsClient&) = delete;

    mbedtls_ssl_context* get() { return &ssl_; }

    static void check(int status, const char* call) {
        if (status != 0) {
            throw std::runtime_error(std::string(call) + " failed: " + describe(status));
        }
    }

  private:
    mbedtls_ssl_context ssl_;
    mbedtls_timing_delay_context timer_;
};

class Probe {
  public:
    Probe(const Options& options, const SocketAddress& frontend)
        : options_(options), frontend_(frontend) {
        mbedtls_ssl_config_init(&config_);
        mbedtls_ssl_session_init(&saved_session_);
        std::array<std::uint8_t, 2> random{};
        psa_random(nullptr, random.data(), random.size());
        next_message_id_ = static_cast<std::uint16_t>(random[0] << 8 | random[1]);
    }
    ~Probe() {
        client_.reset();
        if (link_.fd >= 0) {
            close(link_.fd);
        }
        mbedtls_ssl_session_free(&saved_session_);
        mbedtls_ssl_config_free(&config_);
    }

    void run() {
        configure();

        link_.fd = open_socket(frontend_);
        handshake(false);
        const std::string location = register_client();

        change_port();
        update(location, "update after the port change");

        close_session();
        link_.fd = open_socket(frontend_);
        handshake(true);
        update(location, "update after resumption");
        close_session();
    }

  private:
    void configure() {
        DtlsClient::check(
            mbedtls_ssl_config_defaults(&config_, MBEDTLS_SSL_IS_CLIENT,
                                        MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT),
            "mbedtls_ssl_config_defaults");
        mbedtls_ssl_conf_rng(&config_, psa_random, nullptr);

        const auto [identity, key] = parse_psk(options_.psk);
        DtlsClient::check(
            mbedtls_ssl_conf_psk(&config_, key.data(), key.size(),
                                 reinterpret_cast<const unsigned char*>(identity.data()),
                                 identity.size()),
            "mbedtls_ssl_conf_psk");
        DtlsClient::check(mbedtls_ssl_conf_cid(&config_, 0, MBEDTLS_SSL_UNEXPECTED_CID_IGNORE),
                          "mbedtls_ssl_conf_cid");
        mbedtls_ssl_conf_handshake_timeout(&config_, 500, options_.timeout_s * 1000);
        mbedtls_ssl_conf_read_timeout(&config_, options_.timeout_s * 1000);
    }

    // With `resume`, offers the session saved by the previous handshake. A TLS 1.2 server resumes
    // by echoing the offered session ID in its ServerHello (RFC 5246, 7.4.1.3), so an equal
    // ID after the handshake means resumption.
    void handshake(bool resume) {
        client_ = std::make_unique<DtlsClient>(config_, link_);
        std::string offered_id;
        if (resume) {
            DtlsClient::check(mbedtls_ssl_set_session(client_->get(), &saved_session_),
                              "mbedtls_ssl_set_session");
            offered_id = session_id(saved_session_);
        }

        DtlsClient::check(mbedtls_ssl_handshake(client_->get()), "mbedtls_ssl_handshake");

        int cid_enabled = MBEDTLS_SSL_CID_DISABLED;
        std::array<unsigned char, MBEDTLS_SSL_CID_OUT_LEN_MAX> peer_cid{};
        std::size_t peer_cid_length = 0;
        DtlsClient::check(mbedtls_ssl_get_peer_cid(client_->get(), &cid_enabled, peer_cid.data(),
                                                   &peer_cid_length),
                          "mbedtls_ssl_get_peer_cid");
        if (cid_enabled != MBEDTLS_SSL_CID_ENABLED || peer_cid_length == 0) {
            throw std::runtime_error("the front end did not negotiate a Connection ID");
        }

        // mbedTLS 3.6 exports a TLS 1.2 session only once, so this copy is also the one
        // that a later resumption offers.
        mbedtls_ssl_session_free(&saved_session_);
        mbedtls_ssl_session_init(&saved_session_);
        DtlsClient::check(mbedtls_ssl_get_session(client_->get(), &saved_session_),
                          "mbedtls_ssl_get_session");
        const std::string current_id = session_id(saved_session_);

        const bool resumed = resume && current_id == offered_id;
        print({{"step", "handshake"},
               {"resumed", resumed},
               {"cid", hex(peer_cid.data(), peer_cid_length)},
               {"session_id", current_id},
               {"port", local_port(link_.fd)}});
        if (resume && !resumed) {
            throw std::runtime_error("the front end did a full handshake instead of resuming");
        }
    }

    std::string register_client() {
        const std::vector<CoapOption> options = {
            text_option(kOptionUriPath, "rd"),
            {kOptionContentFormat, {kContentFormatLinkFormat}},
            text_option(kOptionUriQuery, "ep=" + options_.endpoint),
            text_option(kOptionUriQuery, "lt=60"),
            text_option(kOptionUriQuery, "lwm2m=1.1"),
            text_option(kOptionUriQuery, "b=U"),
        };
        const CoapResponse response = exchange(kCodePost, options, "</1/0>,</3/0>", "register");
        if (response.code != kCodeCreated || response.location_path.empty()) {
            throw std::runtime_error("register: expected 2.01 with a Location-Path, got code " +
                                     code_text(response.code));
        }

        std::string location;
        for (const std::string& segment : response.location_path) {
            location += "/" + segment;
        }
        print({{"step", "register"}, {"code", code_text(response.code)}, {"location", location}});
        return location;
    }

    void update(const std::string& location, const std::string& step) {
        std::vector<CoapOption> options;
        std::size_t start = 1;
        while (start <= location.size()) {
            const std::size_t end = std::min(location.find('/', start), location.size());
            options.push_back(text_option(kOptionUriPath, location.substr(start, end - start)));
            start = end + 1;
        }

        const CoapResponse response = exchange(kCodePost, options, "", step);
        if (response.code != kCodeChanged) {
            throw std::runtime_error(step + ": expected 2.04, got code " +
                                     code_text(response.code));
        }
        print({{"step", step}, {"code", code_text(response.code)}, {"port", local_port(link_.fd)}});
    }

    // Moves the DTLS session to a new socket, so its records come from a new source port.
    void change_port() {
        const std::uint16_t old_port = local_port(link_.fd);
        const int new_fd = open_socket(frontend_);
        close(link_.fd);
        link_.fd = new_fd;
        print({{"step", "port_change"}, {"old_port", old_port}, {"new_port", local_port(new_fd)}});
    }

    // Sends close_notify and closes the socket. handshake() saved the session already.
    void close_session() {
        (void)mbedtls_ssl_close_notify(client_->get());
        client_.reset();
        close(link_.fd);
        link_.fd = -1;
        print({{"step", "close"}});
    }

    CoapResponse exchange(std::uint8_t code, const std::vector<CoapOption>& options,
                          const std::string& payload, const std::string& step) {
        const std::uint16_t message_id = next_message_id_++;
        Bytes token(kTokenLength);
        psa_random(nullptr, token.data(), token.size());
        const Bytes request = encode_request(code, message_id, token, options, payload);

        const int written = mbedtls_ssl_write(client_->get(), request.data(), request.size());
        if (written < 0) {
            throw std::runtime_error(step + ": mbedtls_ssl_write failed: " + describe(written));
        }

        Bytes buffer(2048);
        for (int i = 0; i < kMaxReadsPerExchange; ++i) {
            const int status = mbedtls_ssl_read(client_->get(), buffer.data(), buffer.size());
            if (status == MBEDTLS_ERR_SSL_WANT_READ) {
                continue;
            }
            if (status < 0) {
                throw std::runtime_error(step + ": no response: " + describe(status));
            }
            const auto response = decode_response(Bytes(buffer.begin(), buffer.begin() + status));
            if (response && response->message_id == message_id && response->token == token) {
                return *response;
            }
        }
        throw std::runtime_error(step + ": no matching response in " +
                                 std::to_string(kMaxReadsPerExchange) + " datagrams");
    }

    static std::string session_id(const mbedtls_ssl_session& session) {
        return hex(*mbedtls_ssl_session_get_id(&session), mbedtls_ssl_session_get_id_len(&session));
    }

    static std::string code_text(std::uint8_t code) {
        return std::to_string(code >> 5) + "." + (code % 32 < 10 ? "0" : "") +
               std::to_string(code % 32);
    }

    const Options& options_;
    SocketAddress frontend_;
    mbedtls_ssl_config config_;
    mbedtls_ssl_session saved_session_;
    Link link_;
    std::unique_ptr<DtlsClient> client_;
    std::uint16_t next_message_id_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "DTLS client that checks lwm2m-dtls-frontend in front of lwm2m-server: PSK handshake "
        "with Connection ID, Register, Update from a new source port, then a resumed "
        "session with another Update. Prints one JSON line per step."};
    Options options;
    app.add_option("--frontend", options.frontend, "front end address as HOST:PORT")->required();
    app.add_option("--psk", options.psk, "pre-shared key as IDENTITY:HEXKEY")->required();
    app.add_option("--endpoint", options.endpoint, "LwM2M endpoint name (default: dtls-probe)");
    app.add_option("--timeout", options.timeout_s,
                   "seconds to wait for each handshake and response (default: 5)")
        ->check(CLI::Range(1, 60));
    CLI11_PARSE(app, argc, argv);

    if (psa_crypto_init() != PSA_SUCCESS) {
        std::fprintf(stderr, "dtls-frontend-probe: psa_crypto_init failed\n");
        return 1;
    }

    int status = 0;
    try {
        Probe probe(options, parse_host_port(options.frontend));
        probe.run();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "dtls-frontend-probe: %s\n", error.what());
        status = 1;
    }
    mbedtls_psa_crypto_free();
    return status;
}
