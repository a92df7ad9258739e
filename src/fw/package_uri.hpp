// Package URIs of the Firmware Update object: coap:// and coaps:// URIs split
// into the parts a GET needs (RFC 3986, 3; RFC 7252, 6.4).
#pragma once

#include <cstddef>
#include <cstdint>

#include "coap/message.hpp"
#include "lwm2m/status.hpp"

namespace lwm2m::fw {

inline constexpr size_t kMaxHostLength = 127;

struct PackageUri {
    bool secure = false;
    uint16_t port = 0;
    /// The host without brackets, NUL-terminated.
    char host[kMaxHostLength + 1] = {};
    /// What follows the authority: "/path?query", or "".
    const char* rest = "";
};

/// Splits `uri`. Returns kUnsupported for a scheme other than coap and coaps,
/// kInvalidArgument for a malformed URI (no host, a bad port, a fragment, a
/// percent sign without two hex digits, user information).
Status parse_package_uri(const char* uri, PackageUri& parts);

/// Writes Uri-Host (for a name only), Uri-Path and Uri-Query of `parts` into
/// `message`, percent-decoded. Returns false if a segment does not decode.
bool add_uri_options(const PackageUri& parts, coap::MessageWriter& message);

}  // namespace lwm2m::fw
