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
/// Version 2 added the Security instances, the Access Control instances, a
/// list of sessions, each with its
/// Server instance (with its ID, Short Server ID and Last Bootstrapped) and
/// registration, and a checksum of the factory accounts in place of the
/// server URI. A version 1 state is
/// reported as unsupported and ignored.
inline constexpr uint8_t kFormatVersion = 3;
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

/// The saved part of one server session.
struct SessionRecord {
    /// Server object values (/1/x) and Communication Retry resources 17 to 20.
    detail::ServerObject server;
    RegistrationRetry retry;
    RegistrationRecord registration;
};

/// Everything the client saves. The state belongs to one factory
/// configuration: a state saved for another endpoint name, server URI or
/// Bootstrap-Server URI is ignored.
struct PersistedState {
    char endpoint_name[LWM2M_MAX_URI_LENGTH + 1] = {};
    /// factory_checksum() of the configuration the state was saved under.
    uint32_t factory_checksum = 0;
    /// Security object instances (/0/x), unused slots with ID kNoInstance.
    detail::SecurityInstance security[LWM2M_MAX_SECURITY_INSTANCES];
    /// Access Control object instances (/2/x), unused slots with ID kNoInstance.
#if LWM2M_WITH_ACCESS_CONTROL
    detail::AclInstance acl[LWM2M_MAX_ACL_INSTANCES];
#endif
    /// One per session with a Server instance, sessions[0] to
    /// sessions[session_count - 1].
    SessionRecord sessions[LWM2M_MAX_SERVERS];
    uint8_t session_count = 0;
};

/// Upper bound of the encoded size of any PersistedState, in bytes.
inline constexpr size_t kMaxEncodedSize =
    kHeaderSize + kChecksumSize +
    // endpoint name with a length byte, factory checksum
    1 + LWM2M_MAX_URI_LENGTH + 4 +
    // Security instances: a count, then fixed fields, URI, three keys with
    // two-byte lengths, Certificate Usage and SNI each
    1 +
    LWM2M_MAX_SECURITY_INSTANCES *
        (14 + 1 + (LWM2M_MAX_URI_LENGTH + 15) + 6 + LWM2M_SECURITY_IDENTITY_SIZE +
         2 * LWM2M_SECURITY_KEY_SIZE + 1 + LWM2M_SECURITY_SNI_SIZE) +
    // Access Control instances: a count, then four IDs, an entry count and
    // the entries of each
    1 + LWM2M_MAX_ACL_INSTANCES * (8 + 1 + 4 * LWM2M_MAX_ACL_ENTRIES) +
    // Sessions: a count, then the Server object, the retry parameters and the
    // registration record of each. The Server object is the instance ID, the
    // Short Server ID, fixed fields with the binding, and the two multiple
    // resources, each a count and entries of ID, link or text.
    1 +
    LWM2M_MAX_SERVERS *
        (4 + 32 + 8 + 1 + 6 * LWM2M_MAX_ALTERNATE_APN_LINKS + 1 +
         (2 + sizeof(detail::ServerVersionInstance::text)) * LWM2M_MAX_SERVER_VERSIONS + 10 + 15 +
         LWM2M_LOCATION_PATH_SIZE);

static_assert(LWM2M_MAX_URI_LENGTH + 15 <= 255, "string lengths are stored in one byte");
static_assert(LWM2M_LOCATION_PATH_SIZE <= 256, "string lengths are stored in one byte");
static_assert(LWM2M_SECURITY_SNI_SIZE <= 256, "string lengths are stored in one byte");
static_assert(LWM2M_MAX_SECURITY_INSTANCES <= 255 && LWM2M_MAX_ACL_INSTANCES <= 255,
              "instance counts are stored in one byte");
static_assert(LWM2M_MAX_ACL_ENTRIES <= 255, "ACL entry counts are stored in one byte");
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

/// CRC-32 (IEEE 802.3) of `bytes`, as zlib's crc32() computes it. `crc`
/// continues the checksum of earlier bytes.
uint32_t crc32(std::span<const uint8_t> bytes, uint32_t crc = 0);

/// Checksum of the factory accounts of `config`: its server URI, Short
/// Server ID, Bootstrap-Server URI and the credentials of both. A saved state applies only under
/// the same factory accounts.
uint32_t factory_checksum(const ClientConfig& config);

/// Encodes `state` into `out` and returns the length, or 0 if `out` is
/// shorter than the encoding (kMaxEncodedSize always suffices).
size_t encode_state(const PersistedState& state, std::span<uint8_t> out);

/// Decodes `blob` into `state`. Checks every length against the blob and
/// against this build's capacities, so any input is safe. On an error,
/// `state` contains a partial result that must not be used.
DecodeError decode_state(std::span<const uint8_t> blob, PersistedState& state);

}  // namespace lwm2m::persist
