// Binary format of the state the client keeps in Storage across reboots.
//
// Layout, all integers little-endian:
//
//   offset  size  field
//   0       4     magic number "LWM2" (0x4c 0x57 0x4d 0x32)
//   4       1     format version, kFormatVersion
//   5       2     content length N
//   7       N     content, the fields of PersistedState in the order of
//                 encode_state() (state_store.cpp lists them)
//   7 + N   4     CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of
//                 the content
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lwm2m/client_config.hpp"
#include "lwm2m/config.hpp"
#include "lwm2m/detail/builtin_objects.hpp"

namespace lwm2m::persist {

inline constexpr uint8_t kMagic[4] = {0x4c, 0x57, 0x4d, 0x32};
inline constexpr uint8_t kFormatVersion = 1;
inline constexpr size_t kHeaderSize = 7;
inline constexpr size_t kChecksumSize = 4;

/// The registration as the server last accepted it.
struct RegistrationRecord {
    /// False if the client was not registered when the state was saved.
    bool registered = false;
    /// Local UDP port that the registration was made from.
    uint16_t local_port = 0;
    /// Location-Path as "/rd/5a3f".
    char location[LWM2M_LOCATION_PATH_SIZE] = {};
    uint32_t lifetime_s = 0;
    /// When the registration expires, in seconds since 1970 (Clock::real_time_s()).
    int64_t expiry_s = 0;
};

/// Everything the client saves. The whole state belongs to one server
/// account: a state saved for another endpoint name or server URI is ignored.
struct PersistedState {
    char endpoint_name[LWM2M_MAX_URI_LENGTH + 1] = {};
    char server_uri[LWM2M_MAX_URI_LENGTH + 16] = {};
    /// Server object values (/1/0) and Communication Retry resources 17 to 20.
    detail::ServerObject server;
    RegistrationRetry retry;
    RegistrationRecord registration;
};

/// Upper bound of the encoded size of any PersistedState, in bytes.
inline constexpr size_t kMaxEncodedSize =
    kHeaderSize + kChecksumSize +
    // endpoint name and server URI, each with a length byte
    1 + LWM2M_MAX_URI_LENGTH + 1 + (LWM2M_MAX_URI_LENGTH + 15) +
    // Server object: fixed fields with the binding, then the two multiple
    // resources, each a count and entries of ID, link or text
    32 + 1 + 6 * LWM2M_MAX_ALTERNATE_APN_LINKS + 1 +
    (2 + sizeof(detail::ServerVersionInstance::text)) * LWM2M_MAX_SERVER_VERSIONS +
    // retry parameters, then the registration record
    10 + 15 + LWM2M_LOCATION_PATH_SIZE;

static_assert(LWM2M_MAX_URI_LENGTH + 15 <= 255, "string lengths are stored in one byte");
static_assert(LWM2M_LOCATION_PATH_SIZE <= 256, "string lengths are stored in one byte");
static_assert(kMaxEncodedSize <= 65535, "the content length is stored in two bytes");

/// Reason a blob failed to decode.
enum class DecodeError : uint8_t {
    kNone,
    kBadMagic,
    kUnsupportedVersion,
    kTruncated,
    kBadChecksum,
    /// A field is out of range or a count exceeds this build's capacity.
    kInvalidField,
    /// Bytes are left over after the last field.
    kTrailingBytes,
};

/// Short description of `error` for the log, such as "bad checksum".
const char* describe(DecodeError error);

/// CRC-32 (IEEE 802.3) of `bytes`, as zlib's crc32() computes it.
uint32_t crc32(std::span<const uint8_t> bytes);

/// Encodes `state` into `out` and returns the length, or 0 if `out` is
/// shorter than the encoding (kMaxEncodedSize always suffices).
size_t encode_state(const PersistedState& state, std::span<uint8_t> out);

/// Decodes `blob` into `state`. Checks every length against the blob and
/// against this build's capacities, so any input is safe. On an error,
/// `state` contains a partial result that must not be used.
DecodeError decode_state(std::span<const uint8_t> blob, PersistedState& state);

}  // namespace lwm2m::persist
