// Fuzz target for the LwM2M JSON decoder: reads every entry of arbitrary
// bytes with every data type and checks paths, value types, views into the
// payload or the scratch buffers, and termination. When the whole
// payload decodes and its entries are in ascending order, it encodes the
// typed values with encode_lwm2m_cbor() and checks that Lwm2mCborDecoder
// returns the same paths and values: a differential test of two decoders.
//
// Built with LWM2M_FUZZ_NO_ENTRY_POINT, the file only defines
// run_lwm2m_json_decoder(), for replaying the seed corpus in unit tests.
#include <cstddef>
#include <cstdint>
#include <span>

#include "decoder_checks.hpp"
#include "io/lwm2m_cbor.hpp"
#include "io/lwm2m_json.hpp"

namespace lwm2m::fuzz {

void run_lwm2m_json_decoder(std::span<const uint8_t> input);

namespace {

constexpr size_t kScratchSize = 1024;

uint8_t scratch[kScratchSize];

// Decodes `input` with a root request path, as LwM2M JSON or, with
// `types_from`, as LwM2M CBOR. Values are read with kPreferredTypes, or with
// the types of `types_from` where it has an entry.
void decode_all(std::span<const uint8_t> input, DecodedEntries& decoded,
                const DecodedEntries* types_from) {
    io::Lwm2mJsonDecoder json_decoder(input, Path(), scratch);
    io::Lwm2mCborDecoder cbor_decoder(input, Path());
    const bool is_json = types_from == nullptr;
    io::Decoder& decoder = is_json ? static_cast<io::Decoder&>(json_decoder)
                                   : static_cast<io::Decoder&>(cbor_decoder);
    ReadRules rules;
    rules.payload = input;
    rules.scratch = scratch;
    rules.internal_scratch_size = io::Lwm2mCborDecoder::kScratchSize;
    rules.typed = true;
    // LwM2M JSON entries name resources or resource instances only.
    rules.min_path_length = is_json ? 3 : 1;
    decode_entries(decoder, rules, decoded, types_from, false);
}

}  // namespace

void run_lwm2m_json_decoder(std::span<const uint8_t> input) {
    check_round_trip(input, decode_all, ascending_resources, io::encode_lwm2m_cbor, false);
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
// The library is built without RTTI, so UBSan's vptr check, which needs the
// decoder's typeinfo, is turned off for this function.
extern "C" __attribute__((no_sanitize("vptr"))) int LLVMFuzzerTestOneInput(const uint8_t* data,
                                                                           size_t size) {
    lwm2m::fuzz::run_lwm2m_json_decoder({data, size});
    return 0;
}
#endif
