#include "io/senml_json.hpp"

#include <cmath>

namespace lwm2m::io {
namespace {

// ---------------------------------------------------------------------------
// Encoder

void write_text(PayloadSink& sink, const char* text, size_t length) {
    sink.write({reinterpret_cast<const uint8_t*>(text), length});
}

void write_uint(PayloadSink& sink, uint64_t value) {
    char text[kJsonNumberMaxLength];
    write_text(sink, text, format_uint64(value, text));
}

void write_int(PayloadSink& sink, int64_t value) {
    char text[kJsonNumberMaxLength];
    write_text(sink, text, format_int64(value, text));
}

// Writes `bytes` as a JSON string (RFC 8259, section 7): quote and backslash
// escaped, control characters as \u00XX, everything else as is.
Status write_string(PayloadSink& sink, std::span<const uint8_t> bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    sink.write('"');
    size_t run_start = 0;
    size_t i = 0;
    while (i < bytes.size()) {
        const uint8_t c = bytes[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            const size_t length = utf8_sequence_length(bytes, i);
            if (length == 0) {
                return Status::kInvalidArgument;
            }
            i += length;
            continue;
        }
        sink.write(bytes.subspan(run_start, i - run_start));
        if (c < 0x20) {
            const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
            write_text(sink, escape, sizeof escape);
        } else {
            const char escape[] = {'\\', static_cast<char>(c)};
            write_text(sink, escape, sizeof escape);
        }
        run_start = ++i;
    }
    sink.write(bytes.subspan(run_start));
    sink.write('"');
    return Status::kOk;
}

// Base64 with the URL-safe alphabet and no padding (RFC 8428, section 5).
void write_base64url(PayloadSink& sink, std::span<const uint8_t> bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    sink.write('"');
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const size_t available = bytes.size() - i < 3 ? bytes.size() - i : 3;
        uint32_t group = uint32_t{bytes[i]} << 16;
        group |= available > 1 ? uint32_t{bytes[i + 1]} << 8 : 0;
        group |= available > 2 ? uint32_t{bytes[i + 2]} : 0;
        const char quad[] = {kAlphabet[(group >> 18) & 63], kAlphabet[(group >> 12) & 63],
                             kAlphabet[(group >> 6) & 63], kAlphabet[group & 63]};
        write_text(sink, quad, available + 1);
    }
    sink.write('"');
}

// Writes the IDs `from` to the end of `path`, separated by '/'.
void write_ids(PayloadSink& sink, const Path& path, uint8_t from) {
    for (uint8_t i = from; i < path.length; ++i) {
        if (i > from) {
            sink.write('/');
        }
        write_uint(sink, path.ids[i]);
    }
}

Status write_value(PayloadSink& sink, const Value& value) {
    switch (value.type) {
        case DataType::kNone:
            return Status::kOk;
        case DataType::kInteger:
            sink.write(",\"v\":");
            write_int(sink, value.integer);
            return Status::kOk;
        case DataType::kTime:
            sink.write(",\"v\":");
            write_int(sink, value.time);
            return Status::kOk;
        case DataType::kUnsignedInteger:
            sink.write(",\"v\":");
            write_uint(sink, value.unsigned_integer);
            return Status::kOk;
        case DataType::kFloat: {
            if (!std::isfinite(value.floating)) {
                return Status::kInvalidArgument;
            }
            char text[kJsonNumberMaxLength];
            sink.write(",\"v\":");
            write_text(sink, text, format_double(value.floating, text));
            return Status::kOk;
        }
        case DataType::kBoolean:
            sink.write(value.boolean ? ",\"vb\":true" : ",\"vb\":false");
            return Status::kOk;
        case DataType::kString:
        case DataType::kCorelnk:
            sink.write(",\"vs\":");
            return write_string(sink, value.bytes);
        case DataType::kOpaque:
            sink.write(",\"vd\":");
            write_base64url(sink, value.bytes);
            return Status::kOk;
        case DataType::kObjlnk:
            sink.write(",\"vlo\":\"");
            write_uint(sink, value.objlnk.object_id);
            sink.write(':');
            write_uint(sink, value.objlnk.instance_id);
            sink.write('"');
            return Status::kOk;
    }
    return Status::kInvalidArgument;
}

}  // namespace

