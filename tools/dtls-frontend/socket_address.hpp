#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace lwm2m::dtls_frontend {

/// IPv4 or IPv6 UDP address with its port.
struct SocketAddress {
    sockaddr_storage storage = {};
    socklen_t length = 0;

    sockaddr* data() { return reinterpret_cast<sockaddr*>(&storage); }
    const sockaddr* data() const { return reinterpret_cast<const sockaddr*>(&storage); }
    int family() const { return storage.ss_family; }

    /// Port in host byte order.
    std::uint16_t port() const;

    /// Formats the address as "192.0.2.1:5684" or "[2001:db8::1]:5684".
    std::string to_string() const;
};

/// Parses a numeric IPv4 or IPv6 address and a port.
/// Throws std::invalid_argument if `address` is not a numeric IP address.
SocketAddress make_address(const std::string& address, std::uint16_t port);

/// Parses "HOST:PORT" or "[IPV6]:PORT", where HOST is a numeric address or "localhost".
/// Throws std::invalid_argument on a missing port or an invalid address.
SocketAddress parse_host_port(const std::string& host_port);

}  // namespace lwm2m::dtls_frontend
