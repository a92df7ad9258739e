// Fuzz target for the decoder of the persisted client state. Input: a blob as
// Storage would return it.
//
// A blob that decodes must encode again to the same bytes, because every
// field is stored exactly once and in a fixed order. Blobs with the checksum
// replaced by the correct one are decoded as well, so that the fuzzer reaches
// the field checks behind the CRC.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "decoder_checks.hpp"
#include "fuzz_targets.hpp"
#include "persist/state_store.hpp"

namespace lwm2m::fuzz {
namespace {

using persist::DecodeError;
using persist::PersistedState;

void check_blob(std::span<const uint8_t> blob) {
    PersistedState state;
    if (persist::decode_state(blob, state) != DecodeError::kNone) {
        return;
    }
    std::vector<uint8_t> encoded(persist::kMaxEncodedSize);
    const size_t length = persist::encode_state(state, encoded);
    check(length != 0, "decoded state does not encode");
    check(length == blob.size(), "encoded state has another length");
    check(std::memcmp(encoded.data(), blob.data(), length) == 0, "encoded state differs");
}

// Returns `input` with the length field and the CRC made to match its content.
std::vector<uint8_t> with_valid_frame(std::span<const uint8_t> input) {
    std::vector<uint8_t> blob(input.begin(), input.end());
    if (blob.size() < persist::kHeaderSize + persist::kChecksumSize) {
        return blob;
    }
    const size_t length = blob.size() - persist::kHeaderSize - persist::kChecksumSize;
    if (length > 0xffff) {
        return blob;
    }
    blob[5] = static_cast<uint8_t>(length);
    blob[6] = static_cast<uint8_t>(length >> 8);
    const uint32_t crc = persist::crc32({blob.data() + persist::kHeaderSize, length});
    for (size_t i = 0; i < 4; ++i) {
        blob[persist::kHeaderSize + length + i] = static_cast<uint8_t>(crc >> (8 * i));
    }
    return blob;
}

}  // namespace

void run_state_decoder(std::span<const uint8_t> input) {
    check_blob(input);
    check_blob(with_valid_frame(input));
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_state_decoder({data, size});
    return 0;
}
#endif