Status encode_senml_json(const Path& request_path, const RecordSource& source, PayloadSink& sink) {
    sink.write('[');
    uint8_t base_length = request_path.length;
    for (size_t i = 0; i < source.count; ++i) {
        OutputRecord record;
        if (source.get == nullptr || !source.get(source.context, i, record)) {
            return Status::kInvalidState;
        }
        if (record.path.length < 3 || !request_path.contains(record.path)) {
            return Status::kInvalidArgument;
        }
        if (i == 0) {
            // Records come in ascending path order, so a record on the request
            // path itself comes first. Its name needs the last ID, so the base
            // name stops at the parent ("/3/0/" + "1").
            if (record.path.length == base_length) {
                --base_length;
            }
            Path base = record.path;
            base.length = base_length;
            sink.write("{\"bn\":\"/");
            write_ids(sink, base, 0);
            sink.write(base_length > 0 ? "/\"," : "\",");
        } else {
            sink.write(",{");
        }
        if (record.path.length <= base_length) {
            return Status::kInvalidArgument;
        }

        sink.write("\"n\":\"");
        write_ids(sink, record.path, base_length);
        sink.write('"');
        const Status status = write_value(sink, record.value);
        if (status != Status::kOk) {
            return status;
        }
        if (record.timestamp_s != 0) {
            sink.write(",\"t\":");
            write_int(sink, record.timestamp_s);
        }
        sink.write('}');
    }
    sink.write(']');
    return Status::kOk;
}

// ---------------------------------------------------------------------------
// Decoder

namespace {

// Bits of the fields seen in one record, to reject repeated fields.
enum FieldBit : uint32_t {
    kBaseNameBit = 1u << 0,
    kBaseTimeBit = 1u << 1,
    kNameBit = 1u << 2,
    kTimeBit = 1u << 3,
    kValueBit = 1u << 4,
    kVersionBit = 1u << 5,
};

// RFC 8428, section 4.4: the version this decoder implements (the default).
constexpr int64_t kSenmlVersion = 10;

// RFC 8428, section 4.5.3: times below 2^28 are relative to "now".
constexpr double kRelativeTimeLimit = 268435456.0;

// Parses the "object:instance" text of an object link. Each ID may take the
// whole uint16 range, 65535 included.
bool parse_objlnk(std::span<const uint8_t> escaped, Objlnk& link) {
    JsonStringDecoder decoder(escaped);
    uint32_t ids[2] = {};
    size_t digits[2] = {};
    size_t part = 0;
    uint8_t c = 0;
    while (decoder.next(c)) {
        if (c == ':' && part == 0) {
            part = 1;
            continue;
        }
        const uint32_t digit = static_cast<uint32_t>(c - '0');
        if (c < '0' || c > '9' || ids[part] * 10 + digit > 0xFFFF) {
            return false;
        }
        ids[part] = ids[part] * 10 + digit;
        ++digits[part];
    }
    if (part != 1 || digits[0] == 0 || digits[1] == 0) {
        return false;
    }
    link.object_id = static_cast<uint16_t>(ids[0]);
    link.instance_id = static_cast<uint16_t>(ids[1]);
    return true;
}

}  // namespace

SenmlJsonDecoder::SenmlJsonDecoder(std::span<const uint8_t> payload, const Path& request_path,
                                   std::span<uint8_t> scratch, int64_t now_s)
    : reader_(payload), request_path_(request_path), scratch_(scratch), now_s_(now_s) {}

Status SenmlJsonDecoder::fail() {
    failed_ = true;
    has_entry_ = false;
    return Status::kMalformed;
}

