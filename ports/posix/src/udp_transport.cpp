#include "lwm2m/posix/udp_transport.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("udp");

namespace lwm2m::posix {
namespace {

// Ethernet MTU minus the IP and UDP headers.
constexpr size_t kIpv4InnerMtu = 1500 - 20 - 8;
constexpr size_t kIpv6InnerMtu = 1500 - 40 - 8;

int to_native_family(net::AddressFamily family) {
    switch (family) {
        case net::AddressFamily::kIpv4:
            return AF_INET;
        case net::AddressFamily::kIpv6:
            return AF_INET6;
        case net::AddressFamily::kUnspecified:
            break;
    }
    return AF_UNSPEC;
}

uint16_t port_of(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
    }
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
}

}  // namespace

UdpTransport::~UdpTransport() {
    (void)cleanup();
}

Status UdpTransport::create() {
    if (fd_ >= 0) {
        return Status::kInvalidState;
    }
    state_ = net::TransportState::kClosed;
    return Status::kOk;
}

Status UdpTransport::open_socket(int family) {
    fd_ = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd_ < 0) {
        LWM2M_LOG_ERROR("socket() failed: %s", std::strerror(errno));
        return Status::kNetworkError;
    }
    const int enable = 1;
    if (::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable)) != 0) {
        LWM2M_LOG_WARNING("SO_REUSEADDR failed: %s", std::strerror(errno));
    }
    return Status::kOk;
}

Status UdpTransport::connect(const char* host, uint16_t port) {
    if (state_ == net::TransportState::kConnected) {
        return Status::kInvalidState;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    hints.ai_family = to_native_family(family_);
    if (state_ == net::TransportState::kBound) {
        hints.ai_family = last_family_;  // the bound socket fixes the family
    }
    char service[8];
    std::snprintf(service, sizeof(service), "%u", port);
    addrinfo* results = nullptr;
    const int resolved = ::getaddrinfo(host, service, &hints, &results);
    if (resolved != 0 || results == nullptr) {
        LWM2M_LOG_ERROR("cannot resolve '%s': %s", host, ::gai_strerror(resolved));
        return Status::kResolveFailed;
    }

    Status status = Status::kOk;
    if (state_ == net::TransportState::kClosed) {
        status = open_socket(results->ai_family);
        const uint16_t requested = next_local_port_;
        next_local_port_ = 0;
        if (status == Status::kOk && requested != 0) {
            const int error = bind_port(results->ai_family, requested);
            if (error != 0) {
                // The socket stays unbound, so connect() picks an ephemeral port.
                LWM2M_LOG_WARNING("cannot bind local port %u (%s), using a new port", requested,
                                  std::strerror(error));
            }
        }
    }
    if (status == Status::kOk && ::connect(fd_, results->ai_addr, results->ai_addrlen) != 0) {
        LWM2M_LOG_ERROR("connect to '%s' port %u failed: %s", host, port, std::strerror(errno));
        status = Status::kNetworkError;
    }
    const int family = results->ai_family;
    ::freeaddrinfo(results);
    if (status != Status::kOk) {
        (void)close();
        return status;
    }

    sockaddr_storage local{};
    socklen_t length = sizeof(local);
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
        LWM2M_LOG_ERROR("getsockname failed: %s", std::strerror(errno));
        (void)close();
        return Status::kNetworkError;
    }
    last_family_ = family;
    last_port_ = port_of(local);
    state_ = net::TransportState::kConnected;
    return Status::kOk;
}

Status UdpTransport::send(std::span<const std::byte> datagram) {
    if (state_ != net::TransportState::kConnected) {
        return Status::kInvalidState;
    }
    receive_off_ = false;
    const ssize_t sent = ::send(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(datagram.size())) {
        return Status::kOk;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
        return Status::kWouldBlock;
    }
    if (sent < 0 && errno == EMSGSIZE) {
        return Status::kMessageTooLarge;
    }
    if (sent < 0 && errno == ECONNREFUSED) {
        // An ICMP port-unreachable for an earlier datagram; this one was not sent.
        LWM2M_LOG_DEBUG("server port unreachable (ICMP), datagram not sent");
        return Status::kNetworkError;
    }
    LWM2M_LOG_WARNING("send failed: %s", sent < 0 ? std::strerror(errno) : "short write");
    return Status::kNetworkError;
}

