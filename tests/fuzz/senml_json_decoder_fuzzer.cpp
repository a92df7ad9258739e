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
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "io/senml_json.hpp"

namespace lwm2m::fuzz {

void run_senml_json_decoder(std::span<const uint8_t> input);

namespace {

using io::OutputRecord;
using io::SenmlJsonDecoder;

[[noreturn]] void fail(const char* reason) {
    std::fprintf(stderr, "senml_json_decoder_fuzzer: %s\n", reason);
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

// The type each entry is re-encoded with: the first that reads, in an order
// that prefers the types that keep the most information.
constexpr DataType kPreferredTypes[] = {
    DataType::kBoolean, DataType::kObjlnk,          DataType::kOpaque, DataType::kString,
    DataType::kInteger, DataType::kUnsignedInteger, DataType::kFloat,
};

constexpr size_t kMaxEntries = 256;
constexpr size_t kScratchSize = 1024;
constexpr size_t kArenaSize = 64 * 1024;

struct Decoded {
    OutputRecord records[kMaxEntries];
    size_t count = 0;
    uint8_t arena[kArenaSize];
    size_t arena_used = 0;
    bool complete = false;
};

// Reads one entry with every type and keeps the value of the first of
// `preferred` that reads.
bool read_entry(SenmlJsonDecoder& decoder, std::span<const uint8_t> input,
                std::span<const uint8_t> scratch, std::span<const DataType> preferred,
                Decoded& decoded, OutputRecord& record) {
    for (DataType type : kAllTypes) {
        Value value;
        const Status status = decoder.read_value(type, value);
        check(status == Status::kOk || status == Status::kMalformed ||
                  status == Status::kMessageTooLarge,
              "read_value returned an unexpected status");
        if (status == Status::kOk) {
            check(value.type == type || value.type == DataType::kNone, "value has another type");
            check(inside(value.bytes, input) || inside(value.bytes, scratch),
                  "value bytes outside the payload and the scratch buffer");
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

// Decodes `input` with a root request path. Values are read with
// kPreferredTypes, or with the types of `types_from` where it has an entry.
void decode_all(std::span<const uint8_t> input, Decoded& decoded,
                const Decoded* types_from = nullptr) {
    static uint8_t scratch[kScratchSize];
    SenmlJsonDecoder decoder(input, Path(), scratch);
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
        OutputRecord record;
        record.path = path;
        record.timestamp_s = decoder.timestamp_s();
        std::span<const DataType> preferred = kPreferredTypes;
        const bool has_type = types_from != nullptr && decoded.count < types_from->count;
        const DataType* type = has_type ? &types_from->records[decoded.count].value.type : nullptr;
        if (type != nullptr && *type != DataType::kNone) {
            preferred = {type, 1};
        }
        room = room && decoded.count < kMaxEntries &&
               read_entry(decoder, input, scratch, preferred, decoded, record);
        if (room) {
            decoded.records[decoded.count++] = record;
        }
    }
    check(status == Status::kNotFound || status == Status::kMalformed,
          "next_entry ended with an unexpected status");
    if (status == Status::kMalformed) {
        Path again;
        check(decoder.next_entry(again) == Status::kMalformed, "error is not sticky");
    }
    decoded.complete = status == Status::kNotFound && room;
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

void run_senml_json_decoder(std::span<const uint8_t> input) {
    static Decoded first;
    static Decoded second;
    first = Decoded();
    second = Decoded();
    decode_all(input, first);
    if (!first.complete) {
        return;
    }
    for (size_t i = 0; i < first.count; ++i) {
        if (first.records[i].path.length < 3) {
            return;  // Encoders take resources and resource instances only.
        }
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
    check(io::encode_senml_json(Path(), source, sink) == Status::kOk,
          "decoded values do not encode");
    check(!sink.overflowed(), "re-encoded payload overflowed the buffer");

    decode_all(sink.kept(), second, &first);
    check(second.complete, "re-encoded payload does not decode");
    check(second.count == first.count, "entry count changed");
    for (size_t i = 0; i < first.count; ++i) {
        check(second.records[i].path == first.records[i].path, "path changed");
        check(second.records[i].timestamp_s == first.records[i].timestamp_s, "timestamp changed");
        check(same_value(second.records[i].value, first.records[i].value), "value changed");
    }
}

}  // namespace lwm2m::fuzz

#ifndef LWM2M_FUZZ_NO_ENTRY_POINT
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lwm2m::fuzz::run_senml_json_decoder({data, size});
    return 0;
}
#endif