Status SenmlJsonDecoder::start() {
    JsonToken token = JsonToken::kEnd;
    if (reader_.next(token) != Status::kOk || token != JsonToken::kArrayBegin) {
        return fail();
    }
    started_ = true;
    return Status::kOk;
}

Status SenmlJsonDecoder::next_entry(Path& path) {
    if (failed_) {
        return Status::kMalformed;
    }
    if (finished_) {
        return Status::kNotFound;
    }
    has_entry_ = false;
    if (!started_ && start() != Status::kOk) {
        return Status::kMalformed;
    }
    JsonToken token = JsonToken::kEnd;
    if (reader_.next(token) != Status::kOk) {
        return fail();
    }
    if (token == JsonToken::kArrayEnd) {
        // Only whitespace may follow the pack.
        if (reader_.next(token) != Status::kOk || token != JsonToken::kEnd) {
            return fail();
        }
        finished_ = true;
        return Status::kNotFound;
    }
    if (token != JsonToken::kObjectBegin) {
        return fail();
    }
    return read_record(path);
}

Status SenmlJsonDecoder::read_record(Path& path) {
    name_ = {};
    time_ = 0;
    value_field_ = ValueField::kNone;
    uint32_t seen = 0;

    JsonToken token = JsonToken::kEnd;
    bool closed = false;
    // Each token consumes input, so the payload size bounds the loop.
    while (!closed) {
        if (reader_.next(token) != Status::kOk) {
            return fail();
        }
        if (token == JsonToken::kObjectEnd) {
            closed = true;
        } else if (read_field(reader_.token_text(), seen) != Status::kOk) {
            return fail();
        }
    }
    if (resolve_path(path) != Status::kOk) {
        return fail();
    }
    const bool has_time = (seen & kTimeBit) != 0 || base_time_ != 0;
    timestamp_s_ = 0;
    if (has_time && resolve_time() != Status::kOk) {
        return fail();
    }
    has_entry_ = true;
    return Status::kOk;
}

// Reads the value of the field named `key` (a key token).
Status SenmlJsonDecoder::read_field(std::span<const uint8_t> key, uint32_t& seen) {
    struct Field {
        const char* label;
        uint32_t bit;
    };
    static constexpr Field kFields[] = {
        {"bn", kBaseNameBit}, {"bt", kBaseTimeBit},  {"n", kNameBit},   {"t", kTimeBit},
        {"v", kValueBit},     {"vs", kValueBit},     {"vb", kValueBit}, {"vd", kValueBit},
        {"vlo", kValueBit},   {"bver", kVersionBit}, {"bv", 0},
    };
    const Field* field = nullptr;
    for (const Field& candidate : kFields) {
        if (json_string_equals(key, candidate.label)) {
            field = &candidate;
            break;
        }
    }
    if (field == nullptr) {
        // RFC 8428, section 4.4: unknown labels ending in '_' must be understood.
        return json_string_last_byte(key) == '_' ? Status::kMalformed : reader_.skip_value();
    }
    // NOTE: a base value would have to be added to every later number in the
    // type of each resource. LwM2M does not use it, so it is rejected.
    if (field->bit == 0 || (seen & field->bit) != 0) {
        return Status::kMalformed;
    }
    seen |= field->bit;

    JsonToken token = JsonToken::kEnd;
    if (reader_.next(token) != Status::kOk) {
        return Status::kMalformed;
    }
    const std::span<const uint8_t> text = reader_.token_text();
    const bool is_string = token == JsonToken::kString;
    const bool is_number = token == JsonToken::kNumber;

    switch (field->bit) {
        case kBaseNameBit:
        case kNameBit:
            if (!is_string) {
                return Status::kMalformed;
            }
            (field->bit == kBaseNameBit ? base_name_ : name_) = text;
            return Status::kOk;
        case kBaseTimeBit:
        case kTimeBit: {
            double time = 0;
            if (!is_number || !json_number_to_double(text, time)) {
                return Status::kMalformed;
            }
            (field->bit == kBaseTimeBit ? base_time_ : time_) = time;
            return Status::kOk;
        }
        case kVersionBit: {
            int64_t version = 0;
            const bool valid = is_number && json_number_to_int64(text, version);
            return valid && version > 0 && version <= kSenmlVersion ? Status::kOk
                                                                    : Status::kMalformed;
        }
        default:
            break;
    }
    return read_value_field(field->label, token);
}

