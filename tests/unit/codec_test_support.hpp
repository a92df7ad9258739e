// Helpers that the content format tests share: byte and hex conversions,
// record sources over test-owned records, encoding into a large buffer,
// small-window streaming checks and reading the fuzz seeds.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "io/codec.hpp"

namespace lwm2m::io {

using Bytes = std::vector<uint8_t>;

/// Converts "0a1b" to {0x0a, 0x1b}. An odd last digit is dropped.
inline Bytes from_hex(const std::string& hex) {
    Bytes bytes;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return bytes;
}

/// Builds a CBOR text string item of at most 23 bytes: the header byte,
/// then `text`.
inline Bytes text_item(const std::string& text) {
    Bytes bytes{static_cast<uint8_t>(0x60 + text.size())};
    bytes.insert(bytes.end(), text.begin(), text.end());
    return bytes;
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes result;
    for (const Bytes& part : parts) {
        result.insert(result.end(), part.begin(), part.end());
    }
    return result;
}

/// Returns a view of the characters of `text`, valid while `text` lives.
inline std::span<const uint8_t> bytes_of(const std::string& text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

inline std::string string_of(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// A RecordSource over a vector of records.
struct RecordList {
    std::vector<OutputRecord> records;

    RecordSource source() const {
        RecordSource result;
        result.count = records.size();
        result.context = this;
        result.get = [](const void* context, size_t index, OutputRecord& record) {
            record = static_cast<const RecordList*>(context)->records[index];
            return true;
        };
        return result;
    }
};

/// A RecordSource of `count` copies of one record, for the formats that
/// carry a single value. Non-empty `storage` replaces the value's bytes, and
/// `fail` makes the source fail.
struct OneRecord {
    OutputRecord record;
    Bytes storage = {};
    size_t count = 1;
    bool fail = false;

    RecordSource source() const {
        RecordSource result;
        result.count = count;
        result.context = this;
        result.get = [](const void* context, size_t, OutputRecord& out) {
            const auto* self = static_cast<const OneRecord*>(context);
            out = self->record;
            if (!self->storage.empty()) {
                out.value.bytes = self->storage;
            }
            return !self->fail;
        };
        return result;
    }
};

/// Encodes `source` for `request` into `payload` through a window large
/// enough for every test payload, and checks that it fits. Returns the
/// encoder's status.
inline Status encode_to(EncodeFunction encode, const Path& request, const RecordSource& source,
                        Bytes& payload) {
    static uint8_t window[1 << 17];
    PayloadSink sink(window);
    const Status status = encode(request, source, sink);
    EXPECT_FALSE(sink.overflowed());
    payload.assign(sink.kept().begin(), sink.kept().end());
    return status;
}

/// Encodes `source` into a 16-byte window that starts `skip` bytes into the
/// payload, and checks the window against `whole`, the payload encoded at
/// once.
inline void expect_window(EncodeFunction encode, const Path& request, const RecordSource& source,
                          const Bytes& whole, size_t skip) {
    SCOPED_TRACE(skip);
    uint8_t window[16];
    PayloadSink sink(window, skip);
    ASSERT_EQ(encode(request, source, sink), Status::kOk);
    EXPECT_EQ(sink.total(), whole.size());
    const size_t expected = std::min<size_t>(16, whole.size() - skip);
    ASSERT_EQ(sink.kept().size(), expected);
    EXPECT_TRUE(std::equal(sink.kept().begin(), sink.kept().end(), whole.begin() + skip));
    EXPECT_EQ(sink.overflowed(), whole.size() > skip + 16);
}

/// Encodes `source` in consecutive 16-byte windows from offset `start` on
/// and returns the first `start` bytes of `whole` followed by the windows,
/// which must equal `whole`.
inline Bytes join_windows(EncodeFunction encode, const Path& request, const RecordSource& source,
                          const Bytes& whole, size_t start) {
    SCOPED_TRACE(start);
    Bytes joined(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(start));
    for (size_t skip = start; skip < whole.size(); skip += 16) {
        uint8_t window[16];
        PayloadSink sink(window, skip);
        EXPECT_EQ(encode(request, source, sink), Status::kOk);
        EXPECT_EQ(sink.total(), whole.size());
        joined.insert(joined.end(), sink.kept().begin(), sink.kept().end());
    }
    return joined;
}

/// One decoded entry, with its value read as the type that decode_entries()
/// was given and a copy of the value's bytes.
struct DecodedEntry {
    Path path;
    Value value;
    std::string bytes;
    int64_t timestamp_s = 0;
};

/// Decodes every entry of `decoder` into `entries`, reading each value as
/// `type_of(path)`. Returns the status that ended the loop: kNotFound for a
/// complete payload, or the first error of next_entry() or read_value().
/// Returns kInvalidState if the decoder gives more than 10000 entries.
template <typename TypeOf>
Status decode_entries(Decoder& decoder, TypeOf type_of, std::vector<DecodedEntry>& entries) {
    entries.clear();
    for (int i = 0; i < 10000; ++i) {
        DecodedEntry entry;
        const Status next = decoder.next_entry(entry.path);
        if (next != Status::kOk) {
            return next;
        }
        const Status read = decoder.read_value(type_of(entry.path), entry.value);
        if (read != Status::kOk) {
            return read;
        }
        entry.bytes = string_of(entry.value.bytes);
        entry.timestamp_s = decoder.timestamp_s();
        entries.push_back(entry);
    }
    return Status::kInvalidState;
}

/// Moves `decoder` to its first entry, checks that the entry is at `path`
/// and reads it as `type`. Returns the first status other than kOk.
inline Status read_first_entry(Decoder& decoder, const Path& path, DataType type, Value& value) {
    Path entry;
    const Status status = decoder.next_entry(entry);
    if (status != Status::kOk) {
        return status;
    }
    EXPECT_EQ(entry, path);
    return decoder.read_value(type, value);
}

struct FuzzSeed {
    std::string file_name;
    Bytes bytes;
};

/// Reads every file of the fuzz seed folder `name`, which sits next to the
/// CoAP corpus folder.
inline std::vector<FuzzSeed> fuzz_seeds(const char* name) {
    const std::filesystem::path directory =
        std::filesystem::path(LWM2M_FUZZ_CORPUS_DIR).parent_path() / name;
    std::vector<FuzzSeed> seeds;
    for (const auto& file : std::filesystem::directory_iterator(directory)) {
        std::ifstream stream(file.path(), std::ios::binary);
        Bytes bytes{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
        seeds.push_back({file.path().filename().string(), bytes});
    }
    return seeds;
}

/// Decodes every entry of a payload of `size` bytes and checks that each
/// reads as one of the types that the fuzz targets keep. Returns the status
/// that ended the loop: kNotFound for a complete payload.
inline Status decode_with_any_type(Decoder& decoder, size_t size) {
    Path path;
    Status status = Status::kOk;
    // Every entry consumes input, so the payload size bounds the loop.
    for (size_t i = 0; i <= size && (status = decoder.next_entry(path)) == Status::kOk; ++i) {
        bool read = false;
        for (DataType type :
             {DataType::kBoolean, DataType::kObjlnk, DataType::kOpaque, DataType::kString,
              DataType::kInteger, DataType::kUnsignedInteger, DataType::kFloat}) {
            Value value;
            read = read || decoder.read_value(type, value) == Status::kOk;
        }
        EXPECT_TRUE(read);
    }
    return status;
}

}  // namespace lwm2m::io
