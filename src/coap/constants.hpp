// CoAP message types, codes, option numbers and Content-Format numbers
// (RFC 7252, 12; RFC 7641; RFC 7959; OMA LwM2M Core).
#pragma once

#include <cstdint>

namespace lwm2m::coap {

enum class Type : uint8_t {
    kConfirmable = 0,
    kNonConfirmable = 1,
    kAcknowledgement = 2,
    kReset = 3,
};

/// Packs a code as the header carries it: 3 bits class, 5 bits detail.
constexpr uint8_t make_code(uint8_t code_class, uint8_t detail) {
    return static_cast<uint8_t>((code_class << 5) | detail);
}

constexpr uint8_t code_class(uint8_t code) { return code >> 5; }
constexpr uint8_t code_detail(uint8_t code) { return code & 0x1f; }

namespace code {
inline constexpr uint8_t kEmpty = 0;
inline constexpr uint8_t kGet = 1;
inline constexpr uint8_t kPost = 2;
inline constexpr uint8_t kPut = 3;
inline constexpr uint8_t kDelete = 4;
inline constexpr uint8_t kFetch = 5;
inline constexpr uint8_t kPatch = 6;
inline constexpr uint8_t kIPatch = 7;

inline constexpr uint8_t kCreated = make_code(2, 1);
inline constexpr uint8_t kDeleted = make_code(2, 2);
inline constexpr uint8_t kValid = make_code(2, 3);
inline constexpr uint8_t kChanged = make_code(2, 4);
inline constexpr uint8_t kContent = make_code(2, 5);
inline constexpr uint8_t kContinue = make_code(2, 31);
inline constexpr uint8_t kBadRequest = make_code(4, 0);
inline constexpr uint8_t kUnauthorized = make_code(4, 1);
inline constexpr uint8_t kBadOption = make_code(4, 2);
inline constexpr uint8_t kForbidden = make_code(4, 3);
inline constexpr uint8_t kNotFound = make_code(4, 4);
inline constexpr uint8_t kMethodNotAllowed = make_code(4, 5);
inline constexpr uint8_t kNotAcceptable = make_code(4, 6);
inline constexpr uint8_t kRequestEntityIncomplete = make_code(4, 8);
inline constexpr uint8_t kRequestEntityTooLarge = make_code(4, 13);
inline constexpr uint8_t kUnsupportedContentFormat = make_code(4, 15);
inline constexpr uint8_t kInternalServerError = make_code(5, 0);
inline constexpr uint8_t kNotImplemented = make_code(5, 1);
inline constexpr uint8_t kProxyingNotSupported = make_code(5, 5);
}  // namespace code

namespace option {
inline constexpr uint16_t kIfMatch = 1;
inline constexpr uint16_t kUriHost = 3;
inline constexpr uint16_t kETag = 4;
inline constexpr uint16_t kIfNoneMatch = 5;
inline constexpr uint16_t kObserve = 6;
inline constexpr uint16_t kUriPort = 7;
inline constexpr uint16_t kLocationPath = 8;
inline constexpr uint16_t kUriPath = 11;
inline constexpr uint16_t kContentFormat = 12;
inline constexpr uint16_t kMaxAge = 14;
inline constexpr uint16_t kUriQuery = 15;
inline constexpr uint16_t kAccept = 17;
inline constexpr uint16_t kLocationQuery = 20;
inline constexpr uint16_t kBlock2 = 23;
inline constexpr uint16_t kBlock1 = 27;
inline constexpr uint16_t kSize2 = 28;
inline constexpr uint16_t kProxyUri = 35;
inline constexpr uint16_t kProxyScheme = 39;
inline constexpr uint16_t kSize1 = 60;
inline constexpr uint16_t kNoResponse = 258;

/// RFC 7252, 5.4.1: odd option numbers are critical.
constexpr bool is_critical(uint16_t number) { return (number & 1) != 0; }
}  // namespace option

namespace format {
inline constexpr uint16_t kTextPlain = 0;
inline constexpr uint16_t kLinkFormat = 40;
inline constexpr uint16_t kOpaque = 42;
inline constexpr uint16_t kCbor = 60;
inline constexpr uint16_t kSenmlJson = 110;
inline constexpr uint16_t kSenmlCbor = 112;
inline constexpr uint16_t kLwm2mTlv = 11542;
inline constexpr uint16_t kLwm2mCbor = 11544;
}  // namespace format

}  // namespace lwm2m::coap