// Stores the value of the value field `label`, whose token was just read.
Status SenmlJsonDecoder::read_value_field(const char* label, JsonToken token) {
    value_text_ = reader_.token_text();
    if (label[1] == '\0') {
        value_field_ = ValueField::kNumber;
        return token == JsonToken::kNumber ? Status::kOk : Status::kMalformed;
    }
    if (label[1] == 'b') {
        value_field_ = ValueField::kBoolean;
        boolean_ = token == JsonToken::kTrue;
        const bool is_boolean = token == JsonToken::kTrue || token == JsonToken::kFalse;
        return is_boolean ? Status::kOk : Status::kMalformed;
    }
    value_field_ = label[1] == 's'   ? ValueField::kString
                   : label[1] == 'd' ? ValueField::kData
                                     : ValueField::kObjlnk;
    return token == JsonToken::kString ? Status::kOk : Status::kMalformed;
}

Status SenmlJsonDecoder::resolve_path(Path& path) const {
    // RFC 8428, section 4.5.1: the name is the base name followed by "n".
    JsonPathParser parser;
    if (!parser.feed_string(base_name_) || !parser.feed_string(name_) || !parser.finish(path)) {
        return Status::kMalformed;
    }
    if (value_field_ != ValueField::kNone && path.length < 3) {
        return Status::kMalformed;
    }
    return request_path_.contains(path) ? Status::kOk : Status::kMalformed;
}

Status SenmlJsonDecoder::resolve_time() {
    double time = base_time_ + time_;
    if (time < kRelativeTimeLimit) {
        time += static_cast<double>(now_s_);
    }
    // Doubles in this range convert to int64 exactly after flooring.
    if (!(time > -9.2e18 && time < 9.2e18)) {
        return Status::kMalformed;
    }
    timestamp_s_ = static_cast<int64_t>(std::floor(time));
    return Status::kOk;
}

Status SenmlJsonDecoder::read_value(DataType type, Value& value) {
    if (!has_entry_) {
        return Status::kInvalidState;
    }
    if (value_field_ == ValueField::kNone) {
        value = Value();
        return Status::kOk;
    }
    switch (type) {
        case DataType::kInteger:
        case DataType::kTime:
        case DataType::kUnsignedInteger:
        case DataType::kFloat:
            return value_field_ == ValueField::kNumber
                       ? json_number_to_value(value_text_, type, value)
                       : Status::kMalformed;
        case DataType::kBoolean:
            if (value_field_ != ValueField::kBoolean) {
                return Status::kMalformed;
            }
            value = Value::make_boolean(boolean_);
            return Status::kOk;
        case DataType::kString:
        case DataType::kCorelnk:
            return value_field_ == ValueField::kString
                       ? json_string_to_value(value_text_, type, scratch_, value)
                       : Status::kMalformed;
        case DataType::kOpaque:
            return value_field_ == ValueField::kData
                       ? json_base64_to_value(value_text_, scratch_, value)
                       : Status::kMalformed;
        case DataType::kObjlnk: {
            Objlnk link;
            if (value_field_ != ValueField::kObjlnk || !parse_objlnk(value_text_, link)) {
                return Status::kMalformed;
            }
            value = Value::make_objlnk(link.object_id, link.instance_id);
            return Status::kOk;
        }
        case DataType::kNone:
            break;
    }
    return Status::kMalformed;
}

}  // namespace lwm2m::io
