#include "io/tlv.hpp"

#include <bit>
#include <limits>

namespace lwm2m::io {
namespace {

// Type byte fields (LwM2M Core 1.1, section "TLV"). Bits 7-6 are the type of
// Identifier and bit 5 marks a 16-bit Identifier. Bits 4-3 are the size of the
// Length field (0 to 3 bytes), and bits 2-0 the Length when there is none.
constexpr uint8_t kObjectInstance = 0x00;
constexpr uint8_t kResourceInstance = 0x40;
constexpr uint8_t kMultipleResource = 0x80;
constexpr uint8_t kResourceWithValue = 0xC0;
constexpr uint8_t kKindMask = 0xC0;
constexpr uint8_t kIdentifier16Bit = 0x20;
constexpr uint8_t kLength8Bit = 0x08;
constexpr uint8_t kLength16Bit = 0x10;
constexpr uint8_t kLength24Bit = 0x18;
constexpr uint8_t kInlineLengthMax = 7;
constexpr size_t kMaxLength = 0xFFFFFF;

constexpr uint8_t kResourceLevel = 3;
constexpr uint8_t kResourceInstanceLevel = 4;

size_t header_size(uint16_t id, size_t length) {
    size_t size = id > 0xFF ? 3 : 2;
    if (length > 0xFFFF) {
        size += 3;
    } else if (length > 0xFF) {
        size += 2;
    } else if (length > kInlineLengthMax) {
        size += 1;
    }
    return size;
}

void write_header(PayloadSink& sink, uint8_t kind, uint16_t id, size_t length) {
    uint8_t bytes[6];
    uint8_t type = kind;
    size_t size = 1;
    if (id > 0xFF) {
        type |= kIdentifier16Bit;
        bytes[size++] = static_cast<uint8_t>(id >> 8);
    }
    bytes[size++] = static_cast<uint8_t>(id);

    if (length <= kInlineLengthMax) {
        type |= static_cast<uint8_t>(length);
    } else if (length <= 0xFF) {
        type |= kLength8Bit;
    } else if (length <= 0xFFFF) {
        type |= kLength16Bit;
        bytes[size++] = static_cast<uint8_t>(length >> 8);
    } else {
        type |= kLength24Bit;
        bytes[size++] = static_cast<uint8_t>(length >> 16);
        bytes[size++] = static_cast<uint8_t>(length >> 8);
    }
    if (length > kInlineLengthMax) {
        bytes[size++] = static_cast<uint8_t>(length);
    }
    bytes[0] = type;
    sink.write(std::span<const uint8_t>(bytes, size));
}

size_t signed_size(int64_t value) {
    if (value >= std::numeric_limits<int8_t>::min() &&
        value <= std::numeric_limits<int8_t>::max()) {
        return 1;
    }
    if (value >= std::numeric_limits<int16_t>::min() &&
        value <= std::numeric_limits<int16_t>::max()) {
        return 2;
    }
    if (value >= std::numeric_limits<int32_t>::min() &&
        value <= std::numeric_limits<int32_t>::max()) {
        return 4;
    }
    return 8;
}

size_t unsigned_size(uint64_t value) {
    if (value <= 0xFF) {
        return 1;
    }
    if (value <= 0xFFFF) {
        return 2;
    }
    return value <= 0xFFFFFFFF ? 4 : 8;
}

// True if binary32 represents `value` exactly. The range test comes first because
// converting a finite double beyond the float range is undefined behaviour.
bool fits_binary32(double value) {
    if (value != value) {
        return false;
    }
    const double max = std::numeric_limits<float>::max();
    if (value > max || value < -max) {
        return value == std::numeric_limits<double>::infinity() ||
               value == -std::numeric_limits<double>::infinity();
    }
    return static_cast<double>(static_cast<float>(value)) == value;
}

// Length of the TLV value of `value`; kInvalidArgument for an unknown type
// or a value too long for the 24-bit Length field.
Status value_size(const Value& value, size_t& size) {
    switch (value.type) {
        case DataType::kNone:
            size = 0;
            return Status::kOk;
        case DataType::kInteger:
            size = signed_size(value.integer);
            return Status::kOk;
        case DataType::kTime:
            size = signed_size(value.time);
            return Status::kOk;
        case DataType::kUnsignedInteger:
            size = unsigned_size(value.unsigned_integer);
            return Status::kOk;
        case DataType::kFloat:
            size = fits_binary32(value.floating) ? 4 : 8;
            return Status::kOk;
        case DataType::kBoolean:
            size = 1;
            return Status::kOk;
        case DataType::kObjlnk:
            size = 4;
            return Status::kOk;
        case DataType::kString:
        case DataType::kOpaque:
        case DataType::kCorelnk:
            size = value.bytes.size();
            return size <= kMaxLength ? Status::kOk : Status::kInvalidArgument;
    }
    return Status::kInvalidArgument;
}

void write_big_endian(PayloadSink& sink, uint64_t value, size_t size) {
    uint8_t bytes[8];
    for (size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<uint8_t>(value >> (8 * (size - 1 - i)));
    }
    sink.write(std::span<const uint8_t>(bytes, size));
}

// Writes the value bytes; `size` is what value_size() returned.
void write_value(PayloadSink& sink, const Value& value, size_t size) {
    switch (value.type) {
        case DataType::kNone:
            return;
        case DataType::kInteger:
            write_big_endian(sink, static_cast<uint64_t>(value.integer), size);
            return;
        case DataType::kTime:
            write_big_endian(sink, static_cast<uint64_t>(value.time), size);
            return;
        case DataType::kUnsignedInteger:
            write_big_endian(sink, value.unsigned_integer, size);
            return;
        case DataType::kFloat:
            if (size == 4) {
                const auto bits = std::bit_cast<uint32_t>(static_cast<float>(value.floating));
                write_big_endian(sink, bits, 4);
            } else {
                write_big_endian(sink, std::bit_cast<uint64_t>(value.floating), 8);
            }
            return;
        case DataType::kBoolean:
            sink.write(static_cast<uint8_t>(value.boolean ? 1 : 0));
            return;
        case DataType::kObjlnk:
            write_big_endian(sink, value.objlnk.object_id, 2);
            write_big_endian(sink, value.objlnk.instance_id, 2);
            return;
        case DataType::kString:
        case DataType::kOpaque:
        case DataType::kCorelnk:
            sink.write(value.bytes);
            return;
    }
}

// Orders paths as the records must come: by IDs, a parent before its children.
int compare_paths(const Path& a, const Path& b) {
    const uint8_t common = a.length < b.length ? a.length : b.length;
    for (uint8_t i = 0; i < common; ++i) {
        if (a.ids[i] != b.ids[i]) {
            return a.ids[i] < b.ids[i] ? -1 : 1;
        }
    }
    if (a.length == b.length) {
        return 0;
    }
    return a.length < b.length ? -1 : 1;
}

Path prefix(const Path& path, uint8_t length) {
    Path result = path;
    result.length = length;
    return result;
}

// The records of one resource: a single value or resource instances.
struct ResourceGroup {
    uint16_t id = 0;
    bool multiple = false;
    size_t end = 0;
    size_t content_size = 0;
};

class TlvEncoder {
  public:
    TlvEncoder(const Path& request_path, const RecordSource& source, PayloadSink& sink)
        : request_path_(request_path), source_(source), sink_(sink) {}