Result<size_t> UdpTransport::receive(std::span<std::byte> buffer) {
    if (state_ != net::TransportState::kConnected) {
        return Status::kInvalidState;
    }
    iovec vector{buffer.data(), buffer.size()};
    msghdr header{};
    header.msg_iov = &vector;
    header.msg_iovlen = 1;
    const ssize_t received = ::recvmsg(fd_, &header, 0);
    if (received < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return Status::kWouldBlock;
        }
        if (errno == ECONNREFUSED) {
            // An ICMP port-unreachable for an earlier datagram: the server is not
            // listening. The request it belonged to times out and is retried.
            LWM2M_LOG_DEBUG("server port unreachable (ICMP)");
            return Status::kWouldBlock;
        }
        LWM2M_LOG_WARNING("receive failed: %s", std::strerror(errno));
        return Status::kNetworkError;
    }
    // MSG_TRUNC in msg_flags is how POSIX reports a datagram longer than the buffer.
    if ((header.msg_flags & MSG_TRUNC) != 0) {
        return Status::kMessageTooLarge;
    }
    return static_cast<size_t>(received);
}

Status UdpTransport::shutdown() {
    if (fd_ < 0) {
        return Status::kInvalidState;
    }
    // A connected UDP socket accepts shutdown(); an unconnected one returns
    // ENOTCONN, which leaves nothing to stop.
    (void)::shutdown(fd_, SHUT_RDWR);
    return Status::kOk;
}

Status UdpTransport::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    state_ = net::TransportState::kClosed;
    return Status::kOk;
}

Status UdpTransport::cleanup() {
    (void)close();
    last_port_ = 0;
    last_family_ = 0;
    next_local_port_ = 0;
    return Status::kOk;
}

Status UdpTransport::set_next_local_port(uint16_t port) {
    if (port == 0) {
        return Status::kInvalidArgument;
    }
    next_local_port_ = port;
    return Status::kOk;
}

int UdpTransport::bind_port(int family, uint16_t port) {
    sockaddr_storage local{};
    socklen_t length = 0;
    if (family == AF_INET6) {
        auto& address = reinterpret_cast<sockaddr_in6&>(local);
        address.sin6_family = AF_INET6;
        address.sin6_addr = in6addr_any;
        address.sin6_port = htons(port);
        length = sizeof(address);
    } else {
        auto& address = reinterpret_cast<sockaddr_in&>(local);
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_ANY);
        address.sin_port = htons(port);
        length = sizeof(address);
    }
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&local), length) != 0) {
        return errno;
    }
    return 0;
}

size_t UdpTransport::inner_mtu() const {
    return last_family_ == AF_INET6 ? kIpv6InnerMtu : kIpv4InnerMtu;
}

Status UdpTransport::reuse_last_port() {
    if (last_port_ == 0) {
        LWM2M_LOG_ERROR(
            "reuse_last_port: no connection was made yet, so there is no port to reuse");
        return Status::kInvalidState;
    }
    if (fd_ >= 0) {
        LWM2M_LOG_ERROR("reuse_last_port: a socket is still open; call close() first");
        return Status::kInvalidState;
    }
    const Status opened = open_socket(last_family_);
    if (opened != Status::kOk) {
        return opened;
    }
    const int error = bind_port(last_family_, last_port_);
    if (error != 0) {
        ::close(fd_);
        fd_ = -1;
        state_ = net::TransportState::kClosed;
        if (error == EADDRINUSE) {
            return Status::kAddressInUse;
        }
        LWM2M_LOG_ERROR("bind to local port %u failed: %s", last_port_, std::strerror(error));
        return Status::kNetworkError;
    }
    state_ = net::TransportState::kBound;
    return Status::kOk;
}

}  // namespace lwm2m::posix
