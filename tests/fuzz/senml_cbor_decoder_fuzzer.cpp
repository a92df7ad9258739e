// Fuzz target for the SenML CBOR decoder: reads every entry as each data type
// and checks paths, value types and termination.
#include <cstddef>
#include <cstdint>
#include <span>

#include "decoder_checks.hpp"
#include "io/senml_cbor.hpp"

using lwm2m::fuzz::check;

// The library is built without RTTI, so UBSan's vptr check, which needs the
// decoder's typeinfo, is turned off for this function.
extern "C" __attribute__((no_sanitize("vptr"))) int LLVMFuzzerTestOneInput(const uint8_t* data,
                                                                           size_t size) {
    using namespace lwm2m;
    const std::span<const uint8_t> input(data, size);
    const DataType types[] = {DataType::kInteger,         DataType::kFloat,  DataType::kString,
                              DataType::kBoolean,         DataType::kOpaque, DataType::kObjlnk,
                              DataType::kUnsignedInteger, DataType::kTime};
    const Path request = Path::object(3);

    io::SenmlCborDecoder decoder(input, request, 1700000000);
    // Each entry consumes at least one byte, so size + 1 calls reach the end.
    for (size_t i = 0; i <= size; ++i) {
        Path path;
        const Status status = decoder.next_entry(path);
        if (status != Status::kOk) {
            check(status == Status::kNotFound || status == Status::kMalformed ||
                      status == Status::kMessageTooLarge,
                  "unexpected next_entry status");
            return 0;
        }
        check(request.contains(path), "entry outside the request path");
        Value value;
        const DataType type = types[i % (sizeof(types) / sizeof(types[0]))];
        if (decoder.read_value(type, value) == Status::kOk) {
            check(value.type == type, "value of another type");
        }
    }
    check(false, "more entries than input bytes");
    return 0;
}
