// Fuzz target for the CoAP decoder: decodes arbitrary bytes and, when they
// decode, encodes the message again with MessageWriter and checks that the
// second decode returns the same fields.
//
// The unit tests compile this file with LWM2M_FUZZ_NO_ENTRY_POINT to replay
// the seed corpus without libFuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "coap/message.hpp"
#include "fuzz_targets.hpp"

namespace lwm2m::fuzz {
namespace {

using coap::DecodeResult;
using coap::Message;

[[noreturn]] void fail(const char* reason) {
    std::fprintf(stderr, "coap_decode_fuzzer: %s\n", reason);
    std::abort();
}

void check(bool condition, const char* reason) {
    if (!condition) {
        fail(reason);
    }
}

bool same_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// Encodes `message` into `buffer` and returns the bytes written.
std::span<const uint8_t> encode(const Message& message, std::span<uint8_t> buffer) {
    coap::MessageWriter writer(buffer);
    writer.header(message.type, message.code, message.message_id, message.token_view());
    for (uint8_t i = 0; i < message.option_count; ++i) {
        writer.add_option(message.options[i].number, message.options[i].value);
    }
    writer.append_payload(message.payload);
    check(!writer.overflow(), "re-encoding a decoded message overflowed");
    return writer.bytes();
}

bool inside(std::span<const uint8_t> part, std::span<const uint8_t> whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

void check_views_inside(const Message& message, std::span<const uint8_t> input) {
    for (uint8_t i = 0; i < message.option_count; ++i) {
        check(inside(message.options[i].value, input), "option value outside the input");
    }
    check(inside(message.payload, input), "payload outside the input");
}

void check_same_fields(const Message& first, const Message& second) {
    check(first.type == second.type, "type changed");
    check(first.code == second.code, "code changed");
    check(first.message_id == second.message_id, "message ID changed");
    check(same_bytes(first.token_view(), second.token_view()), "token changed");
    check(first.option_count == second.option_count, "option count changed");
    for (uint8_t i = 0; i < first.option_count; ++i) {
        check(first.options[i].number == second.options[i].number, "option number changed");
        check(same_bytes(first.options[i].value, second.options[i].value), "option value changed");
    }
    check(same_bytes(first.payload, second.payload), "payload changed");
}

}  // namespace

void run_coap_decode(std::span<const uint8_t> input) {
    Message first;
    const DecodeResult result = coap::decode(input, first);
    if (result != DecodeResult::kOk) {
        check(first.option_count <= LWM2M_MAX_OPTIONS, "option count above the capacity");
        return;
    }
    check(first.token_length <= coap::kMaxTokenLength, "token longer than 8 bytes");
    check_views_inside(first, input);

    // Options, token and payload never take more room than they did in the
    // input, so a buffer of the input's size is always large enough.
    static uint8_t buffer[65536];
    if (input.size() > sizeof(buffer)) {
        return;
    }
    const std::span<const uint8_t> encoded = encode(first, std::span(buffer, input.size()));

    Message second;
    check(coap::decode(encoded, second) == DecodeResult::kOk, "re-encoded message does not decode");
    check_same_fields(first, second);

    // The decoder accepts only the shortest option forms that the encoder
    // writes, so the bytes must match as well.
    check(same_bytes(encoded, input), "re-encoded bytes differ from the input");
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_coap_decode({data, size});
    return 0;
}
#endif
