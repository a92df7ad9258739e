// Fuzz target for two parsers of the Firmware Update object: the decoder of
// its state blob in Storage (fw::decode_state) and the Package URI parser
// (fw::parse_package_uri with fw::add_uri_options).
//
// The input is decoded as a blob as it is, and again with its CRC replaced
// by the correct one, so that the fuzzer reaches the field checks behind
// it. A blob that decodes must encode to the same bytes.
//
// The input is also parsed as a NUL-terminated Package URI in a buffer of
// exactly its length, so that AddressSanitizer reports any read past the
// NUL. A URI that parses must give a host of 1 to kMaxHostLength
// characters and a nonzero port. Its Uri-Host, Uri-Path and Uri-Query
// options must decode as CoAP, in that order, with Uri-Host present exactly
// when the host is a name. Seeds: corpus/firmware_state/, written by
// firmware_state_seeds.py. The unit tests compile this file with
// LWM2M_FUZZ_NO_ENTRY_POINT to replay those seeds.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "coap/message.hpp"
#include "core/context.hpp"
#include "decoder_checks.hpp"
#include "fuzz_targets.hpp"
#include "fw/firmware_state.hpp"
#include "fw/package_uri.hpp"
#include "persist/state_store.hpp"

namespace lwm2m::fuzz {
namespace {

constexpr size_t kChecksumSize = 4;

void check_blob(std::span<const uint8_t> blob) {
    fw::SavedState state;
    char uri[fw::kMaxSavedUriLength + 1];
    if (!fw::decode_state(blob, state, uri)) {
        check(uri[0] == '\0', "a blob that does not decode left a URI");
        return;
    }
    check(state.uri == uri, "decoded URI is not in the caller's buffer");
    check(std::strlen(state.uri) <= fw::kMaxSavedUriLength, "decoded URI is too long");
    uint8_t encoded[fw::kMaxSavedStateSize];
    const size_t length = fw::encode_state(state, encoded);
    check(length == blob.size(), "encoded state has another length");
    check(std::memcmp(encoded, blob.data(), length) == 0, "encoded state differs");
}

// Returns `input` with its last four bytes replaced by the CRC-32 of the
// bytes before them.
std::vector<uint8_t> with_valid_crc(std::span<const uint8_t> input) {
    std::vector<uint8_t> blob(input.begin(), input.end());
    if (blob.size() < kChecksumSize) {
        return blob;
    }
    const size_t content = blob.size() - kChecksumSize;
    const uint32_t crc = persist::crc32({blob.data(), content});
    for (size_t i = 0; i < kChecksumSize; ++i) {
        blob[content + i] = static_cast<uint8_t>(crc >> (8 * i));
    }
    return blob;
}

void check_uri_options(const fw::PackageUri& parts, size_t uri_length) {
    // Each byte of the URI gives at most one byte of option value, and each
    // option adds at most 5 bytes of header for a value of up to 255 bytes.
    std::vector<uint8_t> buffer(64 + uri_length * 6);
    coap::MessageWriter writer(buffer);
    writer.header(coap::Type::kConfirmable, coap::code::kGet, 1, {});
    if (!fw::add_uri_options(parts, writer)) {
        fail("the options of a parsed URI do not decode");
    }
    check(!writer.overflow(), "the URI options overflowed a buffer sized for them");

    coap::Message message;
    const coap::DecodeResult decoded = coap::decode(writer.bytes(), message);
    if (decoded == coap::DecodeResult::kTooManyOptions) {
        return;  // more segments than LWM2M_MAX_OPTIONS
    }
    check(decoded == coap::DecodeResult::kOk, "the GET with the URI options does not decode");
    check(message.payload.empty(), "the URI options left a payload");

    bool has_host = false;
    uint16_t previous = 0;
    for (uint8_t i = 0; i < message.option_count; ++i) {
        const coap::Option& option = message.options[i];
        check(option.number == coap::option::kUriHost || option.number == coap::option::kUriPath ||
                  option.number == coap::option::kUriQuery,
              "an option other than Uri-Host, Uri-Path and Uri-Query");
        check(option.number >= previous, "options out of order");
        check(option.value.size() <= 255, "an option value longer than 255 bytes");
        previous = option.number;
        if (option.number == coap::option::kUriHost) {
            check(!has_host, "two Uri-Host options");
            has_host = true;
            const size_t host_length = std::strlen(parts.host);
            check(option.value.size() == host_length &&
                      std::memcmp(option.value.data(), parts.host, host_length) == 0,
                  "Uri-Host differs from the host");
        }
    }
    check(has_host == !core::is_address_literal(parts.host),
          "Uri-Host present for an address or missing");
}

void check_uri(std::span<const uint8_t> input) {
    // Exactly as long as the string, so that a read past the NUL is reported.
    std::vector<char> uri(input.size() + 1);
    if (!input.empty()) {
        std::memcpy(uri.data(), input.data(), input.size());
    }
    uri[input.size()] = '\0';
    const size_t uri_length = std::strlen(uri.data());

    fw::PackageUri parts;
    const Status parsed = fw::parse_package_uri(uri.data(), parts);
    check(parsed == Status::kOk || parsed == Status::kUnsupported ||
              parsed == Status::kInvalidArgument,
          "parse_package_uri returned an unexpected status");
    if (parsed != Status::kOk) {
        return;
    }
    check(std::memchr(parts.host, '\0', sizeof(parts.host)) != nullptr, "host not terminated");
    const size_t host_length = std::strlen(parts.host);
    check(host_length > 0 && host_length <= fw::kMaxHostLength, "host length out of range");
    check(parts.port != 0, "port 0");
    check(parts.secure == (std::strncmp(uri.data(), "coaps://", 8) == 0), "wrong scheme");
    check(parts.rest >= uri.data() && parts.rest <= uri.data() + uri_length,
          "the rest of the URI points outside it");
    check(parts.rest[0] == '\0' || parts.rest[0] == '/' || parts.rest[0] == '?',
          "the rest of the URI starts inside the authority");
    check_uri_options(parts, uri_length);
}

}  // namespace

void run_firmware_state(std::span<const uint8_t> input) {
    check_blob(input);
    check_blob(with_valid_crc(input));
    check_uri(input);
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_firmware_state({data, size});
    return 0;
}
#endif
