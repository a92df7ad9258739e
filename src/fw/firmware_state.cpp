#include "fw/firmware_state.hpp"

#include <cstring>

#include "persist/state_store.hpp"

namespace lwm2m::fw {
namespace {

constexpr uint8_t kMagic[4] = {'L', 'W', 'F', 'W'};
constexpr uint8_t kFormatVersion = 1;
// Highest State, Update Result, source and size exponent a blob may hold.
constexpr uint8_t kMaxState = 3;
constexpr uint8_t kMaxResult = 10;
constexpr uint8_t kMaxSource = 3;
constexpr uint8_t kMaxSizeExponent = 6;

void put_le(uint8_t* out, uint64_t value, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) {
        out[i] = static_cast<uint8_t>(value >> (8 * i));
    }
}

uint64_t get_le(const uint8_t* in, size_t bytes) {
    uint64_t value = 0;
    for (size_t i = 0; i < bytes; ++i) {
        value |= uint64_t{in[i]} << (8 * i);
    }
    return value;
}

}  // namespace

size_t encode_state(const SavedState& saved, std::span<uint8_t, kMaxSavedStateSize> buffer) {
    uint8_t* out = buffer.data();
    std::memcpy(out, kMagic, sizeof(kMagic));
    out += sizeof(kMagic);
    *out++ = kFormatVersion;
    *out++ = saved.state;
    *out++ = saved.result;
    *out++ = saved.source;
    *out++ = saved.size_exponent;
    *out++ = saved.etag_length;
    std::memcpy(out, saved.etag, sizeof(saved.etag));
    out += sizeof(saved.etag);
    put_le(out, saved.offset, 4);
    out += 4;
    put_le(out, static_cast<uint64_t>(saved.changed_s), 8);
    out += 8;
    size_t uri_length = std::strlen(saved.uri);
    if (uri_length > kMaxSavedUriLength) {
        uri_length = 0;
    }
    *out++ = static_cast<uint8_t>(uri_length);
    std::memcpy(out, saved.uri, uri_length);
    out += uri_length;
    const size_t length = static_cast<size_t>(out - buffer.data());
    put_le(out, persist::crc32(buffer.first(length)), 4);
    return length + 4;
}

bool decode_state(std::span<const uint8_t> bytes, SavedState& saved,
                  std::span<char, kMaxSavedUriLength + 1> uri) {
    uri[0] = '\0';
    constexpr size_t kFixed = 4 + 1 + 5 + 8 + 4 + 8 + 1;
    if (bytes.size() < kFixed + 4 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
        return false;
    }
    const size_t content = bytes.size() - 4;
    if (persist::crc32(bytes.first(content)) != get_le(bytes.data() + content, 4)) {
        return false;
    }
    const uint8_t* in = bytes.data() + sizeof(kMagic);
    if (*in++ != kFormatVersion) {
        return false;
    }
    SavedState decoded;
    decoded.state = *in++;
    decoded.result = *in++;
    decoded.source = *in++;
    decoded.size_exponent = *in++;
    decoded.etag_length = *in++;
    std::memcpy(decoded.etag, in, sizeof(decoded.etag));
    in += sizeof(decoded.etag);
    decoded.offset = static_cast<uint32_t>(get_le(in, 4));
    in += 4;
    decoded.changed_s = static_cast<int64_t>(get_le(in, 8));
    in += 8;
    const size_t uri_length = *in++;
    if (decoded.state > kMaxState || decoded.result > kMaxResult || decoded.source > kMaxSource ||
        decoded.size_exponent > kMaxSizeExponent || decoded.etag_length > sizeof(decoded.etag) ||
        kFixed + uri_length != content || std::memchr(in, '\0', uri_length) != nullptr) {
        return false;
    }
    std::memcpy(uri.data(), in, uri_length);
    uri[uri_length] = '\0';
    decoded.uri = uri.data();
    saved = decoded;
    return true;
}

}  // namespace lwm2m::fw