    Status encode() {
        if (request_path_.length == 0 || request_path_.length > kResourceInstanceLevel) {
            return Status::kInvalidArgument;
        }
        Status status = validate();
        if (status != Status::kOk) {
            return status;
        }

        switch (request_path_.length) {
            case 1:
                return write_all_instances();
            case 2:
                return write_all_resources();
            case 3:
                return write_requested_resource();
            default:
                return write_requested_instance();
        }
    }

  private:
    Status get(size_t index, OutputRecord& record) const {
        if (source_.get == nullptr || !source_.get(source_.context, index, record)) {
            return Status::kInvalidState;
        }
        return Status::kOk;
    }

    // Checks every record once before anything is written.
    Status validate() const {
        OutputRecord previous;
        for (size_t i = 0; i < source_.count; ++i) {
            OutputRecord record;
            Status status = get(i, record);
            if (status != Status::kOk) {
                return status;
            }
            const Path& path = record.path;
            const bool leaf =
                path.length == kResourceLevel || path.length == kResourceInstanceLevel;
            if (!leaf || !request_path_.contains(path)) {
                return Status::kInvalidArgument;
            }
            // A resource with a value followed by its own instances passes the
            // order test, so it is rejected on its own.
            if (i > 0 &&
                (compare_paths(previous.path, path) >= 0 || previous.path.contains(path))) {
                return Status::kInvalidArgument;
            }
            size_t size = 0;
            status = value_size(record.value, size);
            if (status != Status::kOk) {
                return status;
            }
            previous.path = path;
        }
        return Status::kOk;
    }

