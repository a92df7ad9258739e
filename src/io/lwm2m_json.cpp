#include "io/lwm2m_json.hpp"

#include <cmath>

#include "io/cbor_value.hpp"

namespace lwm2m::io {
namespace {

// Bits of the fields seen in one entry, to reject repeated fields.
constexpr uint32_t kNameBit = 1u << 0;
constexpr uint32_t kTimeBit = 1u << 1;
constexpr uint32_t kValueBit = 1u << 2;

// Maximum length of an object link text, "65535:65535".
constexpr size_t kObjlnkMaxLength = 11;

// First decoded byte of a non-empty string token.
uint8_t first_byte(std::span<const uint8_t> escaped) {
    JsonStringDecoder decoder(escaped);
    uint8_t c = 0;
    return decoder.next(c) ? c : 0;
}

// Reads the tokens of the array whose kArrayBegin was just read, up to and
// including its kArrayEnd.
Status skip_open_array(JsonReader& reader) {
    const size_t depth = reader.depth();
    JsonToken token = JsonToken::kEnd;
    // Each token consumes input, so the payload size bounds the loop.
    while (reader.depth() >= depth) {
        if (reader.next(token) != Status::kOk) {
            return Status::kMalformed;
        }
    }
    return Status::kOk;
}

}  // namespace

Lwm2mJsonDecoder::Lwm2mJsonDecoder(std::span<const uint8_t> payload, const Path& request_path,
                                   std::span<uint8_t> scratch)
    : payload_(payload), reader_(payload), request_path_(request_path), scratch_(scratch) {}

Status Lwm2mJsonDecoder::fail() {
    state_ = State::kFailed;
    return Status::kMalformed;
}

Status Lwm2mJsonDecoder::next_entry(Path& path) {
    if (state_ == State::kFailed) {
        return Status::kMalformed;
    }
    if (state_ == State::kDone) {
        return Status::kNotFound;
    }
    if (state_ == State::kStart) {
        if (scan_root() != Status::kOk || enter_entries() != Status::kOk) {
            return fail();
        }
        state_ = State::kInArray;
    }

    JsonToken token = JsonToken::kEnd;
    if (reader_.next(token) != Status::kOk) {
        return fail();
    }
    if (token == JsonToken::kArrayEnd) {
        // scan_root() has checked the rest of the payload.
        state_ = State::kDone;
        return Status::kNotFound;
    }
    if (token != JsonToken::kObjectBegin || read_entry(path) != Status::kOk) {
        return fail();
    }
    state_ = State::kEntry;
    return Status::kOk;
}

// Checks the JSON syntax of the whole payload and reads "bn" and "bt", which
// may come after "e".
Status Lwm2mJsonDecoder::scan_root() {
    JsonReader scan(payload_);
    JsonToken token = JsonToken::kEnd;
    if (scan.next(token) != Status::kOk || token != JsonToken::kObjectBegin) {
        return Status::kMalformed;
    }
    bool has_entries = false;
    bool has_base_name = false;
    // Each token consumes input, so the payload size bounds the loop.
    while (true) {
        if (scan.next(token) != Status::kOk) {
            return Status::kMalformed;
        }
        if (token == JsonToken::kObjectEnd) {
            break;
        }
        const std::span<const uint8_t> key = scan.token_text();
        if (json_string_equals(key, "e")) {
            if (has_entries || scan.next(token) != Status::kOk || token != JsonToken::kArrayBegin ||
                skip_open_array(scan) != Status::kOk) {
                return Status::kMalformed;
            }
            has_entries = true;
        } else if (json_string_equals(key, "bn")) {
            if (has_base_name || scan.next(token) != Status::kOk || token != JsonToken::kString) {
                return Status::kMalformed;
            }
            has_base_name = true;
            base_name_ = scan.token_text();
        } else if (json_string_equals(key, "bt")) {
            if (has_base_time_ || scan.next(token) != Status::kOk || token != JsonToken::kNumber ||
                !json_number_to_double(scan.token_text(), base_time_)) {
                return Status::kMalformed;
            }
            has_base_time_ = true;
        } else if (scan.skip_value() != Status::kOk) {
            return Status::kMalformed;
        }
    }
    if (scan.next(token) != Status::kOk || token != JsonToken::kEnd) {
        return Status::kMalformed;
    }
    return has_entries ? Status::kOk : Status::kMalformed;
}

// Moves reader_ into the "e" array, skipping the root fields before it.
Status Lwm2mJsonDecoder::enter_entries() {
    JsonToken token = JsonToken::kEnd;
    if (reader_.next(token) != Status::kOk || token != JsonToken::kObjectBegin) {
        return Status::kMalformed;
    }
    // scan_root() has found "e", so the loop ends there.
    while (true) {
        if (reader_.next(token) != Status::kOk || token != JsonToken::kKey) {
            return Status::kMalformed;
        }
        if (json_string_equals(reader_.token_text(), "e")) {
            const bool is_array =
                reader_.next(token) == Status::kOk && token == JsonToken::kArrayBegin;
            return is_array ? Status::kOk : Status::kMalformed;
        }
        if (reader_.skip_value() != Status::kOk) {
            return Status::kMalformed;
        }
    }
}

Status Lwm2mJsonDecoder::read_entry(Path& path) {
    name_ = {};
    time_ = 0;
    value_field_ = ValueField::kNone;
    uint32_t seen = 0;

    // Each token consumes input, so the payload size bounds the loop.
    while (true) {
        JsonToken token = JsonToken::kEnd;
        if (reader_.next(token) != Status::kOk) {
            return Status::kMalformed;
        }
        if (token == JsonToken::kObjectEnd) {
            break;
        }
        if (read_field(reader_.token_text(), seen) != Status::kOk) {
            return Status::kMalformed;
        }
    }
    if (value_field_ == ValueField::kNone || resolve_path(path) != Status::kOk) {
        return Status::kMalformed;
    }
    return resolve_time();
}

// Reads the value of the field named `key` (a key token) of an entry.
Status Lwm2mJsonDecoder::read_field(std::span<const uint8_t> key, uint32_t& seen) {
    struct Field {
        const char* label;
        uint32_t bit;
        JsonToken token;
        ValueField value;
    };
    static constexpr Field kFields[] = {
        {"n", kNameBit, JsonToken::kString, ValueField::kNone},
        {"t", kTimeBit, JsonToken::kNumber, ValueField::kNone},
        {"v", kValueBit, JsonToken::kNumber, ValueField::kNumber},
        {"sv", kValueBit, JsonToken::kString, ValueField::kString},
        {"bv", kValueBit, JsonToken::kTrue, ValueField::kBoolean},
        {"ov", kValueBit, JsonToken::kString, ValueField::kObjlnk},
    };
    const Field* field = nullptr;
    for (const Field& candidate : kFields) {
        if (json_string_equals(key, candidate.label)) {
            field = &candidate;
            break;
        }
    }
    if (field == nullptr) {
        return reader_.skip_value();
    }
    if ((seen & field->bit) != 0) {
        return Status::kMalformed;  // A repeated field, or a second value.
    }
    seen |= field->bit;

    JsonToken token = JsonToken::kEnd;
    if (reader_.next(token) != Status::kOk) {
        return Status::kMalformed;
    }
    const bool is_boolean = token == JsonToken::kTrue || token == JsonToken::kFalse;
    if (token != field->token && !(field->value == ValueField::kBoolean && is_boolean)) {
        return Status::kMalformed;
    }
    const std::span<const uint8_t> text = reader_.token_text();
    if (field->bit == kNameBit) {
        name_ = text;
        return Status::kOk;
    }
    if (field->bit == kTimeBit) {
        return json_number_to_double(text, time_) ? Status::kOk : Status::kMalformed;
    }
    value_field_ = field->value;
    value_text_ = text;
    boolean_ = token == JsonToken::kTrue;
    return Status::kOk;
}

Status Lwm2mJsonDecoder::resolve_path(Path& path) const {
    // NOTE: joining "/3/0" and "1" with a slash departs from plain
    // concatenation ("/3/0/" + "1"), but some LwM2M 1.0 servers send base
    // names without the trailing slash, and concatenation would turn their
    // "/3/0" + "1" into the wrong path "/3/01".
    const bool needs_slash = !base_name_.empty() && !name_.empty() &&
                             json_string_last_byte(base_name_) != '/' && first_byte(name_) != '/';
    JsonPathParser parser;
    if (!parser.feed_string(base_name_) || (needs_slash && !parser.feed('/')) ||
        !parser.feed_string(name_) || !parser.finish(path)) {
        return Status::kMalformed;
    }
    if (path.length < 3 || !request_path_.contains(path)) {
        return Status::kMalformed;
    }
    return Status::kOk;
}

Status Lwm2mJsonDecoder::resolve_time() {
    const double time = base_time_ + time_;
    // Doubles in this range convert to int64 exactly after flooring.
    if (!(time > -9.2e18 && time < 9.2e18)) {
        return Status::kMalformed;
    }
    timestamp_s_ = static_cast<int64_t>(std::floor(time));
    return Status::kOk;
}

Status Lwm2mJsonDecoder::read_value(DataType type, Value& value) {
    if (state_ != State::kEntry) {
        return Status::kInvalidState;
    }
    switch (type) {
        case DataType::kInteger:
        case DataType::kUnsignedInteger:
        case DataType::kFloat:
        case DataType::kTime:
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
            return value_field_ == ValueField::kString
                       ? json_base64_to_value(value_text_, scratch_, value)
                       : Status::kMalformed;
        case DataType::kObjlnk: {
            uint8_t text[kObjlnkMaxLength];
            if (value_field_ != ValueField::kObjlnk) {
                return Status::kMalformed;
            }
            const Result<size_t> length = json_decode_string(value_text_, text);
            Objlnk link;
            if (!length.ok() || !cbor::parse_objlnk({text, length.value()}, link)) {
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
