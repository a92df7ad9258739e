// Fuzz target for the LwM2M JSON decoder: reads every entry of arbitrary
// bytes with every data type and checks paths, value types, views into the
// payload or the scratch buffers, and termination. When the whole
// payload decodes and its entries are in ascending order, it encodes the
// typed values with encode_lwm2m_cbor() and checks that Lwm2mCborDecoder
// returns the same paths and values: a differential test of two decoders.
//
// Built with LWM2M_FUZZ_NO_ENTRY_POINT, the file only defines
// run_lwm2m_json_decoder(), for replaying the seed corpus in unit tests.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "io/lwm2m_cbor.hpp"
#include "io/lwm2m_json.hpp"

namespace lwm2m::fuzz {

void run_lwm2m_json_decoder(std::span<const uint8_t> input);

namespace {

using io::Decoder;
using io::Lwm2mCborDecoder;
using io::Lwm2mJsonDecoder;
using io::OutputRecord;

[[noreturn]] void fail(const char* reason) {
    std::fprintf(stderr, "lwm2m_json_decoder_fuzzer: %s\n", reason);
    std::abort();
}

void check(bool condition, const char* reason) {
    if (!condition) {
        fail(reason);
    }
}

bool inside(std::span<const uint8_t> part, std::span<const uint8_t> whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

constexpr DataType kAllTypes[] = {
    DataType::kNone,    DataType::kInteger, DataType::kUnsignedInteger, DataType::kFloat,
    DataType::kBoolean, DataType::kString,  DataType::kOpaque,          DataType::kTime,
    DataType::kObjlnk,  DataType::kCorelnk,
};

// The type each entry is encoded again with: the first that reads, in an
// order that prefers the types that keep the most information.
constexpr DataType kPreferredTypes[] = {
    DataType::kBoolean, DataType::kObjlnk,          DataType::kOpaque, DataType::kString,
    DataType::kInteger, DataType::kUnsignedInteger, DataType::kFloat,
};

constexpr size_t kMaxEntries = 256;
constexpr size_t kArenaSize = 64 * 1024;
constexpr size_t kScratchSize = 1024;

uint8_t scratch[kScratchSize];

struct Decoded {
    OutputRecord records[kMaxEntries];
    size_t count = 0;
    uint8_t arena[kArenaSize];
    size_t arena_used = 0;
    bool complete = false;
};

// Reads the current entry with every type, then keeps the value of the first
// type of `preferred` that reads, copied into the arena.
bool read_entry(Decoder& decoder, std::span<const uint8_t> input,
                std::span<const DataType> preferred, Decoded& decoded, OutputRecord& record) {
    for (DataType type : kAllTypes) {
        Value value;
        const Status status = decoder.read_value(type, value);
        check(status == Status::kOk || status == Status::kMalformed ||
                  status == Status::kMessageTooLarge,
              "read_value returned an unexpected status");
        if (status == Status::kOk) {
            check(value.type == type || value.type == DataType::kNone, "value has another type");
            check(inside(value.bytes, input) || inside(value.bytes, scratch) ||
                      value.bytes.size() <= Lwm2mCborDecoder::kScratchSize,
                  "value bytes outside the payload and the scratch buffers");
        }
    }
    record.value = Value();
    for (DataType type : preferred) {
        Value value;
        if (decoder.read_value(type, value) != Status::kOk) {
            continue;
        }
        if (value.bytes.size() > kArenaSize - decoded.arena_used) {
            return false;
        }
        uint8_t* copy = decoded.arena + decoded.arena_used;
        if (!value.bytes.empty()) {
            std::memcpy(copy, value.bytes.data(), value.bytes.size());
        }
        decoded.arena_used += value.bytes.size();
        value.bytes = {copy, value.bytes.size()};
        record.value = value;
        break;
    }
    return true;
}

// Decodes `input` with a root request path, as LwM2M JSON or, with
// `types_from`, as LwM2M CBOR. Values are read with kPreferredTypes, or with
// the types of `types_from` where it has an entry.
void decode_all(std::span<const uint8_t> input, Decoded& decoded,
                const Decoded* types_from = nullptr) {
    Lwm2mJsonDecoder json_decoder(input, Path(), scratch);
    Lwm2mCborDecoder cbor_decoder(input, Path());
    Decoder& decoder = types_from == nullptr ? static_cast<Decoder&>(json_decoder)
                                             : static_cast<Decoder&>(cbor_decoder);
    Path path;
    bool room = true;
    Status status = Status::kOk;
    // Every entry consumes input, so the input size bounds the loop.
    for (size_t i = 0; i <= input.size(); ++i) {
        status = decoder.next_entry(path);
        if (status != Status::kOk) {
            break;
        }
        check(path.length >= 1 && path.length <= 4, "path length out of range");
        for (uint8_t k = 0; k < path.length; ++k) {
            check(path.ids[k] != 0xffff, "reserved ID in a path");
        }
        if (types_from == nullptr) {
            check(path.length >= 3, "JSON entry above a resource");
        }
        OutputRecord record;
        record.path = path;
        std::span<const DataType> preferred = kPreferredTypes;
        const bool has_type = types_from != nullptr && decoded.count < types_from->count;
        const DataType* type = has_type ? &types_from->records[decoded.count].value.type : nullptr;
        if (type != nullptr && *type != DataType::kNone) {
            preferred = {type, 1};
        }
        room = room && decoded.count < kMaxEntries &&
               read_entry(decoder, input, preferred, decoded, record);
        if (room) {
            decoded.records[decoded.count++] = record;
        }
    }
    check(status == Status::kNotFound || status == Status::kMalformed,
          "next_entry ended with an unexpected status");
    Path again;
    check(decoder.next_entry(again) == status, "final status is not sticky");
    decoded.complete = status == Status::kNotFound && room;
}

bool precedes(const Path& a, const Path& b) {
    const uint8_t common = a.length < b.length ? a.length : b.length;
    for (uint8_t i = 0; i < common; ++i) {
        if (a.ids[i] != b.ids[i]) {
            return a.ids[i] < b.ids[i];
        }
    }
    return a.length < b.length;
}

// True if the encoder takes the records: resources with values, strictly
// ascending, none below another.
bool encodable(const Decoded& decoded) {
    for (size_t i = 0; i < decoded.count; ++i) {
        const OutputRecord& record = decoded.records[i];
        if (record.path.length < 3 || record.value.type == DataType::kNone) {
            return false;
        }
        if (i > 0) {
            const Path& previous = decoded.records[i - 1].path;
            if (!precedes(previous, record.path) || previous.contains(record.path)) {
                return false;
            }
        }
    }
    return true;
}

bool same_value(const Value& a, const Value& b) {
    if (a.type != b.type || a.bytes.size() != b.bytes.size()) {
        return false;
    }
    if (!a.bytes.empty() && std::memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size()) != 0) {
        return false;
    }
    switch (a.type) {
        case DataType::kInteger:
        case DataType::kTime:
        case DataType::kUnsignedInteger:
            return a.unsigned_integer == b.unsigned_integer;
        case DataType::kFloat:
            // Every NaN is written as the same half-precision quiet NaN.
            if (std::isnan(a.floating)) {
                return std::isnan(b.floating);
            }
            return std::memcmp(&a.floating, &b.floating, sizeof a.floating) == 0;
        case DataType::kBoolean:
            return a.boolean == b.boolean;
        case DataType::kObjlnk:
            return a.objlnk.object_id == b.objlnk.object_id &&
                   a.objlnk.instance_id == b.objlnk.instance_id;
        default:
            return true;
    }
}

}  // namespace

void run_lwm2m_json_decoder(std::span<const uint8_t> input) {
    static Decoded first;
    static Decoded second;
    first = Decoded();
    second = Decoded();
    decode_all(input, first);
    if (!first.complete || !encodable(first)) {
        return;
    }

    io::RecordSource source;
    source.count = first.count;
    source.context = &first;
    source.get = [](const void* context, size_t index, OutputRecord& record) {
        record = static_cast<const Decoded*>(context)->records[index];
        return true;
    };
    static uint8_t encoded[256 * 1024];
    io::PayloadSink sink(encoded);
    check(io::encode_lwm2m_cbor(Path(), source, sink) == Status::kOk,
          "decoded values do not encode");
    check(!sink.overflowed(), "encoded payload overflowed the buffer");

    decode_all(sink.kept(), second, &first);
    check(second.complete, "LwM2M CBOR of the entries does not decode");
    check(second.count == first.count, "entry count changed");
    for (size_t i = 0; i < first.count; ++i) {
        check(second.records[i].path == first.records[i].path, "path changed");
        check(same_value(second.records[i].value, first.records[i].value), "value changed");
    }
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
