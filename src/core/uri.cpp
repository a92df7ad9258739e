#include <cstring>

#include "core/context.hpp"

namespace lwm2m::core {

Status parse_server_uri(const char* uri, std::span<char> host, uint16_t& port, bool* secure) {
    static constexpr char kScheme[] = "coap://";
    static constexpr char kSecureScheme[] = "coaps://";
    if (uri == nullptr) {
        return Status::kInvalidArgument;
    }
    const char* cursor = nullptr;
    // RFC 7252, 6.1 and 6.2: the default ports of coap:// and coaps://.
    uint32_t port_value = 5683;
    if (std::strncmp(uri, kScheme, sizeof(kScheme) - 1) == 0) {
        cursor = uri + sizeof(kScheme) - 1;
    } else if (secure != nullptr &&
               std::strncmp(uri, kSecureScheme, sizeof(kSecureScheme) - 1) == 0) {
        cursor = uri + sizeof(kSecureScheme) - 1;
        port_value = 5684;
    } else {
        return Status::kInvalidArgument;
    }
    const char* host_begin = cursor;
    const char* host_end = nullptr;
    if (*cursor == '[') {
        // An IPv6 literal (RFC 3986, 3.2.2): the brackets are not part of the host.
        host_begin = cursor + 1;
        host_end = std::strchr(host_begin, ']');
        if (host_end == nullptr) {
            return Status::kInvalidArgument;
        }
        cursor = host_end + 1;
    } else {
        host_end = cursor + std::strcspn(cursor, ":/?#");
        cursor = host_end;
    }
    const size_t host_length = static_cast<size_t>(host_end - host_begin);
    if (host_length == 0) {
        return Status::kInvalidArgument;
    }
    if (host_length >= host.size()) {
        return Status::kNoSpace;
    }

    if (*cursor == ':') {
        ++cursor;
        port_value = 0;
        int digits = 0;
        while (*cursor >= '0' && *cursor <= '9' && digits < 6) {
            port_value = port_value * 10 + static_cast<uint32_t>(*cursor - '0');
            ++cursor;
            ++digits;
        }
        if (digits == 0 || port_value == 0 || port_value > 65535) {
            return Status::kInvalidArgument;
        }
    }
    // A path of "/" or nothing is accepted; anything else is not a server URI.
    if (!(*cursor == '\0' || (cursor[0] == '/' && cursor[1] == '\0'))) {
        return Status::kInvalidArgument;
    }
    std::memcpy(host.data(), host_begin, host_length);
    host[host_length] = '\0';
    port = static_cast<uint16_t>(port_value);
    if (secure != nullptr) {
        *secure = uri[4] == 's';  // "coaps://"
    }
    return Status::kOk;
}

bool is_address_literal(const char* host) {
    if (std::strchr(host, ':') != nullptr) {
        return true;
    }
    return host[std::strspn(host, "0123456789.")] == '\0';
}

}  // namespace lwm2m::core
