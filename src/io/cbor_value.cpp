#include "io/cbor_value.hpp"

#include "io/float_bits.hpp"

namespace lwm2m::io {
namespace cbor {
namespace {

bool parse_id(std::span<const uint8_t> text, uint16_t& id) {
    if (text.empty() || text.size() > 5) {
        return false;
    }
    uint32_t value = 0;
    for (const uint8_t c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    if (value > 0xffff) {
        return false;
    }
    id = static_cast<uint16_t>(value);
    return true;
}

Status signed_value(const Number& number, int64_t& result) {
    switch (number.kind) {
        case Number::Kind::kUnsigned:
            if (number.argument > static_cast<uint64_t>(INT64_MAX)) {
                return Status::kMalformed;
            }
            result = static_cast<int64_t>(number.argument);
            return Status::kOk;
        case Number::Kind::kNegative:
            if (number.argument > static_cast<uint64_t>(INT64_MAX)) {
                return Status::kMalformed;
            }
            result = -1 - static_cast<int64_t>(number.argument);
            return Status::kOk;
        case Number::Kind::kFloat:
            break;
    }
    return exact_int64(number.floating, result) ? Status::kOk : Status::kMalformed;
}

Status unsigned_value(const Number& number, uint64_t& result) {
    switch (number.kind) {
        case Number::Kind::kUnsigned:
            result = number.argument;
            return Status::kOk;
        case Number::Kind::kNegative:
            return Status::kMalformed;
        case Number::Kind::kFloat:
            break;
    }
    return exact_uint64(number.floating, result) ? Status::kOk : Status::kMalformed;
}

Status read_text_or_bytes(CborReader& reader, const Item& item, ItemType expected,
                          std::span<uint8_t> scratch, std::span<const uint8_t>& bytes) {
    if (item.type != expected) {
        return Status::kMalformed;
    }
    return reader.read_any_string(item, scratch, bytes);
}

}  // namespace

size_t format_id(uint16_t id, char* buffer) {
    char digits[5];
    size_t count = 0;
    do {
        digits[count++] = static_cast<char>('0' + id % 10);
        id = static_cast<uint16_t>(id / 10);
    } while (id != 0);
    for (size_t i = 0; i < count; ++i) {
        buffer[i] = digits[count - 1 - i];
    }
    return count;
}

bool parse_objlnk(std::span<const uint8_t> text, Objlnk& objlnk) {
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ':') {
            return parse_id(text.first(i), objlnk.object_id) &&
                   parse_id(text.subspan(i + 1), objlnk.instance_id);
        }
    }
    return false;
}

size_t format_objlnk(const Objlnk& objlnk, char* buffer) {
    size_t length = format_id(objlnk.object_id, buffer);
    buffer[length++] = ':';
    length += format_id(objlnk.instance_id, buffer + length);
    return length;
}

Status number_to_value(const Number& number, DataType type, Value& value) {
    switch (type) {
        case DataType::kInteger:
        case DataType::kTime: {
            int64_t result = 0;
            if (signed_value(number, result) != Status::kOk) {
                return Status::kMalformed;
            }
            value =
                type == DataType::kTime ? Value::make_time(result) : Value::make_integer(result);
            return Status::kOk;
        }
        case DataType::kUnsignedInteger: {
            uint64_t result = 0;
            if (unsigned_value(number, result) != Status::kOk) {
                return Status::kMalformed;
            }
            value = Value::make_unsigned(result);
            return Status::kOk;
        }
        case DataType::kFloat:
            value = Value::make_float(to_double(number));
            return Status::kOk;
        default:
            return Status::kMalformed;
    }
}

bool write_value(CborWriter& writer, const Value& value) {
    switch (value.type) {
        case DataType::kInteger:
            writer.write_integer(value.integer);
            return true;
        case DataType::kUnsignedInteger:
            writer.write_unsigned(value.unsigned_integer);
            return true;
        case DataType::kFloat:
            writer.write_float(value.floating);
            return true;
        case DataType::kBoolean:
            writer.write_bool(value.boolean);
            return true;
        case DataType::kString:
        case DataType::kCorelnk:
            writer.write_text(value.bytes);
            return true;
        case DataType::kOpaque:
            writer.write_bytes(value.bytes);
            return true;
        case DataType::kTime:
            // NOTE: tag 1 (epoch-based date/time) on time values is not
            // confirmed against the LwM2M specification text. The decoder
            // accepts time with or without the tag.
            writer.write_tag(kTagEpochTime);
            writer.write_integer(value.time);
            return true;
        case DataType::kObjlnk: {
            char text[12];
            const size_t length = format_objlnk(value.objlnk, text);
            writer.write_text({reinterpret_cast<const uint8_t*>(text), length});
            return true;
        }
        case DataType::kNone:
            break;
    }
    return false;
}

Status read_value(CborReader& reader, DataType type, std::span<uint8_t> scratch, Value& value) {
    Item item;
    uint64_t tag = CborReader::kNoTag;
    if (reader.read_untagged(item, tag) != Status::kOk) {
        return Status::kMalformed;
    }

    switch (type) {
        case DataType::kInteger:
        case DataType::kUnsignedInteger:
        case DataType::kFloat:
        case DataType::kTime: {
            Number number;
            if (reader.read_number(item, tag, number) != Status::kOk) {
                return Status::kMalformed;
            }
            return number_to_value(number, type, value);
        }
        case DataType::kBoolean:
            if (item.type != ItemType::kBoolean) {
                return Status::kMalformed;
            }
            value = Value::make_boolean(item.boolean);
            return Status::kOk;
        case DataType::kString:
        case DataType::kCorelnk:
        case DataType::kOpaque: {
            const ItemType expected =
                type == DataType::kOpaque ? ItemType::kByteString : ItemType::kTextString;
            std::span<const uint8_t> bytes;
            const Status status = read_text_or_bytes(reader, item, expected, scratch, bytes);
            if (status != Status::kOk) {
                return status;
            }
            value = Value::make_bytes(type, bytes);
            return Status::kOk;
        }
        case DataType::kObjlnk: {
            std::span<const uint8_t> text;
            const Status status =
                read_text_or_bytes(reader, item, ItemType::kTextString, scratch, text);
            if (status != Status::kOk) {
                return status;
            }
            Objlnk objlnk;
            if (!parse_objlnk(text, objlnk)) {
                return Status::kMalformed;
            }
            value = Value::make_objlnk(objlnk.object_id, objlnk.instance_id);
            return Status::kOk;
        }
        case DataType::kNone:
            break;
    }
    return Status::kMalformed;
}

}  // namespace cbor

