#include "example_udp_transport.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

using lwm2m::Status;
using lwm2m::net::TransportState;

ExampleUdpTransport::~ExampleUdpTransport() { (void)cleanup(); }

Status ExampleUdpTransport::create() {
    // Nothing to allocate up front: the socket opens in connect() or reuse_last_port().
    state_ = TransportState::kClosed;
    return Status::kOk;
}

Status ExampleUdpTransport::connect(const char* host, uint16_t port) {
    // This example takes IPv4 literals only. A modem port would pass the host
    // to its AT command set instead; a slow modem returns kInProgress until done.
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &server.sin_addr) != 1) {
        return Status::kResolveFailed;
    }
    if (state_ == TransportState::kClosed) {
        // Without a bound socket from reuse_last_port(), the system picks a port.
        socket_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (socket_ < 0) {
            return Status::kNetworkError;
        }
        fcntl(socket_, F_SETFL, fcntl(socket_, F_GETFL) | O_NONBLOCK);
    }
    if (::connect(socket_, reinterpret_cast<sockaddr*>(&server), sizeof(server)) != 0) {
        (void)close();
        return Status::kNetworkError;
    }

    // Remember the local port: reuse_last_port() binds the next socket to it.
    sockaddr_in local{};
    socklen_t length = sizeof(local);
    getsockname(socket_, reinterpret_cast<sockaddr*>(&local), &length);
    last_port_ = ntohs(local.sin_port);
    state_ = TransportState::kConnected;
    return Status::kOk;
}

Status ExampleUdpTransport::send(std::span<const std::byte> datagram) {
    if (state_ != TransportState::kConnected) {
        return Status::kInvalidState;
    }
    if (datagram.size() > inner_mtu()) {
        return Status::kMessageTooLarge;
    }
    if (::send(socket_, datagram.data(), datagram.size(), 0) < 0) {
        return errno == EAGAIN ? Status::kWouldBlock : Status::kNetworkError;
    }
    return Status::kOk;
}

lwm2m::Result<size_t> ExampleUdpTransport::receive(std::span<std::byte> buffer) {
    if (state_ != TransportState::kConnected) {
        return Status::kInvalidState;
    }
    // MSG_TRUNC makes Linux return the full datagram length, so a datagram
    // longer than the buffer is detected and never passed on cut short.
    const ssize_t length = ::recv(socket_, buffer.data(), buffer.size(), MSG_TRUNC);
    if (length < 0) {
        return (errno == EAGAIN || errno == ECONNREFUSED) ? Status::kWouldBlock
                                                          : Status::kNetworkError;
    }
    if (static_cast<size_t>(length) > buffer.size()) {
        return Status::kMessageTooLarge;
    }
    return static_cast<size_t>(length);
}

Status ExampleUdpTransport::shutdown() {
    (void)::shutdown(socket_, SHUT_RDWR);
    return Status::kOk;
}

Status ExampleUdpTransport::close() {
    if (socket_ >= 0) {
        ::close(socket_);
        socket_ = -1;
    }
    state_ = TransportState::kClosed;
    return Status::kOk;
}

Status ExampleUdpTransport::cleanup() {
    last_port_ = 0;
    return close();
}

void ExampleUdpTransport::set_receive_off(bool) {
    // A cellular modem would enter power saving here; a socket has nothing to do.
}

Status ExampleUdpTransport::reuse_last_port() {
    if (last_port_ == 0 || socket_ >= 0) {
        return Status::kInvalidState;
    }
    socket_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (socket_ < 0) {
        return Status::kNetworkError;
    }
    fcntl(socket_, F_SETFL, fcntl(socket_, F_GETFL) | O_NONBLOCK);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(last_port_);
    if (::bind(socket_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
        const bool in_use = errno == EADDRINUSE;
        (void)close();
        return in_use ? Status::kAddressInUse : Status::kNetworkError;
    }
    state_ = TransportState::kBound;
    return Status::kOk;
}
