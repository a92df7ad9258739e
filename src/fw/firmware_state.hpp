// The Firmware Update object's state in Storage: what a reboot needs to
// resume a download or to report an update's result.
//
// Layout, little-endian: "LWFW", format version (1), State, Update Result,
// source of the package, Block2 size exponent, ETag length and ETag (8
// bytes). Then the download offset (4), the time of the last state change
// (8), the Package URI's length (1) and bytes, and the CRC-32 of everything
// before it (4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace lwm2m::fw {

inline constexpr size_t kMaxSavedUriLength = 255;
inline constexpr size_t kMaxSavedStateSize = 4 + 1 + 5 + 8 + 4 + 8 + 1 + kMaxSavedUriLength + 4;

struct SavedState {
    uint8_t state = 0;
    uint8_t result = 0;
    uint8_t source = 0;
    uint8_t size_exponent = 6;
    uint8_t etag_length = 0;
    uint8_t etag[8] = {};
    uint32_t offset = 0;
    int64_t changed_s = 0;
    /// NUL-terminated, at most kMaxSavedUriLength bytes.
    const char* uri = "";
};

/// Encodes `saved` into `buffer`; returns the length.
size_t encode_state(const SavedState& saved, std::span<uint8_t, kMaxSavedStateSize> buffer);

/// Decodes `bytes` into `saved`, copying the URI into `uri` (which
/// saved.uri then points to). Returns false for a damaged or unknown blob,
/// leaving `uri` empty.
bool decode_state(std::span<const uint8_t> bytes, SavedState& saved,
                  std::span<char, kMaxSavedUriLength + 1> uri);

}  // namespace lwm2m::fw
