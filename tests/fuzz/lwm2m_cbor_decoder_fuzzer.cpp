// Fuzz target for the LwM2M CBOR decoder: reads every entry of arbitrary
// bytes with every data type and checks paths, value types, views and
// termination. When the whole payload decodes and its entries are in
// ascending order, it encodes the typed values again with
// encode_lwm2m_cbor() and checks that a second decode returns the same
// paths and values.
//
// Built with LWM2M_FUZZ_NO_ENTRY_POINT, the file only defines
// run_lwm2m_cbor_decoder(), for replaying the seed corpus in unit tests.
#include <cstddef>
#include <cstdint>
#include <span>

#include "decoder_checks.hpp"
#include "io/lwm2m_cbor.hpp"

namespace lwm2m::fuzz {

void run_lwm2m_cbor_decoder(std::span<const uint8_t> input);

namespace {

// Decodes `input` with a root request path. Values are read with
// kPreferredTypes, or with the types of `types_from` where it has an entry.
void decode_all(std::span<const uint8_t> input, DecodedEntries& decoded,
                const DecodedEntries* types_from) {
    io::Lwm2mCborDecoder decoder(input, Path());
    ReadRules rules;
    rules.payload = input;
    rules.internal_scratch_size = io::Lwm2mCborDecoder::kScratchSize;
    rules.typed = true;
    decode_entries(decoder, rules, decoded, types_from, false);
}

}  // namespace

void run_lwm2m_cbor_decoder(std::span<const uint8_t> input) {
    check_round_trip(input, decode_all, ascending_resources, io::encode_lwm2m_cbor, false);
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
// The library is built without RTTI, so UBSan's vptr check, which needs the
// decoder's typeinfo, is turned off for this function.
extern "C" __attribute__((no_sanitize("vptr"))) int LLVMFuzzerTestOneInput(const uint8_t* data,
                                                                           size_t size) {
    lwm2m::fuzz::run_lwm2m_cbor_decoder({data, size});
    return 0;
}
#endif
