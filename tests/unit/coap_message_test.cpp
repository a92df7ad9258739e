// CoAP message decoder and encoder (RFC 7252, 3).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "coap/message.hpp"

namespace lwm2m::coap {
namespace {

using Bytes = std::vector<uint8_t>;

std::span<const uint8_t> as_span(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::string as_string(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

Bytes to_bytes(std::span<const uint8_t> bytes) {
    return {bytes.begin(), bytes.end()};
}

// Returns a datagram that starts with `first_byte` (version, type and token
// length), code 2.05 and message ID 0x1234, followed by `rest`.
Bytes with_header(uint8_t first_byte, const Bytes& rest) {
    Bytes bytes = {first_byte, 0x45, 0x12, 0x34};
    bytes.insert(bytes.end(), rest.begin(), rest.end());
    return bytes;
}

// ---------------------------------------------------------------------------
// Decoder
// ---------------------------------------------------------------------------

TEST(Unit, DecodeRequestWithOptionsAndPayload) {
    const Bytes datagram = {
        0x44,                    // version 1, CON, token length 4
        0x01,                    // code 0.01 GET
        0x12, 0x34,              // message ID 0x1234
        0xde, 0xad, 0xbe, 0xef,  // token
        0xb1, '3',               // Uri-Path (11): delta 11, length 1
        0x01, '0',               // Uri-Path: delta 0, length 1
        0x01, '9',               // Uri-Path: delta 0, length 1
        0x61, 0x28,              // Accept (17): delta 6, length 1, value 40
        0xff,                    // payload marker
        'h',  'i',               // payload
    };
    Message message;

    ASSERT_EQ(decode(datagram, message), DecodeResult::kOk);

    EXPECT_EQ(message.type, Type::kConfirmable);
    EXPECT_EQ(message.code, code::kGet);
    EXPECT_EQ(message.message_id, 0x1234);
    EXPECT_TRUE(message.is_request());
    EXPECT_FALSE(message.is_response());
    EXPECT_EQ(to_bytes(message.token_view()), (Bytes{0xde, 0xad, 0xbe, 0xef}));
    ASSERT_EQ(message.option_count, 4);
    EXPECT_EQ(message.options[0].number, option::kUriPath);
    EXPECT_EQ(as_string(message.options[0].value), "3");
    EXPECT_EQ(message.options[1].number, option::kUriPath);
    EXPECT_EQ(as_string(message.options[1].value), "0");
    EXPECT_EQ(message.options[2].number, option::kUriPath);
    EXPECT_EQ(as_string(message.options[2].value), "9");
    EXPECT_EQ(message.options[3].number, option::kAccept);
    EXPECT_EQ(to_bytes(message.options[3].value), Bytes{0x28});
    EXPECT_EQ(as_string(message.payload), "hi");
}

TEST(Unit, DecodeHeaderTypesAndResponseCode) {
    const Type types[] = {Type::kConfirmable, Type::kNonConfirmable, Type::kAcknowledgement,
                          Type::kReset};
    for (Type type : types) {
        const Bytes datagram = {
            static_cast<uint8_t>(0x40 | (static_cast<uint8_t>(type) << 4)),  // version 1, type
            0x84,                                                            // code 4.04
            0xff, 0xfe,                                                      // message ID
        };
        Message message;

        ASSERT_EQ(decode(datagram, message), DecodeResult::kOk);
        EXPECT_EQ(message.type, type);
        EXPECT_EQ(message.code, code::kNotFound);
        EXPECT_EQ(message.message_id, 0xfffe);
        EXPECT_TRUE(message.is_response());
        EXPECT_FALSE(message.is_request());
    }
}

TEST(Unit, DecodeTokensOfZeroToEightBytes) {
    for (uint8_t length = 0; length <= 8; ++length) {
        SCOPED_TRACE(length);
        Bytes token;
        for (uint8_t i = 0; i < length; ++i) {
            token.push_back(static_cast<uint8_t>(0xa0 + i));
        }
        // Version 1, NON and the token length, then the token.
        const Bytes datagram = with_header(static_cast<uint8_t>(0x50 | length), token);
        Message message;

        ASSERT_EQ(decode(datagram, message), DecodeResult::kOk);
        EXPECT_EQ(message.token_length, length);
        EXPECT_EQ(to_bytes(message.token_view()), token);
        EXPECT_EQ(message.option_count, 0);
        EXPECT_TRUE(message.payload.empty());
    }
}

TEST(Unit, DecodeTokenLengthNineToFifteenRejected) {
    for (uint8_t length = 9; length <= 15; ++length) {
        SCOPED_TRACE(length);
        // Enough bytes follow the header that only the length nibble is wrong.
        const Bytes datagram = with_header(static_cast<uint8_t>(0x40 | length), Bytes(15, 0x11));
        Message message;

        EXPECT_EQ(decode(datagram, message), DecodeResult::kFormatError);
        EXPECT_EQ(message.type, Type::kConfirmable);
        EXPECT_EQ(message.code, make_code(2, 5));
        EXPECT_EQ(message.message_id, 0x1234);
        EXPECT_EQ(message.token_length, 0);
    }
}

TEST(Unit, DecodeTokenPastEndRejected) {
    // Token length 8 with only 3 token bytes present.
    const Bytes datagram = with_header(0x48, {0x01, 0x02, 0x03});
    Message message;

    EXPECT_EQ(decode(datagram, message), DecodeResult::kFormatError);
}

TEST(Unit, DecodeOtherVersionIgnored) {
    for (uint8_t version : {0, 2, 3}) {
        SCOPED_TRACE(static_cast<int>(version));
        const Bytes datagram = {
            static_cast<uint8_t>(version << 6),  // version, CON, token length 0
            0x01,                                // GET
            0x00, 0x01,                          // message ID
        };
        Message message;

        EXPECT_EQ(decode(datagram, message), DecodeResult::kIgnore);
    }
}

TEST(Unit, DecodeShorterThanHeaderIgnored) {
    const Bytes header = {0x40, 0x01, 0x00, 0x01};
    for (size_t size = 0; size < 4; ++size) {
        SCOPED_TRACE(size);
        Message message;

        EXPECT_EQ(decode(std::span(header).first(size), message), DecodeResult::kIgnore);
    }
}

TEST(Unit, DecodeEmptyMessage) {
    const Bytes datagram = {
        0x70,        // version 1, RST, token length 0
        0x00,        // code 0.00 Empty
        0xab, 0xcd,  // message ID
    };
    Message message;

    ASSERT_EQ(decode(datagram, message), DecodeResult::kOk);
    EXPECT_EQ(message.type, Type::kReset);
    EXPECT_EQ(message.code, code::kEmpty);
    EXPECT_EQ(message.message_id, 0xabcd);
    EXPECT_FALSE(message.is_request());
    EXPECT_FALSE(message.is_response());
}

TEST(Unit, DecodeEmptyMessageWithTokenRejected) {
    const Bytes datagram = {
        0x41,        // version 1, CON, token length 1
        0x00,        // code 0.00 Empty
        0xab, 0xcd,  // message ID
        0x77,        // token
    };
    Message message;

    EXPECT_EQ(decode(datagram, message), DecodeResult::kFormatError);
    EXPECT_EQ(message.message_id, 0xabcd);
}

TEST(Unit, DecodeEmptyMessageWithTrailingBytesRejected) {
    const Bytes datagrams[] = {
        {0x60, 0x00, 0xab, 0xcd, 0x00},        // ACK, Empty, one stray byte
        {0x60, 0x00, 0xab, 0xcd, 0xff, 0x31},  // ACK, Empty, payload marker and payload
        {0x60, 0x00, 0xab, 0xcd, 0xb1, 0x31},  // ACK, Empty, Uri-Path "1"
    };
    for (const Bytes& datagram : datagrams) {
        Message message;

        EXPECT_EQ(decode(datagram, message), DecodeResult::kFormatError);
    }
}

struct OptionCase {
    Bytes encoded;
    uint16_t number;
    size_t length;
};

TEST(Unit, DecodeEveryDeltaForm) {
    const OptionCase cases[] = {
        {{0xc0}, 12, 0},                 // delta 12 in the nibble
        {{0xd0, 0x00}, 13, 0},           // delta nibble 13, one byte: 13 + 0
        {{0xd0, 0xff}, 268, 0},          // delta nibble 13, one byte: 13 + 255
        {{0xe0, 0x00, 0x00}, 269, 0},    // delta nibble 14, two bytes: 269 + 0
        {{0xe0, 0x02, 0xdb}, 1000, 0},   // delta nibble 14, two bytes: 269 + 731
        {{0xe0, 0xfe, 0xf2}, 65535, 0},  // delta nibble 14, two bytes: 269 + 65266
    };
    for (const OptionCase& test : cases) {
        SCOPED_TRACE(test.number);
        const Bytes datagram = with_header(0x40, test.encoded);
        Message message;

        ASSERT_EQ(decode(datagram, message), DecodeResult::kOk);
        ASSERT_EQ(message.option_count, 1);
        EXPECT_EQ(message.options[0].number, test.number);
        EXPECT_EQ(message.options[0].value.size(), test.length);
    }
}

TEST(Unit, DecodeEveryLengthForm) {
    struct LengthCase {
        Bytes option_header;
        size_t length;
    };
    const LengthCase cases[] = {
        {{0x10}, 0},                 // delta 1, length 0
        {{0x1c}, 12},                // delta 1, length 12 in the nibble
        {{0x1d, 0x00}, 13},          // length nibble 13, one byte: 13 + 0
        {{0x1d, 0xff}, 268},         // length nibble 13, one byte: 13 + 255
        {{0x1e, 0x00, 0x00}, 269},   // length nibble 14, two bytes: 269 + 0
        {{0x1e, 0x02, 0xdb}, 1000},  // length nibble 14, two bytes: 269 + 731
    };
    for (const LengthCase& test : cases) {
        SCOPED_TRACE(test.length);
        Bytes encoded = test.option_header;
        encoded.insert(encoded.end(), test.length, 0x5a);
        encoded.push_back(0xff);  // payload marker
        encoded.push_back('p');   // payload
        const Bytes datagram = with_header(0x40, encoded);
        Message message;

        ASSERT_EQ(decode(datagram, message), DecodeResult::kOk);
        ASSERT_EQ(message.option_count, 1);
        EXPECT_EQ(message.options[0].number, option::kIfMatch);
        EXPECT_EQ(message.options[0].value.size(), test.length);
        EXPECT_EQ(as_string(message.payload), "p");
    }
}

TEST(Unit, DecodeDeltaAndLengthBothExtended) {
    Bytes encoded = {
        0xdd, 0x0a, 0x01,  // delta 13 + 10 = 23 (Block2), length 13 + 1 = 14
    };
    encoded.insert(encoded.end(), 14, 0x42);
    encoded.push_back(0xe1);  // delta nibble 14, length 1
    encoded.push_back(0x00);  // delta 269 + 0: option 23 + 269 = 292
    encoded.push_back(0x00);
    encoded.push_back(0x07);  // the one-byte value
    const Bytes datagram = with_header(0x40, encoded);
    Message message;

    ASSERT_EQ(decode(datagram, message), DecodeResult::kOk);
    ASSERT_EQ(message.option_count, 2);
    EXPECT_EQ(message.options[0].number, option::kBlock2);
    EXPECT_EQ(message.options[0].value.size(), 14u);
    EXPECT_EQ(message.options[1].number, 292);
    EXPECT_EQ(to_bytes(message.options[1].value), Bytes{0x07});
}

TEST(Unit, DecodeReservedNibbleRejected) {
    const Bytes options[] = {
        {0xf0},        // delta nibble 15, length 0
        {0xf1, 0x00},  // delta nibble 15, length 1
        {0x0f},        // delta 0, length nibble 15
        {0x1f, 0x00},  // delta 1, length nibble 15
        {0xdf, 0x00},  // delta nibble 13, length nibble 15
    };
    for (const Bytes& option : options) {
        SCOPED_TRACE(option[0]);
        const Bytes datagram = with_header(0x40, option);
        Message message;

        EXPECT_EQ(decode(datagram, message), DecodeResult::kFormatError);
        EXPECT_EQ(message.message_id, 0x1234);
    }
}

TEST(Unit, DecodeMarkerWithoutPayloadRejected) {
    const Bytes datagrams[] = {
        with_header(0x40, {0xff}),             // marker right after the header
        with_header(0x41, {0x99, 0xff}),       // marker after a token
        with_header(0x40, {0xb1, '1', 0xff}),  // marker after an option
    };
    for (const Bytes& datagram : datagrams) {
        Message message;

        EXPECT_EQ(decode(datagram, message), DecodeResult::kFormatError);
    }
}

TEST(Unit, DecodeOptionPastEndRejected) {
    const Bytes options[] = {
        {0xb3, 'a', 'b'},        // Uri-Path, length 3, two bytes present
        {0x1d},                  // length nibble 13, its byte missing
        {0x1e, 0x00},            // length nibble 14, one of its two bytes missing
        {0xd0},                  // delta nibble 13, its byte missing
        {0xe0, 0x01},            // delta nibble 14, one of its two bytes missing
        {0x1d, 0x00, 'a', 'b'},  // length 13, two bytes present
    };
    for (const Bytes& option : options) {
        SCOPED_TRACE(option.size());
        const Bytes datagram = with_header(0x40, option);
        Message message;

        EXPECT_EQ(decode(datagram, message), DecodeResult::kFormatError);
    }
}

TEST(Unit, DecodeOptionNumberOverflowRejected) {
    const Bytes sum_overflow = with_header(0x40, {
                                                     0xe0, 0xfe, 0xf2,  // option 65535, empty
                                                     0x10,              // delta 1: option 65536
                                                 });
    const Bytes single_delta = with_header(0x40, {
                                                     0xe0, 0xff, 0xff,  // delta 269 + 65535
                                                 });
    Message message;

    EXPECT_EQ(decode(sum_overflow, message), DecodeResult::kFormatError);
    EXPECT_EQ(decode(single_delta, message), DecodeResult::kFormatError);
}

TEST(Unit, DecodeMaxOptionsAccepted) {
    Bytes rest = {
        0x5c,       // token
        0xb1, 'a',  // Uri-Path "a"
    };
    for (int i = 1; i < LWM2M_MAX_OPTIONS; ++i) {
        rest.push_back(0x01);  // Uri-Path: delta 0, length 1
        rest.push_back('a');
    }
    const Bytes datagram = with_header(0x41, rest);
    Message message;

    ASSERT_EQ(decode(datagram, message), DecodeResult::kOk);
    EXPECT_EQ(message.option_count, LWM2M_MAX_OPTIONS);
}

TEST(Unit, DecodeTooManyOptionsKeepsHeader) {
    Bytes rest = {
        0x5c, 0x5d,  // token
        0xb1, 'a',   // Uri-Path "a"
    };
    for (int i = 1; i < LWM2M_MAX_OPTIONS + 2; ++i) {
        rest.push_back(0x01);  // Uri-Path: delta 0, length 1
        rest.push_back('a');
    }
    rest.push_back(0xff);  // payload marker
    rest.push_back('x');
    Bytes datagram = {
        0x52,        // version 1, NON, token length 2
        0x02,        // POST
        0x43, 0x21,  // message ID
    };
    datagram.insert(datagram.end(), rest.begin(), rest.end());
    Message message;

    ASSERT_EQ(decode(datagram, message), DecodeResult::kTooManyOptions);
    EXPECT_EQ(message.type, Type::kNonConfirmable);
    EXPECT_EQ(message.code, code::kPost);
    EXPECT_EQ(message.message_id, 0x4321);
    EXPECT_EQ(to_bytes(message.token_view()), (Bytes{0x5c, 0x5d}));
    EXPECT_EQ(message.option_count, LWM2M_MAX_OPTIONS);
}

TEST(Unit, DecodeResetsPreviousMessage) {
    const Bytes with_options = with_header(0x41, {0x01, 0xb1, 'a', 0xff, 'x'});
    const Bytes bare = with_header(0x40, {});
    Message message;

    ASSERT_EQ(decode(with_options, message), DecodeResult::kOk);
    ASSERT_EQ(decode(bare, message), DecodeResult::kOk);

    EXPECT_EQ(message.token_length, 0);
    EXPECT_EQ(message.option_count, 0);
    EXPECT_TRUE(message.payload.empty());
}

Message decode_uint_option(const Bytes& datagram) {
    Message message;
    EXPECT_EQ(decode(datagram, message), DecodeResult::kOk);
    return message;
}

TEST(Unit, FindUintOfZeroToFourBytes) {
    struct UintCase {
        Bytes value;
        uint32_t expected;
    };
    const UintCase cases[] = {
        {{}, 0},
        {{0x01}, 0x01},
        {{0x01, 0x02}, 0x0102},
        {{0x01, 0x02, 0x03}, 0x010203},
        {{0xff, 0xfe, 0xfd, 0xfc}, 0xfffefdfc},
        {{0x00, 0x00, 0x2a}, 42},  // leading zero bytes are tolerated
    };
    for (const UintCase& test : cases) {
        SCOPED_TRACE(test.value.size());
        // Max-Age (14): delta nibble 13, one byte 1, then the length nibble.
        Bytes encoded = {static_cast<uint8_t>(0xd0 | test.value.size()), 0x01};
        encoded.insert(encoded.end(), test.value.begin(), test.value.end());
        const Bytes datagram = with_header(0x40, encoded);
        const Message message = decode_uint_option(datagram);
        uint32_t value = 0xdeadbeef;

        ASSERT_TRUE(message.find_uint(option::kMaxAge, value));
        EXPECT_EQ(value, test.expected);
    }
}

TEST(Unit, FindUintRejectsLongOrAbsent) {
    const Bytes datagram = with_header(0x40, {
                                                 0xc5, 1, 2, 3, 4, 5,  // Content-Format, 5 bytes
                                                 0x53, 1, 2, 3,        // Accept (17), 3 bytes
                                             });
    const Message message = decode_uint_option(datagram);
    uint32_t value = 7;

    EXPECT_FALSE(message.find_uint(option::kContentFormat, value));
    EXPECT_FALSE(message.find_uint(option::kAccept, value, 2));
    EXPECT_FALSE(message.find_uint(option::kObserve, value));
    EXPECT_EQ(value, 7u);
    EXPECT_TRUE(message.find_uint(option::kAccept, value, 3));
    EXPECT_EQ(value, 0x010203u);
}

TEST(Unit, FindUintMaxLengthAboveFour) {
    // Five bytes stay rejected even when the caller allows more, because the
    // value has to fit 32 bits.
    const Bytes datagram = with_header(0x40, {0xc5, 1, 2, 3, 4, 5});
    const Message message = decode_uint_option(datagram);
    uint32_t value = 0;

    EXPECT_FALSE(message.find_uint(option::kContentFormat, value, 8));
}

TEST(Unit, FindReturnsFirstOfRepeated) {
    const Bytes datagram = with_header(0x40, {
                                                 0xb1, 'a',  // Uri-Path "a"
                                                 0x01, 'b',  // Uri-Path "b"
                                             });
    const Message message = decode_uint_option(datagram);

    const Option* found = message.find(option::kUriPath);

    ASSERT_NE(found, nullptr);
    EXPECT_EQ(as_string(found->value), "a");
    EXPECT_EQ(message.find(option::kUriQuery), nullptr);
}

// ---------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------

TEST(Unit, EncodeWriteRequestBytes) {
    std::array<uint8_t, 64> buffer{};
    MessageWriter writer(buffer);
    const uint8_t token[] = {0x01, 0x02};

    writer.header(Type::kConfirmable, code::kPut, 0xbeef, token);
    writer.add_option(option::kUriPath, "1");
    writer.add_option(option::kUriPath, "0");
    writer.add_option(option::kUriPath, "1");
    writer.add_uint_option(option::kContentFormat, format::kTextPlain);
    writer.append_payload("30");

    const Bytes expected = {
        0x42,        // version 1, CON, token length 2
        0x03,        // code 0.03 PUT
        0xbe, 0xef,  // message ID
        0x01, 0x02,  // token
        0xb1, '1',   // Uri-Path (11): delta 11, length 1
        0x01, '0',   // Uri-Path: delta 0, length 1
        0x01, '1',   // Uri-Path: delta 0, length 1
        0x10,        // Content-Format (12): delta 1, length 0, so text/plain (0)
        0xff,        // payload marker
        '3',  '0',   // payload
    };
    EXPECT_FALSE(writer.overflow());
    EXPECT_EQ(to_bytes(writer.bytes()), expected);
}

TEST(Unit, EncodeExtendedDeltaAndLength) {
    std::array<uint8_t, 64> buffer{};
    MessageWriter writer(buffer);

    writer.header(Type::kNonConfirmable, code::kContent, 0x0102, {});
    writer.add_option(option::kUriHost, "example.local");  // 13 characters
    writer.add_uint_option(option::kSize1, 1024);
    writer.add_uint_option(option::kNoResponse, 26);
    writer.add_option(1000, std::span<const uint8_t>{});

    const Bytes expected = {
        0x50,        // version 1, NON, token length 0
        0x45,        // code 2.05 Content
        0x01, 0x02,  // message ID
        0x3d, 0x00,  // Uri-Host (3): delta 3, length nibble 13, one byte: 13 + 0
        'e',  'x',  'a',  'm', 'p', 'l', 'e', '.', 'l', 'o', 'c', 'a', 'l',  // "example.local"
        0xd2, 0x2c,        // Size1 (60): delta nibble 13, one byte: 13 + 44 = 57, length 2
        0x04, 0x00,        // 1024
        0xd1, 0xb9,        // No-Response (258): delta nibble 13, 13 + 185 = 198, length 1
        0x1a,              // 26
        0xe0, 0x01, 0xd9,  // option 1000: delta nibble 14, two bytes: 269 + 473 = 742
    };
    EXPECT_FALSE(writer.overflow());
    EXPECT_EQ(to_bytes(writer.bytes()), expected);
}

TEST(Unit, EncodeEmptyMessageBytes) {
    std::array<uint8_t, 4> buffer{};
    MessageWriter writer(buffer);

    writer.header(Type::kAcknowledgement, code::kEmpty, 0xffff, {});

    const Bytes expected = {
        0x60,        // version 1, ACK, token length 0
        0x00,        // code 0.00 Empty
        0xff, 0xff,  // message ID
    };
    EXPECT_FALSE(writer.overflow());
    EXPECT_EQ(to_bytes(writer.bytes()), expected);
}

struct RoundTripOption {
    uint16_t number;
    Bytes value;
};

// Encodes, decodes and compares every field.
void expect_round_trip(Type type, uint8_t message_code, uint16_t message_id, const Bytes& token,
                       const std::vector<RoundTripOption>& options, const Bytes& payload) {
    // Room for 16 options of 600 bytes and a 300-byte payload.
    std::vector<uint8_t> buffer(16384);
    MessageWriter writer(buffer);
    writer.header(type, message_code, message_id, token);
    for (const RoundTripOption& option : options) {
        writer.add_option(option.number, option.value);
    }
    writer.append_payload(payload);
    ASSERT_FALSE(writer.overflow());

    Message message;
    ASSERT_EQ(decode(writer.bytes(), message), DecodeResult::kOk);

    EXPECT_EQ(message.type, type);
    EXPECT_EQ(message.code, message_code);
    EXPECT_EQ(message.message_id, message_id);
    EXPECT_EQ(to_bytes(message.token_view()), token);
    ASSERT_EQ(message.option_count, options.size());
    for (size_t i = 0; i < options.size(); ++i) {
        EXPECT_EQ(message.options[i].number, options[i].number);
        EXPECT_EQ(to_bytes(message.options[i].value), options[i].value);
    }
    EXPECT_EQ(to_bytes(message.payload), payload);
}

TEST(Unit, EncodeDecodeRoundTrips) {
    // Numbers and lengths on each side of the nibble, one-byte and two-byte forms.
    const uint16_t numbers[] = {0, 1, 11, 12, 13, 14, 268, 269, 270, 1000, 65000, 65535};
    const size_t lengths[] = {0, 1, 12, 13, 14, 268, 269, 270, 600};
    const Type types[] = {Type::kConfirmable, Type::kNonConfirmable, Type::kAcknowledgement,
                          Type::kReset};
    const uint8_t codes[] = {code::kGet, code::kPost, code::kContent, code::kNotFound,
                             make_code(7, 31)};

    // A fixed linear congruential generator keeps the cases varied and repeatable.
    uint32_t state = 12345;
    auto next = [&state] {
        state = state * 1103515245u + 12345u;
        return state >> 8;
    };
    int cases = 0;
    for (size_t token_length = 0; token_length <= kMaxTokenLength; ++token_length) {
        for (int variant = 0; variant < 40; ++variant) {
            Bytes token(token_length);
            for (uint8_t& byte : token) {
                byte = static_cast<uint8_t>(next());
            }

            std::vector<RoundTripOption> options;
            const size_t option_count = next() % (LWM2M_MAX_OPTIONS + 1);
            uint16_t number = 0;
            for (size_t i = 0; i < option_count; ++i) {
                const uint16_t step = numbers[next() % std::size(numbers)];
                if (number > 65535 - step) {
                    break;
                }
                number = static_cast<uint16_t>(number + (i == 0 ? step : step % 300));
                Bytes value(lengths[next() % std::size(lengths)]);
                for (uint8_t& byte : value) {
                    byte = static_cast<uint8_t>(next());
                }
                options.push_back({number, value});
            }

            Bytes payload(next() % 3 == 0 ? 0 : next() % 300 + 1);
            for (uint8_t& byte : payload) {
                byte = static_cast<uint8_t>(next());
            }
            SCOPED_TRACE(testing::Message()
                         << "token length " << token_length << ", variant " << variant);
            expect_round_trip(types[next() % std::size(types)], codes[next() % std::size(codes)],
                              static_cast<uint16_t>(next()), token, options, payload);
            ++cases;
        }
    }
    EXPECT_EQ(cases, 9 * 40);
}

TEST(Unit, EncodeDecodeRoundTripEdgeOptions) {
    expect_round_trip(Type::kConfirmable, code::kGet, 0, {}, {{65535, {}}}, {});
    expect_round_trip(Type::kConfirmable, code::kGet, 0, {}, {{0, {}}, {0, {1}}}, {0xff});
    expect_round_trip(Type::kNonConfirmable, code::kPost, 65535, Bytes(8, 0xff),
                      {{268, Bytes(268, 1)}, {537, Bytes(269, 2)}, {65535, Bytes(1000, 3)}},
                      Bytes(1, 0));
}

TEST(Unit, UintOptionUsesMinimalLength) {
    struct UintCase {
        uint32_t value;
        Bytes encoded;
    };
    const UintCase cases[] = {
        {0, {}},
        {1, {0x01}},
        {255, {0xff}},
        {256, {0x01, 0x00}},
        {65535, {0xff, 0xff}},
        {65536, {0x01, 0x00, 0x00}},
        {0xffffff, {0xff, 0xff, 0xff}},
        {0x1000000, {0x01, 0x00, 0x00, 0x00}},
        {0xffffffff, {0xff, 0xff, 0xff, 0xff}},
    };
    for (const UintCase& test : cases) {
        SCOPED_TRACE(test.value);
        std::array<uint8_t, 16> buffer{};
        MessageWriter writer(buffer);
        writer.header(Type::kConfirmable, code::kGet, 1, {});
        writer.add_uint_option(option::kObserve, test.value);

        Bytes expected = {0x40, 0x01, 0x00, 0x01};  // CON GET, message ID 1, no token
        // Observe (6): delta 6, then the length nibble and the value bytes.
        expected.push_back(static_cast<uint8_t>(0x60 | test.encoded.size()));
        expected.insert(expected.end(), test.encoded.begin(), test.encoded.end());
        ASSERT_FALSE(writer.overflow());
        EXPECT_EQ(to_bytes(writer.bytes()), expected);

        Message message;
        ASSERT_EQ(decode(writer.bytes(), message), DecodeResult::kOk);
        uint32_t value = 0;
        ASSERT_TRUE(message.find_uint(option::kObserve, value));
        EXPECT_EQ(value, test.value);
    }
}

TEST(Unit, OptionOutOfOrderSetsOverflow) {
    std::array<uint8_t, 32> buffer{};
    MessageWriter writer(buffer);
    writer.header(Type::kConfirmable, code::kGet, 1, {});
    writer.add_option(option::kUriQuery, "a");
    const size_t size_before = writer.size();

    writer.add_option(option::kUriPath, "b");

    EXPECT_TRUE(writer.overflow());
    EXPECT_EQ(writer.size(), size_before);
}

TEST(Unit, OptionAfterPayloadSetsOverflow) {
    std::array<uint8_t, 32> buffer{};
    MessageWriter writer(buffer);
    writer.header(Type::kConfirmable, code::kGet, 1, {});
    writer.append_payload("x");

    writer.add_option(option::kUriPath, "b");

    EXPECT_TRUE(writer.overflow());
}

TEST(Unit, TokenLongerThanEightSetsOverflow) {
    std::array<uint8_t, 32> buffer{};
    MessageWriter writer(buffer);
    const uint8_t token[9] = {};

    writer.header(Type::kConfirmable, code::kGet, 1, token);

    EXPECT_TRUE(writer.overflow());
}

TEST(Unit, HeaderAgainStartsOver) {
    std::array<uint8_t, 32> buffer{};
    MessageWriter writer(buffer);
    writer.header(Type::kConfirmable, code::kGet, 1, {});
    writer.add_option(option::kUriQuery, "a");
    writer.add_option(option::kUriPath, "b");  // out of order: overflow
    ASSERT_TRUE(writer.overflow());

    writer.header(Type::kAcknowledgement, code::kEmpty, 2, {});
    writer.add_option(option::kUriPath, "b");

    EXPECT_FALSE(writer.overflow());
    EXPECT_EQ(to_bytes(writer.bytes()), (Bytes{0x60, 0x00, 0x00, 0x02, 0xb1, 'b'}));
}

TEST(Unit, SetCodeReplacesHeaderCode) {
    std::array<uint8_t, 32> buffer{};
    MessageWriter writer(buffer);
    writer.header(Type::kAcknowledgement, code::kEmpty, 7, {});
    writer.append_payload("ok");

    writer.set_code(code::kContent);

    EXPECT_EQ(to_bytes(writer.bytes()),
              (Bytes{0x60, 0x45, 0x00, 0x07, 0xff, 'o', 'k'}));  // ACK 2.05, payload "ok"
}

TEST(Unit, EmptyPayloadWritesNoMarker) {
    std::array<uint8_t, 32> buffer{};
    MessageWriter writer(buffer);
    writer.header(Type::kConfirmable, code::kGet, 1, {});

    writer.append_payload("");
    writer.append_payload(std::span<const uint8_t>{});

    EXPECT_EQ(writer.size(), 4u);
}

TEST(Unit, PayloadAppendsShareOneMarker) {
    std::array<uint8_t, 32> buffer{};
    MessageWriter writer(buffer);
    writer.header(Type::kConfirmable, code::kGet, 1, {});

    writer.append_payload("ab");
    writer.append_payload("cd");

    EXPECT_EQ(to_bytes(writer.bytes()), (Bytes{0x40, 0x01, 0x00, 0x01, 0xff, 'a', 'b', 'c', 'd'}));
}

// Writes a message with a token, options of each length form and a payload.
void write_sample(MessageWriter& writer) {
    const uint8_t token[] = {1, 2, 3, 4, 5, 6, 7, 8};
    writer.header(Type::kConfirmable, code::kPost, 0x1111, token);
    writer.add_option(option::kUriPath, "rd");
    writer.add_option(option::kUriPath, "abcdefghijklmnopq");
    writer.add_uint_option(option::kContentFormat, format::kLinkFormat);
    writer.add_option(option::kUriQuery, "ep=endpoint-name-longer-than-thirteen");
    writer.add_option(option::kNoResponse, as_span("x"));
    writer.append_payload("</1/0>,</3/0>");
    writer.append_payload_int(-42);
}

TEST(Unit, SmallBufferNeverWrittenPast) {
    constexpr uint8_t kGuard = 0xa5;
    constexpr size_t kGuardSize = 16;

    std::array<uint8_t, 256> reference{};
    MessageWriter full(reference);
    write_sample(full);
    ASSERT_FALSE(full.overflow());
    const size_t needed = full.size();

    for (size_t capacity = 0; capacity <= needed; ++capacity) {
        SCOPED_TRACE(capacity);
        std::vector<uint8_t> memory(kGuardSize + capacity + kGuardSize, kGuard);
        const std::span<uint8_t> inner = std::span(memory).subspan(kGuardSize, capacity);
        MessageWriter writer(inner);

        write_sample(writer);

        EXPECT_EQ(writer.overflow(), capacity < needed);
        EXPECT_LE(writer.size(), capacity);
        for (size_t i = 0; i < kGuardSize; ++i) {
            ASSERT_EQ(memory[i], kGuard) << "guard byte before the buffer, index " << i;
            ASSERT_EQ(memory[kGuardSize + capacity + i], kGuard)
                << "guard byte after the buffer, index " << i;
        }
    }
}

TEST(Unit, FullBufferMatchesReference) {
    std::array<uint8_t, 256> reference{};
    MessageWriter full(reference);
    write_sample(full);
    std::vector<uint8_t> exact(full.size());
    MessageWriter writer(exact);

    write_sample(writer);

    EXPECT_FALSE(writer.overflow());
    EXPECT_EQ(to_bytes(writer.bytes()), to_bytes(full.bytes()));
}

std::string payload_of(void (*append)(MessageWriter&)) {
    std::array<uint8_t, 64> buffer{};
    MessageWriter writer(buffer);
    writer.header(Type::kAcknowledgement, code::kContent, 1, {});
    append(writer);
    EXPECT_FALSE(writer.overflow());
    Message message;
    EXPECT_EQ(decode(writer.bytes(), message), DecodeResult::kOk);
    return as_string(message.payload);
}

TEST(Unit, PayloadIntFormatsExtremes) {
    EXPECT_EQ(payload_of([](MessageWriter& w) { w.append_payload_int(INT64_MIN); }),
              "-9223372036854775808");
    EXPECT_EQ(payload_of([](MessageWriter& w) { w.append_payload_int(INT64_MAX); }),
              "9223372036854775807");
    EXPECT_EQ(payload_of([](MessageWriter& w) { w.append_payload_int(-1); }), "-1");
    EXPECT_EQ(payload_of([](MessageWriter& w) { w.append_payload_int(0); }), "0");
}

TEST(Unit, PayloadUintFormatsExtremes) {
    EXPECT_EQ(payload_of([](MessageWriter& w) { w.append_payload_uint(0); }), "0");
    EXPECT_EQ(payload_of([](MessageWriter& w) { w.append_payload_uint(UINT64_MAX); }),
              "18446744073709551615");
}

TEST(Unit, FormatUintWritesDigits) {
    struct FormatCase {
        uint64_t value;
        std::string text;
    };
    const FormatCase cases[] = {
        {0, "0"}, {9, "9"}, {10, "10"}, {65535, "65535"}, {UINT64_MAX, "18446744073709551615"},
    };
    for (const FormatCase& test : cases) {
        SCOPED_TRACE(test.text);
        char out[24];
        std::memset(out, '#', sizeof(out));

        const size_t length = format_uint(test.value, out);

        ASSERT_EQ(length, test.text.size());
        EXPECT_EQ(std::string(out, length), test.text);
        EXPECT_EQ(out[length], '#');  // no terminator is written
    }
}

TEST(Unit, FormatUintExactFit) {
    char out[5];

    const size_t length = format_uint(65535, out);

    EXPECT_EQ(length, 5u);
    EXPECT_EQ(std::string(out, 5), "65535");
}

TEST(Unit, FormatUintTooShortWritesNothing) {
    char out[4] = {'#', '#', '#', '#'};

    EXPECT_EQ(format_uint(65535, out), 0u);
    EXPECT_EQ(format_uint(1, std::span<char>{}), 0u);
    EXPECT_EQ(std::string(out, 4), "####");
}

}  // namespace
}  // namespace lwm2m::coap
