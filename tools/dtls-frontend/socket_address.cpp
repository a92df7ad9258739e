#include "socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace lwm2m::dtls_frontend {

std::uint16_t SocketAddress::port() const {
    if (family() == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
    }
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
}

std::string SocketAddress::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    if (family() == AF_INET6) {
        const auto* ipv6 = reinterpret_cast<const sockaddr_in6*>(&storage);
        inet_ntop(AF_INET6, &ipv6->sin6_addr, text, sizeof(text));
        return "[" + std::string(text) + "]:" + std::to_string(port());
    }
    const auto* ipv4 = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &ipv4->sin_addr, text, sizeof(text));
    return std::string(text) + ":" + std::to_string(port());
}

SocketAddress make_address(const std::string& address, std::uint16_t port) {
    SocketAddress result;
    auto* ipv4 = reinterpret_cast<sockaddr_in*>(&result.storage);
    if (inet_pton(AF_INET, address.c_str(), &ipv4->sin_addr) == 1) {
        ipv4->sin_family = AF_INET;
        ipv4->sin_port = htons(port);
        result.length = sizeof(sockaddr_in);
        return result;
    }

    auto* ipv6 = reinterpret_cast<sockaddr_in6*>(&result.storage);
    if (inet_pton(AF_INET6, address.c_str(), &ipv6->sin6_addr) == 1) {
        ipv6->sin6_family = AF_INET6;
        ipv6->sin6_port = htons(port);
        result.length = sizeof(sockaddr_in6);
        return result;
    }
    throw std::invalid_argument("invalid IP address '" + address + "'");
}

SocketAddress parse_host_port(const std::string& host_port) {
    const std::size_t colon = host_port.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == host_port.size()) {
        throw std::invalid_argument("expected HOST:PORT, got '" + host_port + "'");
    }

    std::string host = host_port.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host == "localhost") {
        host = "127.0.0.1";
    }

    const std::string port_text = host_port.substr(colon + 1);
    unsigned port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        throw std::invalid_argument("invalid port '" + port_text + "' in '" + host_port + "'");
    }
    return make_address(host, static_cast<std::uint16_t>(port));
}

}  // namespace lwm2m::dtls_frontend
