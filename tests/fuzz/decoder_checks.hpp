// Checks that the decoder fuzz targets share: reading an entry with every
// data type, byte views inside the payload or a scratch buffer, a sticky
// final status, and comparing entries after a round trip through an encoder.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "io/codec.hpp"

namespace lwm2m::fuzz {

[[noreturn]] inline void fail(const char* reason) {
    std::fprintf(stderr, "decoder fuzz check failed: %s\n", reason);
    std::abort();
}

inline void check(bool condition, const char* reason) {
    if (!condition) {
        fail(reason);
    }
}

inline bool inside(std::span<const uint8_t> part, std::span<const uint8_t> whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

inline constexpr DataType kAllTypes[] = {
    DataType::kNone,    DataType::kInteger, DataType::kUnsignedInteger, DataType::kFloat,
    DataType::kBoolean, DataType::kString,  DataType::kOpaque,          DataType::kTime,
    DataType::kObjlnk,  DataType::kCorelnk,
};

/// How same_value() compares two NaN floats.
enum class NanMatch : uint8_t {
    /// Any NaN equals any other, for encoders that write one canonical NaN.
    kAnyNan,
    /// Floats must have the same bits, NaN or not.
    kSameBits,
};

/// True if `a` and `b` have the same type, bytes and scalar value.
inline bool same_value(const Value& a, const Value& b, NanMatch nan_match) {
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
            if (nan_match == NanMatch::kAnyNan && std::isnan(a.floating)) {
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

/// What read_value() may return for any data type.
struct ReadRules {
    /// The payload of the decoder.
    std::span<const uint8_t> payload;
    /// A scratch buffer given to the decoder, where byte views may point.
    std::span<const uint8_t> scratch;
    /// Size of a scratch buffer inside the decoder, where byte views of up to
    /// this many bytes may point. 0 if the decoder has none.
    size_t internal_scratch_size = 0;
    /// True if a format with typed values (CBOR, JSON) may return kNone for
    /// any requested type, and kMessageTooLarge when a scratch buffer is
    /// too small.
    bool typed = false;
    /// Entries with shorter paths are an error.
    uint8_t min_path_length = 1;
};

/// Reads the current entry of `decoder` with every data type and checks the
/// status, the type and where the byte view points.
inline void check_every_type(io::Decoder& decoder, const ReadRules& rules) {
    for (DataType type : kAllTypes) {
        Value value;
        const Status status = decoder.read_value(type, value);
        const bool too_large = rules.typed && status == Status::kMessageTooLarge;
        check(status == Status::kOk || status == Status::kMalformed || too_large,
              "read_value returned an unexpected status");
        if (status != Status::kOk) {
            continue;
        }
        const bool none = rules.typed && value.type == DataType::kNone;
        check(value.type == type || none, "value has another type than requested");
        const bool in_scratch = !rules.scratch.empty() && inside(value.bytes, rules.scratch);
        check(inside(value.bytes, rules.payload) || in_scratch ||
                  value.bytes.size() <= rules.internal_scratch_size,
              "value bytes outside the payload and the scratch buffers");
    }
}

// ---------------------------------------------------------------------------
// Round trips of whole payloads through an encoder (LwM2M CBOR, LwM2M JSON,
// SenML JSON).

/// The type each entry is encoded again with: the first that reads, in an
/// order that prefers the types that keep the most information.
inline constexpr DataType kPreferredTypes[] = {
    DataType::kBoolean, DataType::kObjlnk,          DataType::kOpaque, DataType::kString,
    DataType::kInteger, DataType::kUnsignedInteger, DataType::kFloat,
};

/// The entries of one payload, with their byte values copied into `arena`.
struct DecodedEntries {
    static constexpr size_t kMaxEntries = 256;
    static constexpr size_t kArenaSize = 64 * 1024;

    io::OutputRecord records[kMaxEntries];
    size_t count = 0;
    uint8_t arena[kArenaSize];
    size_t arena_used = 0;
    /// True if the payload decoded to its end and every entry was kept.
    bool complete = false;
};

/// Keeps the value of the first type of `preferred` that reads, copied into
/// the arena. Returns false if the arena is full.
inline bool keep_value(io::Decoder& decoder, std::span<const DataType> preferred,
                       DecodedEntries& decoded, io::OutputRecord& record) {
    record.value = Value();
    for (DataType type : preferred) {
        Value value;
        if (decoder.read_value(type, value) != Status::kOk) {
            continue;
        }
        if (value.bytes.size() > DecodedEntries::kArenaSize - decoded.arena_used) {
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

/// Decodes every entry of `rules.payload` with `decoder`, checks each with
/// check_every_type() and keeps it in `decoded`. Values are kept as
/// kPreferredTypes, or as the types of `types_from` where it has an entry.
/// With `keep_timestamps`, each record also gets the decoder's timestamp.
inline void decode_entries(io::Decoder& decoder, const ReadRules& rules, DecodedEntries& decoded,
                           const DecodedEntries* types_from, bool keep_timestamps) {
    Path path;
    bool room = true;
    Status status = Status::kOk;
    // Every entry consumes input, so the input size bounds the loop.
    for (size_t i = 0; i <= rules.payload.size(); ++i) {
        status = decoder.next_entry(path);
        if (status != Status::kOk) {
            break;
        }
        check(path.length >= 1 && path.length <= 4, "path length out of range");
        check(path.length >= rules.min_path_length, "entry path shorter than the format allows");
        for (uint8_t k = 0; k < path.length; ++k) {
            check(path.ids[k] != 0xffff, "reserved ID in a path");
        }
        check_every_type(decoder, rules);

        io::OutputRecord record;
        record.path = path;
        if (keep_timestamps) {
            record.timestamp_s = decoder.timestamp_s();
        }
        std::span<const DataType> preferred = kPreferredTypes;
        const bool has_type = types_from != nullptr && decoded.count < types_from->count;
        const DataType* type = has_type ? &types_from->records[decoded.count].value.type : nullptr;
        if (type != nullptr && *type != DataType::kNone) {
            preferred = {type, 1};
        }
        room = room && decoded.count < DecodedEntries::kMaxEntries &&
               keep_value(decoder, preferred, decoded, record);
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

inline bool precedes(const Path& a, const Path& b) {
    const uint8_t common = a.length < b.length ? a.length : b.length;
    for (uint8_t i = 0; i < common; ++i) {
        if (a.ids[i] != b.ids[i]) {
            return a.ids[i] < b.ids[i];
        }
    }
    return a.length < b.length;
}

/// True if the LwM2M CBOR encoder takes the records: resources with values,
/// strictly ascending, none below another.
inline bool ascending_resources(const DecodedEntries& decoded) {
    for (size_t i = 0; i < decoded.count; ++i) {
        const io::OutputRecord& record = decoded.records[i];
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

/// Encodes the records of `decoded` with `encode` for a root request path
/// and returns the payload, a view into a static buffer that the next call
/// overwrites.
inline std::span<const uint8_t> encode_entries(const DecodedEntries& decoded,
                                               io::EncodeFunction encode) {
    io::RecordSource source;
    source.count = decoded.count;
    source.context = &decoded;
    source.get = [](const void* context, size_t index, io::OutputRecord& record) {
        record = static_cast<const DecodedEntries*>(context)->records[index];
        return true;
    };
    static uint8_t encoded[256 * 1024];
    io::PayloadSink sink(encoded);
    check(encode(Path(), source, sink) == Status::kOk, "decoded values do not encode");
    check(!sink.overflowed(), "encoded payload overflowed the buffer");
    return sink.kept();
}

/// Checks that `second`, decoded from the encoding of `first`, has the same
/// paths and values, and with `compare_timestamps` the same timestamps.
inline void check_same_entries(const DecodedEntries& first, const DecodedEntries& second,
                               bool compare_timestamps) {
    check(second.complete, "encoded payload does not decode");
    check(second.count == first.count, "entry count changed");
    for (size_t i = 0; i < first.count; ++i) {
        const io::OutputRecord& before = first.records[i];
        const io::OutputRecord& after = second.records[i];
        check(after.path == before.path, "path changed");
        check(!compare_timestamps || after.timestamp_s == before.timestamp_s,
              "timestamp changed");
        // LwM2M CBOR writes every NaN as the same half-precision quiet NaN,
        // and JSON has no NaN.
        check(same_value(after.value, before.value, NanMatch::kAnyNan), "value changed");
    }
}

/// Decodes `input` into `decoded`, with the types of `types_from` where it
/// is not null.
using DecodeFunction = void (*)(std::span<const uint8_t> input, DecodedEntries& decoded,
                                const DecodedEntries* types_from);

/// Decodes `input`, and if it decodes completely and `encodable` takes the
/// entries, encodes them with `encode`, decodes the result with the same
/// types and checks with check_same_entries() that nothing changed.
inline void check_round_trip(std::span<const uint8_t> input, DecodeFunction decode,
                             bool (*encodable)(const DecodedEntries&), io::EncodeFunction encode,
                             bool compare_timestamps) {
    static DecodedEntries first;
    static DecodedEntries second;
    first = DecodedEntries();
    second = DecodedEntries();
    decode(input, first, nullptr);
    if (!first.complete || !encodable(first)) {
        return;
    }
    decode(encode_entries(first, encode), second, &first);
    check_same_entries(first, second, compare_timestamps);
}

}  // namespace lwm2m::fuzz