    Status measure_resource(size_t begin, ResourceGroup& group) const {
        OutputRecord record;
        Status status = get(begin, record);
        if (status != Status::kOk) {
            return status;
        }
        const Path resource = prefix(record.path, kResourceLevel);
        group.id = resource.ids[2];
        group.multiple = record.path.length == kResourceInstanceLevel;
        group.end = begin + 1;
        group.content_size = 0;
        if (!group.multiple) {
            return value_size(record.value, group.content_size);
        }

        for (size_t i = begin; i < source_.count; ++i) {
            if (i > begin) {
                status = get(i, record);
                if (status != Status::kOk) {
                    return status;
                }
                if (!resource.contains(record.path)) {
                    break;
                }
            }
            size_t size = 0;
            status = value_size(record.value, size);
            if (status != Status::kOk) {
                return status;
            }
            group.content_size += header_size(record.path.ids[3], size) + size;
            if (group.content_size > kMaxLength) {
                return Status::kInvalidArgument;
            }
            group.end = i + 1;
        }
        return Status::kOk;
    }

    Status write_resource(const ResourceGroup& group, size_t begin) {
        OutputRecord record;
        if (!group.multiple) {
            Status status = get(begin, record);
            if (status == Status::kOk) {
                write_header(sink_, kResourceWithValue, group.id, group.content_size);
                write_value(sink_, record.value, group.content_size);
            }
            return status;
        }

        write_header(sink_, kMultipleResource, group.id, group.content_size);
        for (size_t i = begin; i < group.end; ++i) {
            Status status = get(i, record);
            size_t size = 0;
            if (status == Status::kOk) {
                status = value_size(record.value, size);
            }
            if (status != Status::kOk) {
                return status;
            }
            write_header(sink_, kResourceInstance, record.path.ids[3], size);
            write_value(sink_, record.value, size);
        }
        return Status::kOk;
    }

    // Writes the resource TLVs of the records from `begin` on that lie below
    // `parent`, or only measures them when `write` is false. Sets `end` to the
    // index after the last of those records.
    Status visit_resources(const Path& parent, size_t begin, bool write, size_t& end,
                           size_t& content_size) {
        content_size = 0;
        size_t next = begin;
        while (next < source_.count) {
            OutputRecord record;
            Status status = get(next, record);
            if (status != Status::kOk) {
                return status;
            }
            if (!parent.contains(record.path)) {
                break;
            }
            ResourceGroup group;
            status = measure_resource(next, group);
            if (status == Status::kOk && write) {
                status = write_resource(group, next);
            }
            if (status != Status::kOk) {
                return status;
            }
            content_size += header_size(group.id, group.content_size) + group.content_size;
            if (content_size > kMaxLength) {
                return Status::kInvalidArgument;
            }
            next = group.end;
        }
        end = next;
        return Status::kOk;
    }

    Status write_all_resources() {
        size_t end = 0;
        size_t content_size = 0;
        return visit_resources(request_path_, 0, true, end, content_size);
    }

    Status write_all_instances() {
        size_t next = 0;
        while (next < source_.count) {
            OutputRecord record;
            Status status = get(next, record);
            if (status != Status::kOk) {
                return status;
            }
            const Path instance = prefix(record.path, 2);
            size_t end = 0;
            size_t content_size = 0;
            status = visit_resources(instance, next, false, end, content_size);
            if (status != Status::kOk) {
                return status;
            }
            write_header(sink_, kObjectInstance, instance.ids[1], content_size);
            status = visit_resources(instance, next, true, end, content_size);
            if (status != Status::kOk) {
                return status;
            }
            next = end;
        }
        return Status::kOk;
    }

    Status write_requested_resource() {
        // Only a multiple resource can have no value, and LwM2M Core requires
        // the Multiple Resource TLV whatever the number of instances.
        if (source_.count == 0) {
            write_header(sink_, kMultipleResource, request_path_.ids[2], 0);
            return Status::kOk;
        }
        ResourceGroup group;
        Status status = measure_resource(0, group);
        if (status == Status::kOk) {
            status = write_resource(group, 0);
        }
        return status;
    }

