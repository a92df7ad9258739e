// Fuzz target for the CBOR reader and the CBOR content format decoder: every
// payload must either be rejected or decode with views inside the input.
#include <cstddef>
#include <cstdint>
#include <span>

#include "decoder_checks.hpp"
#include "io/cbor_reader.hpp"
#include "io/cbor_value.hpp"

namespace {

using lwm2m::fuzz::check;

constexpr lwm2m::DataType kTypes[] = {
    lwm2m::DataType::kInteger, lwm2m::DataType::kUnsignedInteger, lwm2m::DataType::kFloat,
    lwm2m::DataType::kBoolean, lwm2m::DataType::kString,          lwm2m::DataType::kOpaque,
    lwm2m::DataType::kTime,    lwm2m::DataType::kObjlnk,          lwm2m::DataType::kCorelnk,
};

}  // namespace

// The library is built without RTTI, so UBSan's vptr check, which needs the
// decoder's typeinfo, is turned off for this function.
extern "C" __attribute__((no_sanitize("vptr"))) int LLVMFuzzerTestOneInput(const uint8_t* data,
                                                                           size_t size) {
    using namespace lwm2m;
    const std::span<const uint8_t> input(data, size);

    io::cbor::CborReader reader(input);
    if (reader.skip() == Status::kOk) {
        check(reader.offset() <= size, "reader offset past the input");
        check(reader.depth() == 0, "open containers after a whole item");
    }

    for (const DataType type : kTypes) {
        io::CborValueDecoder decoder(input, Path::resource(3, 0, 1));
        Path path;
        if (decoder.next_entry(path) != Status::kOk) {
            return 0;
        }
        Value value;
        if (decoder.read_value(type, value) == Status::kOk) {
            check(value.type == type, "value of another type");
        }
        check(decoder.next_entry(path) == Status::kNotFound, "a second entry");
    }
    return 0;
}