Status encode_cbor(const Path& /*request_path*/, const RecordSource& source, PayloadSink& sink) {
    if (source.count != 1) {
        return Status::kInvalidArgument;
    }
    OutputRecord record;
    if (source.get == nullptr || !source.get(source.context, 0, record)) {
        return Status::kInvalidState;
    }
    cbor::CborWriter writer(sink);
    return cbor::write_value(writer, record.value) ? Status::kOk : Status::kInvalidArgument;
}

Status CborValueDecoder::next_entry(Path& path) {
    switch (state_) {
        case State::kStart: {
            // The payload must be exactly one well-formed data item.
            cbor::CborReader reader(payload_);
            if (reader.skip() != Status::kOk || !reader.at_end()) {
                state_ = State::kFailed;
                return Status::kMalformed;
            }
            state_ = State::kEntry;
            path = request_path_;
            return Status::kOk;
        }
        case State::kEntry:
        case State::kDone:
            state_ = State::kDone;
            return Status::kNotFound;
        case State::kFailed:
            break;
    }
    return Status::kMalformed;
}

Status CborValueDecoder::read_value(DataType type, Value& value) {
    if (state_ != State::kEntry) {
        return Status::kInvalidState;
    }
    cbor::CborReader reader(payload_);
    return cbor::read_value(reader, type, scratch_, value);
}

}  // namespace lwm2m::io
