#include "session.hpp"

#include <mbedtls/net_sockets.h>
#include <mbedtls/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lwm2m::dtls_frontend {

Session::Session(DtlsServerConfig& config, int listen_fd, const SocketAddress& peer,
                 std::vector<std::uint8_t> cid)
    : last_activity(Clock::now()),
      config_(config),
      listen_fd_(listen_fd),
      peer_(peer),
      cid_(std::move(cid)) {
    mbedtls_ssl_init(&ssl_);

    int status = mbedtls_ssl_setup(&ssl_, config_.get());
    if (status == 0 && !cid_.empty()) {
        status = mbedtls_ssl_set_cid(&ssl_, MBEDTLS_SSL_CID_ENABLED, cid_.data(), cid_.size());
    }
    // The cookie binds the client's address and port, so a cookie from one address does not
    // open a handshake from another.
    const std::string transport_id = peer_.to_string();
    if (status == 0) {
        status = mbedtls_ssl_set_client_transport_id(
            &ssl_, reinterpret_cast<const unsigned char*>(transport_id.data()),
            transport_id.size());
    }
    if (status != 0) {
        mbedtls_ssl_free(&ssl_);
        throw std::runtime_error("failed to set up a DTLS session: " +
                                 describe_mbedtls_error(status));
    }

    mbedtls_ssl_set_bio(&ssl_, this, send_datagram, receive_datagram, nullptr);
    mbedtls_ssl_set_timer_cb(&ssl_, this, set_timer, get_timer);
    mbedtls_ssl_set_user_data_p(&ssl_, &record_);
}

Session::~Session() {
    mbedtls_ssl_free(&ssl_);
    if (backend_fd_ >= 0) {
        close(backend_fd_);
    }
}

void Session::set_input(std::span<const std::uint8_t> datagram) {
    input_.assign(datagram.begin(), datagram.end());
    input_pending_ = true;
}

int Session::handshake() {
    DtlsServerConfig::HandshakeScope scope(config_, record_);
    return mbedtls_ssl_handshake(&ssl_);
}

bool Session::handshake_over() {
    return mbedtls_ssl_is_handshake_over(&ssl_) == 1;
}

std::string Session::identity() {
    if (!record_.identity.empty()) {
        return record_.identity;
    }
    const mbedtls_x509_crt* certificate = mbedtls_ssl_get_peer_cert(&ssl_);
    if (certificate == nullptr) {
        return {};
    }
    std::array<char, 256> subject{};
    if (mbedtls_x509_dn_gets(subject.data(), subject.size(), &certificate->subject) < 0) {
        return {};
    }
    return subject.data();
}

bool Session::cid_negotiated() {
    int enabled = MBEDTLS_SSL_CID_DISABLED;
    std::array<unsigned char, MBEDTLS_SSL_CID_OUT_LEN_MAX> peer_cid{};
    std::size_t peer_cid_length = 0;
    if (mbedtls_ssl_get_peer_cid(&ssl_, &enabled, peer_cid.data(), &peer_cid_length) != 0) {
        return false;
    }
    return enabled == MBEDTLS_SSL_CID_ENABLED;
}

bool Session::open_backend(const SocketAddress& backend) {
    backend_fd_ = socket(backend.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (backend_fd_ < 0) {
        return false;
    }
    if (connect(backend_fd_, backend.data(), backend.length) != 0) {
        const int error = errno;
        close(backend_fd_);
        backend_fd_ = -1;
        errno = error;
        return false;
    }
    return true;
}

std::optional<Clock::time_point> Session::timer_deadline() const {
    if (!timer_running_) {
        return std::nullopt;
    }
    return timer_start_ + timer_final_;
}

int Session::send_datagram(void* self, const unsigned char* data, std::size_t length) {
    auto* session = static_cast<Session*>(self);
    const ssize_t sent =
        sendto(session->listen_fd_, data, length, 0, session->peer_.data(), session->peer_.length);
    if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return MBEDTLS_ERR_SSL_WANT_WRITE;
        }
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }

    session->counters.datagrams_out += 1;
    session->counters.bytes_out += static_cast<std::uint64_t>(sent);
    return static_cast<int>(sent);
}

int Session::receive_datagram(void* self, unsigned char* buffer, std::size_t length) {
    auto* session = static_cast<Session*>(self);
    if (!session->input_pending_) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    session->input_pending_ = false;

    // A datagram larger than mbedTLS's input buffer cannot hold a valid record.
    const std::size_t copied = std::min(length, session->input_.size());
    std::memcpy(buffer, session->input_.data(), copied);
    return static_cast<int>(copied);
}

void Session::set_timer(void* self, std::uint32_t intermediate_ms, std::uint32_t final_ms) {
    auto* session = static_cast<Session*>(self);
    session->timer_running_ = final_ms != 0;
    session->timer_start_ = Clock::now();
    session->timer_intermediate_ = std::chrono::milliseconds(intermediate_ms);
    session->timer_final_ = std::chrono::milliseconds(final_ms);
}

// Returns -1 when cancelled, 2 after the final delay, 1 after the intermediate delay and
// 0 before, as mbedtls_ssl_get_timer_t requires.
int Session::get_timer(void* self) {
    const auto* session = static_cast<const Session*>(self);
    if (!session->timer_running_) {
        return -1;
    }
    const Clock::duration elapsed = Clock::now() - session->timer_start_;
    if (elapsed >= session->timer_final_) {
        return 2;
    }
    if (elapsed >= session->timer_intermediate_) {
        return 1;
    }
    return 0;
}

}  // namespace lwm2m::dtls_frontend
