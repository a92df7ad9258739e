// Fuzz target for the text/plain decoder. The input is the payload; it is
// read with every data type. Each value that reads is encoded again with
// encode_text_plain() and read again, and must be unchanged. A float that
// reads must also equal what strtod() makes of the same text, and text that
// has one canonical form (boolean, string, corelnk, opaque, none) must
// encode back to the input bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "decoder_checks.hpp"
#include "io/text_plain.hpp"

namespace lwm2m::fuzz {
namespace {

using io::TextPlainDecoder;

const Path kRequest = Path::resource(3, 0, 1);

bool same_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// Reads `payload` as `type`; returns the read status.
Status read(std::span<const uint8_t> payload, DataType type, std::span<uint8_t> buffer,
            Value& value) {
    TextPlainDecoder decoder(payload, kRequest, buffer);
    Path path;
    check(decoder.next_entry(path) == Status::kOk, "no entry");
    check(path == kRequest, "entry path is not the request path");
    const Status status = decoder.read_value(type, value);
    check(decoder.next_entry(path) == Status::kNotFound, "more than one entry");
    return status;
}

struct OneValue {
    Value value;

    static bool get(const void* context, size_t, io::OutputRecord& record) {
        record.path = kRequest;
        record.value = static_cast<const OneValue*>(context)->value;
        return true;
    }
};

std::vector<uint8_t> encode(const Value& value) {
    OneValue context{value};
    io::RecordSource source;
    source.count = 1;
    source.context = &context;
    source.get = &OneValue::get;
    std::vector<uint8_t> out(4 * 65536);
    io::PayloadSink sink(out);
    check(io::encode_text_plain(kRequest, source, sink) == Status::kOk,
          "encoding a decoded value failed");
    check(!sink.overflowed(), "encoded value too long");
    out.resize(sink.total());
    return out;
}

void check_float_matches_strtod(std::span<const uint8_t> payload, double value) {
    const std::string text(payload.begin(), payload.end());
    const double reference = std::strtod(text.c_str(), nullptr);
    check(std::memcmp(&value, &reference, sizeof(double)) == 0, "float differs from strtod");
}

bool has_canonical_text(DataType type) {
    return type == DataType::kNone || type == DataType::kBoolean || type == DataType::kString ||
           type == DataType::kCorelnk || type == DataType::kOpaque;
}

}  // namespace

void run_text_plain_decoder(std::span<const uint8_t> payload) {
    if (payload.size() > 65536) {
        return;
    }
    std::vector<uint8_t> buffer(payload.size());
    std::vector<uint8_t> second_buffer(payload.size());
    for (DataType type : kAllTypes) {
        Value first;
        const Status status = read(payload, type, buffer, first);
        check(status == Status::kOk || status == Status::kMalformed, "unexpected read status");
        if (status != Status::kOk) {
            continue;
        }
        check(first.type == type, "value has another type than requested");
        check(inside(first.bytes,
                     type == DataType::kOpaque ? std::span<const uint8_t>(buffer) : payload),
              "value view outside its buffer");
        if (type == DataType::kFloat) {
            check_float_matches_strtod(payload, first.floating);
        }

        const std::vector<uint8_t> encoded = encode(first);
        if (has_canonical_text(type)) {
            check(same_bytes(encoded, payload), "canonical text changed");
        }
        Value second;
        second_buffer.resize(encoded.size());
        check(read(encoded, type, second_buffer, second) == Status::kOk,
              "re-encoded value does not read");
        check(same_value(first, second, NanMatch::kSameBits), "value changed");
    }
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_text_plain_decoder({data, size});
    return 0;
}
#endif
