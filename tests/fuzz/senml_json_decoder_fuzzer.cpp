// Fuzz target for the SenML JSON decoder: reads every entry of arbitrary
// bytes with every data type and checks that views stay inside the payload or
// the scratch buffer. When the whole payload decodes, it encodes the typed
// values again with encode_senml_json() and checks that a second decode
// returns the same paths, values and timestamps.
//
// Built with LWM2M_FUZZ_NO_ENTRY_POINT, the file only defines
// run_senml_json_decoder(), for replaying the seed corpus in unit tests.
#include <cstddef>
#include <cstdint>
#include <span>

#include "decoder_checks.hpp"
#include "io/senml_json.hpp"

namespace lwm2m::fuzz {

void run_senml_json_decoder(std::span<const uint8_t> input);

namespace {

constexpr size_t kScratchSize = 1024;

// Decodes `input` with a root request path. Values are read with
// kPreferredTypes, or with the types of `types_from` where it has an entry.
void decode_all(std::span<const uint8_t> input, DecodedEntries& decoded,
                const DecodedEntries* types_from) {
    static uint8_t scratch[kScratchSize];
    io::SenmlJsonDecoder decoder(input, Path(), scratch);
    ReadRules rules;
    rules.payload = input;
    rules.scratch = scratch;
    rules.typed = true;
    decode_entries(decoder, rules, decoded, types_from, true);
}

// Encoders take resources and resource instances only.
bool resources_only(const DecodedEntries& decoded) {
    for (size_t i = 0; i < decoded.count; ++i) {
        if (decoded.records[i].path.length < 3) {
            return false;
        }
    }
    return true;
}

}  // namespace

void run_senml_json_decoder(std::span<const uint8_t> input) {
    check_round_trip(input, decode_all, resources_only, io::encode_senml_json, true);
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_senml_json_decoder({data, size});
    return 0;
}
#endif
