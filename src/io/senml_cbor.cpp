#include "io/senml_cbor.hpp"

#include <cmath>
#include <cstring>

#include "io/cbor_value.hpp"
#include "io/cbor_writer.hpp"
#include "io/float_bits.hpp"

namespace lwm2m::io {
namespace {

using cbor::CborReader;
using cbor::CborWriter;
using cbor::Item;
using cbor::ItemType;

// Integer labels of RFC 8428, table 4.
constexpr int64_t kBaseVersion = -1;
constexpr int64_t kBaseName = -2;
constexpr int64_t kBaseTime = -3;
constexpr int64_t kBaseUnit = -4;
constexpr int64_t kBaseValue = -5;
constexpr int64_t kBaseSum = -6;
constexpr int64_t kName = 0;
constexpr int64_t kUnit = 1;
constexpr int64_t kValue = 2;
constexpr int64_t kStringValue = 3;
constexpr int64_t kBooleanValue = 4;
constexpr int64_t kSum = 5;
constexpr int64_t kTime = 6;
constexpr int64_t kUpdateTime = 7;
constexpr int64_t kDataValue = 8;

// The LwM2M object link value label; it has no integer form.
constexpr char kObjlnkLabel[] = "vlo";
constexpr uint32_t kObjlnkBit = 1u << 15;

// The SenML version that RFC 8428 defines.
constexpr uint64_t kSenmlVersion = 10;

// RFC 8428, 4.5.3: times below 2^28 seconds are relative to now.
constexpr double kRelativeTimeLimit = 268435456.0;

// Maximum length of a chunked text label. A longer one is rejected because
// its must-understand suffix cannot be checked.
constexpr size_t kLabelScratchSize = 16;

// Writes "/id" for each ID of `path` from `first` on; returns the length.
// `buffer` needs 6 bytes per ID.
size_t format_ids(const Path& path, uint8_t first, char* buffer) {
    size_t length = 0;
    for (uint8_t i = first; i < path.length; ++i) {
        buffer[length++] = '/';
        length += cbor::format_id(path.ids[i], buffer + length);
    }
    return length;
}

std::span<const uint8_t> as_bytes(const char* text, size_t length) {
    return {reinterpret_cast<const uint8_t*>(text), length};
}

Status write_record(CborWriter& writer, const OutputRecord& record, const Path& base, bool first) {
    if (!base.contains(record.path) || record.value.type == DataType::kNone) {
        return Status::kInvalidArgument;
    }
    const bool has_base_name = first && base.length > 0;
    const bool has_name = record.path.length > base.length;
    const bool has_time = record.timestamp_s != 0;
    writer.write_map(1 + (has_base_name ? 1 : 0) + (has_name ? 1 : 0) + (has_time ? 1 : 0));

    char text[4 * 6 + 1];
    if (has_base_name) {
        size_t length = format_ids(base, 0, text);
        text[length++] = '/';
        writer.write_integer(kBaseName);
        writer.write_text(as_bytes(text, length));
    }
    if (has_name) {
        // Without a base name the name is the absolute path; after "/3/0/"
        // it is relative, so its leading slash goes.
        const size_t length = format_ids(record.path, base.length, text);
        const size_t skip = base.length > 0 ? 1 : 0;
        writer.write_integer(kName);
        writer.write_text(as_bytes(text + skip, length - skip));
    }
    if (has_time) {
        writer.write_integer(kTime);
        writer.write_integer(record.timestamp_s);
    }

    const Value& value = record.value;
    switch (value.type) {
        case DataType::kInteger:
        case DataType::kTime:
            writer.write_integer(kValue);
            writer.write_integer(value.type == DataType::kTime ? value.time : value.integer);
            break;
        case DataType::kUnsignedInteger:
            writer.write_integer(kValue);
            writer.write_unsigned(value.unsigned_integer);
            break;
        case DataType::kFloat:
            writer.write_integer(kValue);
            writer.write_float(value.floating);
            break;
        case DataType::kBoolean:
            writer.write_integer(kBooleanValue);
            writer.write_bool(value.boolean);
            break;
        case DataType::kString:
        case DataType::kCorelnk:
            writer.write_integer(kStringValue);
            writer.write_text(value.bytes);
            break;
        case DataType::kOpaque:
            writer.write_integer(kDataValue);
            writer.write_bytes(value.bytes);
            break;
        case DataType::kObjlnk: {
            writer.write_text(kObjlnkLabel);
            const size_t length = cbor::format_objlnk(value.objlnk, text);
            writer.write_text(as_bytes(text, length));
            break;
        }
        case DataType::kNone:
            break;
    }
    return Status::kOk;
}

// Parses the concatenation of `base` and `name` as an absolute path such as
// "/3/0/1"; one trailing slash is allowed ("/3/0/").
bool parse_name(std::span<const uint8_t> base, std::span<const uint8_t> name, Path& path) {
    const size_t total = base.size() + name.size();
    const auto at = [&](size_t i) { return i < base.size() ? base[i] : name[i - base.size()]; };
    if (total == 0 || at(0) != '/') {
        return false;
    }
    path = Path{};
    size_t i = 1;
    while (i < total) {
        if (path.length == 4) {
            return false;
        }
        uint32_t id = 0;
        size_t digits = 0;
        while (i < total && at(i) != '/') {
            const uint8_t c = at(i);
            if (c < '0' || c > '9' || ++digits > 5) {
                return false;
            }
            id = id * 10 + (c - '0');
            ++i;
        }
        if (digits == 0 || id > 0xffff) {
            return false;
        }
        path.ids[path.length++] = static_cast<uint16_t>(id);
        ++i;  // The slash, or one past the end.
    }
    return true;
}

}  // namespace

Status encode_senml_cbor(const Path& request_path, const RecordSource& source, PayloadSink& sink) {
    CborWriter writer(sink);
    if (source.count == 0) {
        writer.write_array(0);
        return Status::kOk;
    }
    if (source.get == nullptr) {
        return Status::kInvalidState;
    }
    OutputRecord record;
    if (!source.get(source.context, 0, record)) {
        return Status::kInvalidState;
    }

    // The base name must leave a non-empty name, so a request for a single
    // resource uses the object instance as base.
    Path base = request_path;
    if (record.path == request_path && base.length > 0) {
        --base.length;
    }

    writer.write_array(source.count);
    for (size_t i = 0; i < source.count; ++i) {
        if (i > 0 && !source.get(source.context, i, record)) {
            return Status::kInvalidState;
        }
        const Status status = write_record(writer, record, base, i == 0);
        if (status != Status::kOk) {
            return status;
        }
    }
    return Status::kOk;
}

Status SenmlCborDecoder::fail(Status status) {
    state_ = State::kFailed;
    return status == Status::kMessageTooLarge ? status : Status::kMalformed;
}

Status SenmlCborDecoder::next_entry(Path& path) {
    if (state_ == State::kFailed) {
        return Status::kMalformed;
    }
    if (state_ == State::kDone) {
        return Status::kNotFound;
    }
    if (state_ == State::kStart) {
        Item item;
        if (reader_.read(item) != Status::kOk || item.type != ItemType::kArray) {
            return fail(Status::kMalformed);
        }
        state_ = State::kInArray;
    }

    bool more = false;
    if (reader_.has_next(more) != Status::kOk) {
        return fail(Status::kMalformed);
    }
    if (!more) {
        if (!reader_.at_end()) {
            return fail(Status::kMalformed);
        }
        state_ = State::kDone;
        return Status::kNotFound;
    }
    const Status status = read_record(path);
    if (status != Status::kOk) {
        return fail(status);
    }
    state_ = State::kEntry;
    return Status::kOk;
}

Status SenmlCborDecoder::read_record(Path& path) {
    Item item;
    if (reader_.read(item) != Status::kOk || item.type != ItemType::kMap) {
        return Status::kMalformed;
    }
    value_label_ = ValueLabel::kNone;
    Record record;
    // Each pass consumes at least one byte of the payload.
    while (true) {
        bool more = false;
        if (reader_.has_next(more) != Status::kOk) {
            return Status::kMalformed;
        }
        if (!more) {
            break;
        }
        const Status status = read_pair(record);
        if (status != Status::kOk) {
            return status;
        }
    }
    return finish_record(record, path);
}

Status SenmlCborDecoder::read_pair(Record& record) {
    Item key;
    if (reader_.read(key) != Status::kOk) {
        return Status::kMalformed;
    }
    if (key.type == ItemType::kUnsigned || key.type == ItemType::kNegative) {
        if (key.argument > 64) {
            return Status::kMalformed;  // No such label.
        }
        const int64_t label = key.type == ItemType::kUnsigned
                                  ? static_cast<int64_t>(key.argument)
                                  : -1 - static_cast<int64_t>(key.argument);
        if (label < kBaseSum || label > kDataValue) {
            return Status::kMalformed;
        }
        const uint32_t bit = 1u << (label - kBaseSum);
        if ((record.seen_labels & bit) != 0) {
            return Status::kMalformed;
        }
        record.seen_labels |= bit;
        return read_integer_label(label, record);
    }
    if (key.type != ItemType::kTextString) {
        return Status::kMalformed;
    }
    uint8_t label_scratch[kLabelScratchSize];
    std::span<const uint8_t> label;
    if (reader_.read_any_string(key, label_scratch, label) != Status::kOk) {
        return Status::kMalformed;
    }
    return read_text_label(label, record);
}

Status SenmlCborDecoder::read_integer_label(int64_t label, Record& record) {
    switch (label) {
        case kBaseVersion: {
            Item item;
            if (reader_.read(item) != Status::kOk || item.type != ItemType::kUnsigned ||
                item.argument > kSenmlVersion) {
                return Status::kMalformed;
            }
            return Status::kOk;
        }
        case kBaseName: {
            std::span<const uint8_t> name;
            const Status status = read_name(base_name_, name);
            if (status != Status::kOk) {
                return status;
            }
            // A definite-length name still views the payload.
            std::memmove(base_name_, name.data(), name.size());
            base_name_length_ = name.size();
            return Status::kOk;
        }
        case kBaseTime:
            has_base_time_ = true;
            return read_number_field(base_time_);
        case kBaseValue:
            return read_number_field(base_value_);
        case kName:
            return read_name(name_, record.name);
        case kTime:
            record.has_time = true;
            return read_number_field(record.time);
        case kValue:
            return mark_value(ValueLabel::kNumber, ItemType::kUnsigned);
        case kStringValue:
            return mark_value(ValueLabel::kString, ItemType::kTextString);
        case kBooleanValue:
            return mark_value(ValueLabel::kBoolean, ItemType::kBoolean);
        case kDataValue:
            return mark_value(ValueLabel::kData, ItemType::kByteString);
        case kBaseUnit:
        case kBaseSum:
        case kUnit:
        case kSum:
        case kUpdateTime:
        default:
            return reader_.skip();
    }
}

Status SenmlCborDecoder::read_text_label(std::span<const uint8_t> label, Record& record) {
    const size_t objlnk_length = sizeof(kObjlnkLabel) - 1;
    if (label.size() == objlnk_length &&
        std::memcmp(label.data(), kObjlnkLabel, objlnk_length) == 0) {
        if ((record.seen_labels & kObjlnkBit) != 0) {
            return Status::kMalformed;
        }
        record.seen_labels |= kObjlnkBit;
        return mark_value(ValueLabel::kObjlnk, ItemType::kTextString);
    }
    // RFC 8428, 4.4: a label ending in '_' must be understood.
    if (!label.empty() && label.back() == '_') {
        return Status::kMalformed;
    }
    return reader_.skip();
}

Status SenmlCborDecoder::read_number_field(double& number) {
    Item item;
    uint64_t tag = CborReader::kNoTag;
    cbor::Number parsed;
    if (reader_.read_untagged(item, tag) != Status::kOk ||
        reader_.read_number(item, tag, parsed) != Status::kOk) {
        return Status::kMalformed;
    }
    number = cbor::to_double(parsed);
    return Status::kOk;
}

Status SenmlCborDecoder::read_name(std::span<uint8_t> buffer, std::span<const uint8_t>& name) {
    Item item;
    if (reader_.read(item) != Status::kOk || item.type != ItemType::kTextString) {
        return Status::kMalformed;
    }
    const Status status = reader_.read_any_string(item, buffer, name);
    if (status == Status::kOk && name.size() > kNameSize) {
        return Status::kMessageTooLarge;
    }
    return status;
}

// Notes where the value starts, for read_value(), and checks its type.
Status SenmlCborDecoder::mark_value(ValueLabel label, ItemType expected) {
    if (value_label_ != ValueLabel::kNone) {
        return Status::kMalformed;  // A record carries one value.
    }
    value_label_ = label;
    value_offset_ = reader_.offset();

    Item item;
    uint64_t tag = CborReader::kNoTag;
    if (reader_.read_untagged(item, tag) != Status::kOk) {
        return Status::kMalformed;
    }
    if (label == ValueLabel::kNumber) {
        cbor::Number number;
        return reader_.read_number(item, tag, number);
    }
    if (item.type != expected) {
        return Status::kMalformed;
    }
    return reader_.skip_rest(item);
}

Status SenmlCborDecoder::finish_record(const Record& record, Path& path) {
    const std::span<const uint8_t> base(base_name_, base_name_length_);
    if (!parse_name(base, record.name, path) || !request_path_.contains(path)) {
        return Status::kMalformed;
    }

    timestamp_s_ = 0;
    if (record.has_time || has_base_time_) {
        const double time = base_time_ + (record.has_time ? record.time : 0.0);
        if (!std::isfinite(time) || std::fabs(time) >= 9.0e18) {
            return Status::kMalformed;
        }
        const int64_t seconds = floor_int64(time);
        timestamp_s_ = time >= kRelativeTimeLimit ? seconds : now_s_ + seconds;
    }
    return Status::kOk;
}

bool SenmlCborDecoder::fits(DataType type, ValueLabel label) {
    switch (type) {
        case DataType::kInteger:
        case DataType::kUnsignedInteger:
        case DataType::kFloat:
        case DataType::kTime:
            return label == ValueLabel::kNumber;
        case DataType::kString:
        case DataType::kCorelnk:
            return label == ValueLabel::kString;
        case DataType::kBoolean:
            return label == ValueLabel::kBoolean;
        case DataType::kOpaque:
            return label == ValueLabel::kData;
        case DataType::kObjlnk:
            return label == ValueLabel::kObjlnk;
        case DataType::kNone:
            break;
    }
    return false;
}

Status SenmlCborDecoder::read_value(DataType type, Value& value) {
    if (state_ != State::kEntry) {
        return Status::kInvalidState;
    }
    if (value_label_ == ValueLabel::kNone || !fits(type, value_label_)) {
        return Status::kMalformed;
    }
    CborReader reader(payload_.subspan(value_offset_));
    if (value_label_ != ValueLabel::kNumber || base_value_ == 0.0) {
        return cbor::read_value(reader, type, scratch_, value);
    }

    // RFC 8428, 4.5.1: the value is the base value plus v.
    Item item;
    uint64_t tag = CborReader::kNoTag;
    cbor::Number number;
    if (reader.read_untagged(item, tag) != Status::kOk ||
        reader.read_number(item, tag, number) != Status::kOk) {
        return Status::kMalformed;
    }
    cbor::Number sum;
    sum.kind = cbor::Number::Kind::kFloat;
    sum.floating = base_value_ + cbor::to_double(number);
    return cbor::number_to_value(sum, type, value);
}

}  // namespace lwm2m::io
