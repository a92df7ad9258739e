#include "io/lwm2m_cbor.hpp"

#include "io/cbor_value.hpp"
#include "io/cbor_writer.hpp"

namespace lwm2m::io {
namespace {

using cbor::CborReader;
using cbor::CborWriter;
using cbor::Item;
using cbor::ItemType;

// LwM2M reserves the ID 65535 (MAX_ID).
constexpr uint64_t kMaxPathId = 65534;

constexpr uint8_t kMajorTypeMap = 5;
constexpr uint8_t kNullByte = 0xf6;

bool get_record(const RecordSource& source, size_t index, OutputRecord& record) {
    return source.get != nullptr && source.get(source.context, index, record);
}

// True if `a` comes before `b` in ascending path order, where a path comes
// before the paths below it.
bool precedes(const Path& a, const Path& b) {
    const uint8_t common = a.length < b.length ? a.length : b.length;
    for (uint8_t i = 0; i < common; ++i) {
        if (a.ids[i] != b.ids[i]) {
            return a.ids[i] < b.ids[i];
        }
    }
    return a.length < b.length;
}

// Checks every record before any byte is written, so that only a failing
// source can stop write_map() part way.
Status check_records(const Path& request_path, const RecordSource& source) {
    Path previous;
    for (size_t i = 0; i < source.count; ++i) {
        OutputRecord record;
        if (!get_record(source, i, record)) {
            return Status::kInvalidState;
        }
        const Path& path = record.path;
        if (path.length < 3 || path.length > 4 || !request_path.contains(path) ||
            record.value.type == DataType::kNone) {
            return Status::kInvalidArgument;
        }
        // A record below the previous one would need its key twice, once
        // for the value and once for the map.
        if (i > 0 && (!precedes(previous, path) || previous.contains(path))) {
            return Status::kInvalidArgument;
        }
        previous = path;
    }
    return Status::kOk;
}

// Writes the map of level `level` (0 = Object IDs) for records [begin, end),
// which share their first `level` IDs.
Status write_map(const RecordSource& source, CborWriter& writer, uint8_t level, size_t begin,
                 size_t end) {
    OutputRecord record;
    size_t pair_count = 0;
    uint16_t last_id = 0;
    for (size_t i = begin; i < end; ++i) {
        if (!get_record(source, i, record)) {
            return Status::kInvalidState;
        }
        if (i == begin || record.path.ids[level] != last_id) {
            ++pair_count;
        }
        last_id = record.path.ids[level];
    }
    writer.write_map(pair_count);

    size_t i = begin;
    while (i < end) {
        if (!get_record(source, i, record)) {
            return Status::kInvalidState;
        }
        const uint16_t id = record.path.ids[level];
        const bool is_value = record.path.length == level + 1;

        // The run of records under this key ends at `next`.
        size_t next = i + 1;
        OutputRecord other;
        while (next < end) {
            if (!get_record(source, next, other)) {
                return Status::kInvalidState;
            }
            if (other.path.ids[level] != id) {
                break;
            }
            ++next;
        }

        writer.write_unsigned(id);
        if (is_value) {
            // check_records() leaves a value alone in its run. Fetch it again
            // because the reads above ended the lifetime of its byte views.
            if (!get_record(source, i, record)) {
                return Status::kInvalidState;
            }
            cbor::write_value(writer, record.value);
        } else {
            const Status status =
                write_map(source, writer, static_cast<uint8_t>(level + 1), i, next);
            if (status != Status::kOk) {
                return status;
            }
        }
        i = next;
    }
    return Status::kOk;
}

}  // namespace

Status encode_lwm2m_cbor(const Path& request_path, const RecordSource& source, PayloadSink& sink) {
    const Status status = check_records(request_path, source);
    if (status != Status::kOk) {
        return status;
    }
    CborWriter writer(sink);
    return write_map(source, writer, 0, 0, source.count);
}

Status Lwm2mCborDecoder::fail() {
    state_ = State::kFailed;
    return Status::kMalformed;
}

Status Lwm2mCborDecoder::next_entry(Path& path) {
    if (state_ == State::kFailed) {
        return Status::kMalformed;
    }
    if (state_ == State::kDone) {
        return Status::kNotFound;
    }
    if (state_ == State::kStart) {
        Item root;
        if (reader_.read(root) != Status::kOk || root.type != ItemType::kMap) {
            return fail();
        }
        map_prefix_[0] = 0;
        map_count_ = 1;
        state_ = State::kInMap;
    }

    // Each pass reads a key, which takes at least one byte of the payload,
    // or closes a map.
    while (true) {
        bool more = false;
        if (reader_.has_next(more) != Status::kOk) {
            return fail();
        }
        if (!more) {
            --map_count_;
            if (map_count_ > 0) {
                continue;
            }
            if (!reader_.at_end()) {
                return fail();
            }
            state_ = State::kDone;
            return Status::kNotFound;
        }

        current_.length = map_prefix_[map_count_ - 1];
        bool is_entry = false;
        if (read_key() != Status::kOk || read_pair_value(is_entry) != Status::kOk) {
            return fail();
        }
        if (is_entry) {
            path = current_;
            state_ = State::kEntry;
            return Status::kOk;
        }
    }
}

// Reads a key, an unsigned ID or an array of them, and appends its IDs to
// current_.
Status Lwm2mCborDecoder::read_key() {
    Item key;
    if (reader_.read(key) != Status::kOk) {
        return Status::kMalformed;
    }
    if (key.type != ItemType::kArray) {
        return add_id(key);
    }
    size_t count = 0;
    // add_id() fails past four IDs, which bounds the loop.
    while (true) {
        bool more = false;
        if (reader_.has_next(more) != Status::kOk) {
            return Status::kMalformed;
        }
        if (!more) {
            break;
        }
        Item id;
        if (reader_.read(id) != Status::kOk || add_id(id) != Status::kOk) {
            return Status::kMalformed;
        }
        ++count;
    }
    return count > 0 ? Status::kOk : Status::kMalformed;
}

Status Lwm2mCborDecoder::add_id(const Item& item) {
    if (item.type != ItemType::kUnsigned || item.argument > kMaxPathId || current_.length >= 4) {
        return Status::kMalformed;
    }
    current_.ids[current_.length++] = static_cast<uint16_t>(item.argument);
    return Status::kOk;
}

// Reads the value of a pair: a nested map opens a level, anything else is
// an entry at current_.
Status Lwm2mCborDecoder::read_pair_value(bool& is_entry) {
    is_entry = false;
    const size_t offset = reader_.offset();
    if (offset >= payload_.size()) {
        return Status::kMalformed;
    }
    if ((payload_[offset] >> 5) == kMajorTypeMap) {
        Item map;
        if (map_count_ == kMaxMaps || reader_.read(map) != Status::kOk) {
            return Status::kMalformed;
        }
        map_prefix_[map_count_++] = current_.length;
        return Status::kOk;
    }

    value_offset_ = offset;
    value_is_null_ = payload_[offset] == kNullByte;
    if (check_value() != Status::kOk) {
        return Status::kMalformed;
    }
    // Only resources and resource instances carry values; a null may
    // stand for any node, such as an instance in a Write-Composite.
    if ((!value_is_null_ && current_.length < 3) || !request_path_.contains(current_)) {
        return Status::kMalformed;
    }
    is_entry = true;
    return Status::kOk;
}

// Steps over a value and checks that it is one well-formed data item that
// a resource can hold: no array except a decimal fraction, no map.
Status Lwm2mCborDecoder::check_value() {
    Item item;
    uint64_t tag = CborReader::kNoTag;
    if (reader_.read_untagged(item, tag) != Status::kOk) {
        return Status::kMalformed;
    }
    if (item.type == ItemType::kArray) {
        cbor::Number number;
        return reader_.read_number(item, tag, number);
    }
    if (item.type == ItemType::kMap || item.type == ItemType::kBreak) {
        return Status::kMalformed;
    }
    return reader_.skip_rest(item);
}

Status Lwm2mCborDecoder::read_value(DataType type, Value& value) {
    if (state_ != State::kEntry) {
        return Status::kInvalidState;
    }
    if (value_is_null_) {
        value = Value();
        return Status::kOk;
    }
    CborReader reader(payload_.subspan(value_offset_));
    return cbor::read_value(reader, type, scratch_, value);
}

}  // namespace lwm2m::io
