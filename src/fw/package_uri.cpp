#include "fw/package_uri.hpp"

#include <cstring>

#include "core/context.hpp"

namespace lwm2m::fw {
namespace {

int hex_value(char digit) {
    if (digit >= '0' && digit <= '9') {
        return digit - '0';
    }
    if (digit >= 'a' && digit <= 'f') {
        return digit - 'a' + 10;
    }
    if (digit >= 'A' && digit <= 'F') {
        return digit - 'A' + 10;
    }
    return -1;
}

// Percent-decodes [begin, end) into `out`; returns the length, or -1.
int decode_segment(const char* begin, const char* end, uint8_t* out, size_t capacity) {
    size_t length = 0;
    for (const char* p = begin; p < end; ++p) {
        if (length == capacity) {
            return -1;
        }
        if (*p != '%') {
            out[length++] = static_cast<uint8_t>(*p);
            continue;
        }
        if (end - p < 3 || hex_value(p[1]) < 0 || hex_value(p[2]) < 0) {
            return -1;
        }
        out[length++] = static_cast<uint8_t>(hex_value(p[1]) * 16 + hex_value(p[2]));
        p += 2;
    }
    return static_cast<int>(length);
}

// Adds one option per segment of [begin, end) split at `separator`.
bool add_segments(const char* begin, const char* end, char separator, uint16_t option,
                  coap::MessageWriter& message) {
    uint8_t decoded[255];
    while (begin < end) {
        const char* stop = begin;
        while (stop < end && *stop != separator) {
            ++stop;
        }
        const int length = decode_segment(begin, stop, decoded, sizeof(decoded));
        if (length < 0) {
            return false;
        }
        message.add_option(option, {decoded, static_cast<size_t>(length)});
        begin = stop + 1;
    }
    return true;
}

}  // namespace

Status parse_package_uri(const char* uri, PackageUri& parts) {
    parts = {};
    const char* authority = nullptr;
    if (std::strncmp(uri, "coap://", 7) == 0) {
        authority = uri + 7;
        parts.port = 5683;
    } else if (std::strncmp(uri, "coaps://", 8) == 0) {
        authority = uri + 8;
        parts.port = 5684;
        parts.secure = true;
    } else {
        const char* colon = std::strchr(uri, ':');
        // A scheme is letters, digits, '+', '-' and '.', starting with a letter.
        const size_t scheme =
            std::strspn(uri, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
        return colon != nullptr && uri + scheme == colon && scheme > 0 ? Status::kUnsupported
                                                                       : Status::kInvalidArgument;
    }
    const char* end = authority + std::strcspn(authority, "/?#");
    if (*end == '#' || std::strchr(end, '#') != nullptr) {
        return Status::kInvalidArgument;
    }
    if (std::memchr(authority, '@', static_cast<size_t>(end - authority)) != nullptr) {
        return Status::kInvalidArgument;
    }
    const char* host_begin = authority;
    const char* host_end = end;
    const char* port = nullptr;
    if (*authority == '[') {
        const char* close = static_cast<const char*>(
            std::memchr(authority, ']', static_cast<size_t>(end - authority)));
        if (close == nullptr) {
            return Status::kInvalidArgument;
        }
        host_begin = authority + 1;
        host_end = close;
        if (close + 1 < end) {
            if (close[1] != ':') {
                return Status::kInvalidArgument;
            }
            port = close + 2;
        }
    } else {
        const char* colon = static_cast<const char*>(
            std::memchr(authority, ':', static_cast<size_t>(end - authority)));
        if (colon != nullptr) {
            host_end = colon;
            port = colon + 1;
        }
    }
    const size_t host_length = static_cast<size_t>(host_end - host_begin);
    if (host_length == 0 || host_length > kMaxHostLength) {
        return Status::kInvalidArgument;
    }
    std::memcpy(parts.host, host_begin, host_length);
    parts.host[host_length] = '\0';
    if (port != nullptr) {
        uint32_t value = 0;
        if (port == end) {
            return Status::kInvalidArgument;
        }
        for (const char* p = port; p < end; ++p) {
            if (*p < '0' || *p > '9' || value > 6553) {
                return Status::kInvalidArgument;
            }
            value = value * 10 + static_cast<uint32_t>(*p - '0');
        }
        if (value == 0 || value > 65535) {
            return Status::kInvalidArgument;
        }
        parts.port = static_cast<uint16_t>(value);
    }
    parts.rest = end;
    // The segments must decode, so that a bad URI is found before the download.
    uint8_t scratch[64];
    coap::MessageWriter probe(scratch);
    probe.header(coap::Type::kConfirmable, coap::code::kGet, 0, {});
    return add_uri_options(parts, probe) ? Status::kOk : Status::kInvalidArgument;
}

bool add_uri_options(const PackageUri& parts, coap::MessageWriter& message) {
    if (!core::is_address_literal(parts.host)) {
        message.add_option(coap::option::kUriHost, parts.host);
    }
    const char* query = std::strchr(parts.rest, '?');
    const char* path_end = query != nullptr ? query : parts.rest + std::strlen(parts.rest);
    const char* path = parts.rest;
    if (path < path_end && *path == '/') {
        ++path;
    }
    if (!add_segments(path, path_end, '/', coap::option::kUriPath, message)) {
        return false;
    }
    if (query != nullptr) {
        return add_segments(query + 1, query + std::strlen(query), '&', coap::option::kUriQuery,
                            message);
    }
    return true;
}

}  // namespace lwm2m::fw