    Status write_requested_instance() {
        if (source_.count != 1) {
            return Status::kInvalidArgument;
        }
        OutputRecord record;
        Status status = get(0, record);
        size_t size = 0;
        if (status == Status::kOk) {
            status = value_size(record.value, size);
        }
        if (status == Status::kOk) {
            write_header(sink_, kResourceInstance, request_path_.ids[3], size);
            write_value(sink_, record.value, size);
        }
        return status;
    }

    const Path& request_path_;
    const RecordSource& source_;
    PayloadSink& sink_;
};

Path child(const Path& parent, uint16_t id) {
    Path result = parent;
    result.ids[result.length] = id;
    ++result.length;
    return result;
}

uint64_t read_big_endian(std::span<const uint8_t> bytes) {
    uint64_t value = 0;
    for (uint8_t byte : bytes) {
        value = (value << 8) | byte;
    }
    return value;
}

bool is_integer_size(size_t size) {
    return size == 1 || size == 2 || size == 4 || size == 8;
}

Status read_signed(std::span<const uint8_t> bytes, int64_t& value) {
    if (!is_integer_size(bytes.size())) {
        return Status::kMalformed;
    }
    uint64_t bits = read_big_endian(bytes);
    const size_t width = 8 * bytes.size();
    if (width < 64 && ((bits >> (width - 1)) & 1) != 0) {
        bits |= ~uint64_t{0} << width;
    }
    value = static_cast<int64_t>(bits);
    return Status::kOk;
}

}  // namespace

Status encode_tlv(const Path& request_path, const RecordSource& source, PayloadSink& sink) {
    return TlvEncoder(request_path, source, sink).encode();
}

TlvDecoder::TlvDecoder(std::span<const uint8_t> payload, const Path& request_path)
    : window_(payload), request_path_(request_path) {
    container_path_ = prefix(request_path, request_path.length < 2 ? request_path.length : 2);
}

void TlvDecoder::start_stream(size_t whole_value_limit) {
    final_window_ = false;
    whole_value_limit_ = whole_value_limit;
}

void TlvDecoder::feed(std::span<const uint8_t> window, bool last) {
    window_base_ = resume_offset();
    window_ = window;
    final_window_ = last;
}

size_t TlvDecoder::resume_offset() const {
    if (in_pieces_) {
        return piece_offset_;
    }
    // Past the window end only when the caller skipped a value given in
    // pieces: the bytes up to offset_ are then dropped as they arrive.
    return offset_ < window_end() ? offset_ : window_end();
}

Status TlvDecoder::fail() {
    malformed_ = true;
    has_entry_ = false;
    in_pieces_ = false;
    return Status::kMalformed;
}

// Returns kOk, kMalformed, or kWouldBlock when a stream's window ends inside
// the header.
Status TlvDecoder::read_header(size_t limit, Header& header) const {
    size_t position = offset_;
    auto available = [&](size_t count) {
        if (limit - position < count) {
            return Status::kMalformed;
        }
        if (window_end() - position < count) {
            return final_window_ ? Status::kMalformed : Status::kWouldBlock;
        }
        return Status::kOk;
    };

    Status status = available(1);
    if (status != Status::kOk) {
        return status;
    }
    const uint8_t type = window_bytes(position, position + 1)[0];
    ++position;

    const size_t id_size = (type & kIdentifier16Bit) != 0 ? 2 : 1;
    status = available(id_size);
    if (status != Status::kOk) {
        return status;
    }
    header.id = static_cast<uint16_t>(read_big_endian(window_bytes(position, position + id_size)));
    position += id_size;

    // With a Length field, bits 2-0 "MUST be ignored" (LwM2M Core, TLV).
    const size_t length_size = (type >> 3) & 0x03;
    size_t length = type & kInlineLengthMax;
    if (length_size > 0) {
        status = available(length_size);
        if (status != Status::kOk) {
            return status;
        }
        length =
            static_cast<size_t>(read_big_endian(window_bytes(position, position + length_size)));
        position += length_size;
    }
    // The value itself may continue in a later window of a stream.
    if (limit - position < length) {
        return Status::kMalformed;
    }
    header.kind = type & kKindMask;
    header.value_begin = position;
    header.value_end = position + length;
    return Status::kOk;
}

Status TlvDecoder::next_entry(Path& path) {
    if (malformed_) {
        return Status::kMalformed;
    }
    has_entry_ = false;
    empty_multiple_ = false;
    in_pieces_ = false;
    chunk_ = {};
    if (offset_ > window_end()) {
        // Skipping the rest of a value given in pieces.
        return final_window_ ? fail() : Status::kWouldBlock;
    }

    // Each pass reads one TLV of at least two bytes or closes a container,
    // so the number of passes is bounded by the window size.
    const size_t max_passes = window_.size() + 3;
    for (size_t pass = 0; pass < max_passes; ++pass) {
        if (in_multiple_ && offset_ == multiple_end_) {
            in_multiple_ = false;
            container_path_.length = 2;
            continue;
        }
        if (in_instance_ && offset_ == instance_end_) {
            in_instance_ = false;
            continue;
        }
        if (!in_multiple_ && !in_instance_ && offset_ == window_end()) {
            return final_window_ ? Status::kNotFound : Status::kWouldBlock;
        }

        // The top level of a stream ends only with its last window.
        const size_t top_level_end = final_window_ ? window_end() : SIZE_MAX;
        const size_t limit =
            in_multiple_ ? multiple_end_ : (in_instance_ ? instance_end_ : top_level_end);
        Header header;
        const Status read = read_header(limit, header);
        if (read == Status::kWouldBlock) {
            return read;
        }
        if (read != Status::kOk) {
            return fail();
        }

        const size_t top_level_count = top_level_count_;
        Status status = Status::kMalformed;
        if (in_multiple_) {
            status = header.kind == kResourceInstance ? yield_leaf(header, header.id, path)
                                                      : Status::kMalformed;
        } else if (in_instance_) {
            status = read_in_instance(header, path);
        } else {
            status = read_top_level(header, path);
        }
        // kInProgress: a non-empty container was opened; read its first child.
        if (status == Status::kWouldBlock) {
            // The TLV is read again, whole, from the next window.
            top_level_count_ = top_level_count;
            return status;
        }
        if (status == Status::kMalformed) {
            return fail();
        }
        if (status == Status::kOk) {
            return Status::kOk;
        }
    }
    return fail();
}

// Returns kOk with an entry, kInProgress after opening a container,
// kWouldBlock for a leaf to be read from the next window, or kMalformed when
// the TLV does not fit the request path.
Status TlvDecoder::read_top_level(Header& header, Path& path) {
    ++top_level_count_;
    const uint8_t level = request_path_.length;
    if (level == 0 || level > kResourceInstanceLevel || instance_wrapped_) {
        return Status::kMalformed;
    }

    if (level == 1 || level == 2) {
        if (header.kind != kObjectInstance) {
            // Resources directly below the requested object instance.
            return level == 2 ? read_in_instance(header, path) : Status::kMalformed;
        }
        // An object request needs Object Instance TLVs. An instance request
        // may wrap its resources in one Object Instance TLV with its own ID.
        if (level == 2) {
            if (top_level_count_ != 1 || header.id != request_path_.ids[1]) {
                return Status::kMalformed;
            }
            instance_wrapped_ = true;
        }
        container_path_ = child(prefix(request_path_, 1), header.id);
        in_instance_ = true;
        instance_end_ = header.value_end;
        offset_ = header.value_begin;
        return Status::kInProgress;
    }

    // A resource or resource instance request carries exactly one TLV, which
    // names the requested ID.
    if (top_level_count_ != 1 || header.id != request_path_.ids[level - 1]) {
        return Status::kMalformed;
    }
    if (level == kResourceLevel) {
        if (header.kind == kResourceWithValue) {
            return yield_leaf(header, header.id, path);
        }
        return header.kind == kMultipleResource ? open_multiple_resource(header, path)
                                                : Status::kMalformed;
    }
    if (level == kResourceInstanceLevel && header.kind == kResourceInstance) {
        container_path_ = prefix(request_path_, kResourceLevel);
        return yield_leaf(header, header.id, path);
    }
    return Status::kMalformed;
}

Status TlvDecoder::read_in_instance(const Header& header, Path& path) {
    if (header.kind == kResourceWithValue) {
        return yield_leaf(header, header.id, path);
    }
    if (header.kind == kMultipleResource) {
        return open_multiple_resource(header, path);
    }
    return Status::kMalformed;
}

Status TlvDecoder::open_multiple_resource(const Header& header, Path& path) {
    container_path_ = child(prefix(container_path_, 2), header.id);
    if (header.value_begin == header.value_end) {
        // LwM2M Core requires a Multiple Resource TLV even for no instances,
        // and a Write of one removes every instance, so it is an entry too.
        path = container_path_;
        container_path_.length = 2;
        offset_ = header.value_end;
        value_begin_ = value_end_ = header.value_end;
        has_entry_ = true;
        empty_multiple_ = true;
        return Status::kOk;
    }
    in_multiple_ = true;
    multiple_end_ = header.value_end;
    offset_ = header.value_begin;
    return Status::kInProgress;
}

Status TlvDecoder::yield_leaf(const Header& header, uint16_t leaf_id, Path& path) {
    if (header.value_end > window_end()) {
        // In a stream, a short value is read whole from the next window, and
        // a long one in pieces from this one on.
        if (final_window_) {
            return Status::kMalformed;
        }
        if (header.value_end - offset_ <= whole_value_limit_) {
            return Status::kWouldBlock;
        }
        in_pieces_ = true;
        piece_offset_ = header.value_begin;
    }
    path = child(container_path_, leaf_id);
    value_begin_ = header.value_begin;
    value_end_ = header.value_end;
    offset_ = header.value_end;
    has_entry_ = true;
    return Status::kOk;
}

// Returns the next piece of a string, opaque or corelnk value that continues
// past the window.
Status TlvDecoder::read_value_piece(DataType type, Value& value) {
    if (type != DataType::kString && type != DataType::kOpaque && type != DataType::kCorelnk) {
        // No other type has a value this long.
        return Status::kMalformed;
    }
    const size_t end = value_end_ < window_end() ? value_end_ : window_end();
    if (piece_offset_ == end) {
        // The last window ends before the value does: the TLV is truncated.
        return final_window_ ? fail() : Status::kWouldBlock;
    }
    chunk_ = {piece_offset_ - value_begin_, end == value_end_};
    value = Value::make_bytes(type, window_bytes(piece_offset_, end));
    piece_offset_ = end;
    in_pieces_ = !chunk_.last;
    return Status::kOk;
}

Status TlvDecoder::read_value(DataType type, Value& value) {
    if (!has_entry_) {
        return Status::kInvalidState;
    }
    if (empty_multiple_) {
        value = Value();
        return Status::kOk;
    }
    if (in_pieces_ || chunk_.offset > 0) {
        return in_pieces_ ? read_value_piece(type, value) : Status::kInvalidState;
    }

    const std::span<const uint8_t> bytes = window_bytes(value_begin_, value_end_);
    const size_t size = bytes.size();
    switch (type) {
        case DataType::kNone:
            if (size != 0) {
                return Status::kMalformed;
            }
            value = Value();
            return Status::kOk;
        case DataType::kInteger:
        case DataType::kTime: {
            int64_t integer = 0;
            if (read_signed(bytes, integer) != Status::kOk) {
                return Status::kMalformed;
            }
            value =
                type == DataType::kTime ? Value::make_time(integer) : Value::make_integer(integer);
            return Status::kOk;
        }
        case DataType::kUnsignedInteger:
            if (!is_integer_size(size)) {
                return Status::kMalformed;
            }
            value = Value::make_unsigned(read_big_endian(bytes));
            return Status::kOk;
        case DataType::kFloat:
            // Appendix C allows only binary32 and binary64 for a float in TLV,
            // so an integer-sized value (1 or 2 bytes) is malformed here.
            if (size == 4) {
                const auto bits = static_cast<uint32_t>(read_big_endian(bytes));
                value = Value::make_float(static_cast<double>(std::bit_cast<float>(bits)));
                return Status::kOk;
            }
            if (size == 8) {
                value = Value::make_float(std::bit_cast<double>(read_big_endian(bytes)));
                return Status::kOk;
            }
            return Status::kMalformed;
        case DataType::kBoolean:
            if (size != 1 || bytes[0] > 1) {
                return Status::kMalformed;
            }
            value = Value::make_boolean(bytes[0] == 1);
            return Status::kOk;
        case DataType::kObjlnk:
            if (size != 4) {
                return Status::kMalformed;
            }
            value = Value::make_objlnk(static_cast<uint16_t>(read_big_endian(bytes.first(2))),
                                       static_cast<uint16_t>(read_big_endian(bytes.last(2))));
            return Status::kOk;
        case DataType::kString:
        case DataType::kOpaque:
        case DataType::kCorelnk:
            value = Value::make_bytes(type, bytes);
            return Status::kOk;
    }
    return Status::kMalformed;
}

}  // namespace lwm2m::io
