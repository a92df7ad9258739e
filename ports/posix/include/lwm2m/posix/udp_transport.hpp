// UDP transport for POSIX systems (Linux, macOS, BSD), IPv4 and IPv6.
#pragma once

#include "lwm2m/transport.hpp"

namespace lwm2m::posix {

/// A non-blocking UDP socket connected to one server. The local port of each
/// successful connect() is recorded, so that reuse_last_port() can bind the next
/// socket to it after a Queue Mode sleep.
///
/// Sockets set SO_REUSEADDR, so that the last port can be bound again at
/// once. NOTE: on Linux this also lets reuse_last_port() share the port with
/// another socket that set SO_REUSEADDR too. Only a socket without it makes
/// the port count as taken (kAddressInUse).
///
/// NOTE: connect() resolves host names with getaddrinfo(), which blocks until
/// resolution completes. Literal addresses never block.
class UdpTransport final : public net::Transport {
public:
    /// `family` restricts name resolution to IPv4 or IPv6; kUnspecified takes
    /// the first address the resolver returns.
    explicit UdpTransport(net::AddressFamily family = net::AddressFamily::kUnspecified)
        : family_(family) {}
    ~UdpTransport();
    UdpTransport(const UdpTransport&) = delete;
    UdpTransport& operator=(const UdpTransport&) = delete;

    Status create() override;
    Status connect(const char* host, uint16_t port) override;
    Status send(std::span<const std::byte> datagram) override;
    Result<size_t> receive(std::span<std::byte> buffer) override;
    Status shutdown() override;
    Status close() override;
    Status cleanup() override;
    net::TransportState state() const override { return state_; }
    size_t inner_mtu() const override;
    uint16_t local_port() const override { return last_port_; }
    void set_receive_off(bool receive_off) override { receive_off_ = receive_off; }
    Status reuse_last_port() override;
    Status set_next_local_port(uint16_t port) override;

    /// The socket's file descriptor for poll(), or -1 when there is none.
    int native_handle() const { return fd_; }

    bool receive_off() const { return receive_off_; }

private:
    Status open_socket(int family);
    /// Binds the open socket to `port` on the wildcard address; returns errno or 0.
    int bind_port(int family, uint16_t port);

    net::AddressFamily family_;
    net::TransportState state_ = net::TransportState::kClosed;
    int fd_ = -1;
    /// AF_INET or AF_INET6 of the last connected socket; 0 before the first.
    int last_family_ = 0;
    uint16_t last_port_ = 0;
    /// Port for the next connect() from kClosed to bind, or 0 for an ephemeral one.
    uint16_t next_local_port_ = 0;
    bool receive_off_ = false;
};

}  // namespace lwm2m::posix
