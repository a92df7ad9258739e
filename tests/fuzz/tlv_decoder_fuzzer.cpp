// Fuzz target for the TLV decoder. Input: one byte for the request path length
// (0 to 4, modulo 5), one byte that picks the data type of each entry, four
// big-endian 16-bit IDs of the request path, then the TLV payload.
//
// Every entry is read with every data type, and each value view must lie in
// the payload. When the whole payload decodes, the entries are encoded again
// with encode_tlv() and decoded again, and the values must be unchanged. A
// second encoding must then give the same bytes as the first.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "decoder_checks.hpp"
#include "io/tlv.hpp"

namespace lwm2m::fuzz {
namespace {

using io::TlvDecoder;

constexpr size_t kTypeCount = sizeof(kAllTypes) / sizeof(kAllTypes[0]);
constexpr size_t kHeaderSize = 10;

struct Entry {
    Path path;
    Value value;
};

// Reads the current entry with every type, then keeps it as the type that
// `selector` picks for its path, or as opaque when that type does not fit.
Value read_entry(TlvDecoder& decoder, const Path& path, uint8_t selector,
                 std::span<const uint8_t> payload) {
    ReadRules rules;
    rules.payload = payload;
    check_every_type(decoder, rules);
    const size_t pick = (selector + path.ids[2] + path.ids[3]) % kTypeCount;
    Value value;
    if (decoder.read_value(kAllTypes[pick], value) != Status::kOk) {
        check(decoder.read_value(DataType::kOpaque, value) == Status::kOk, "opaque read failed");
    }
    return value;
}

// Decodes the whole payload; false if it is malformed. Empty multiple
// resources are checked but not kept, because records cannot express them.
bool decode_all(std::span<const uint8_t> payload, const Path& request, uint8_t selector,
                std::vector<Entry>& entries) {
    TlvDecoder decoder(payload, request);
    for (size_t guard = 0; guard <= payload.size(); ++guard) {
        Path path;
        const Status status = decoder.next_entry(path);
        if (status == Status::kNotFound) {
            return true;
        }
        if (status == Status::kMalformed) {
            check(decoder.next_entry(path) == Status::kMalformed, "malformed state not kept");
            return false;
        }
        check(status == Status::kOk, "unexpected next_entry status");
        check(path.length == 3 || path.length == 4, "entry is not a resource or instance");
        check(request.contains(path), "entry outside the request path");

        if (decoder.empty_multiple_resource()) {
            check(path.length == 3, "empty multiple resource path is not a resource");
            Value value;
            check(decoder.read_value(DataType::kInteger, value) == Status::kOk &&
                      value.type == DataType::kNone,
                  "empty multiple resource value is not none");
            continue;
        }
        entries.push_back({path, read_entry(decoder, path, selector, payload)});
    }
    fail("decoder returned more entries than the payload has bytes");
}

struct EntrySource {
    const std::vector<Entry>* entries;

    static bool get(const void* context, size_t index, io::OutputRecord& record) {
        const auto* self = static_cast<const EntrySource*>(context);
        record.path = (*self->entries)[index].path;
        record.value = (*self->entries)[index].value;
        return true;
    }
};

// Encodes `entries`; false if the encoder rejects them (out of order or
// duplicate paths, which a payload may contain).
bool encode_all(const Path& request, const std::vector<Entry>& entries, std::vector<uint8_t>& out) {
    EntrySource context{&entries};
    io::RecordSource source;
    source.count = entries.size();
    source.context = &context;
    source.get = &EntrySource::get;
    io::PayloadSink sink(out);
    const Status status = io::encode_tlv(request, source, sink);
    if (status == Status::kInvalidArgument) {
        return false;
    }
    check(status == Status::kOk, "encoding decoded entries failed");
    check(!sink.overflowed(), "re-encoded payload longer than expected");
    out.resize(sink.total());
    return true;
}

}  // namespace

void run_tlv_decoder(std::span<const uint8_t> input) {
    if (input.size() < kHeaderSize) {
        return;
    }
    Path request;
    request.length = static_cast<uint8_t>(input[0] % 5);
    for (size_t i = 0; i < 4; ++i) {
        request.ids[i] = static_cast<uint16_t>(input[2 + 2 * i] << 8 | input[3 + 2 * i]);
    }
    const uint8_t selector = input[1];
    const std::span<const uint8_t> payload = input.subspan(kHeaderSize);

    std::vector<Entry> first;
    if (!decode_all(payload, request, selector, first)) {
        return;
    }

    // Canonical forms are never longer than the decoded ones, except that an
    // empty resource payload becomes a 2 or 3 byte Multiple Resource TLV.
    std::vector<uint8_t> encoded(payload.size() + 8);
    if (!encode_all(request, first, encoded)) {
        return;
    }

    std::vector<Entry> second;
    check(decode_all(encoded, request, selector, second), "re-encoded payload is malformed");
    check(first.size() == second.size(), "entry count changed");
    for (size_t i = 0; i < first.size(); ++i) {
        check(first[i].path == second[i].path, "entry path changed");
        check(same_value(first[i].value, second[i].value, NanMatch::kSameBits),
              "entry value changed");
    }

    std::vector<uint8_t> again(encoded.size() + 8);
    check(encode_all(request, second, again), "second encoding rejected");
    check(again == encoded, "second encoding differs");
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_tlv_decoder({data, size});
    return 0;
}
#endif
