#include "bootstrap_payload.hpp"

#include <bit>
#include <charconv>
#include <cstring>

namespace lwm2m::server {
namespace {

using nlohmann::json;

enum class ValueType { kInteger, kBoolean, kString, kOpaque };

struct NamedResource {
    std::uint16_t object_id;
    const char* name;
    std::uint16_t resource_id;
    ValueType type;
};

// Resources of the Security (0) and Server (1) objects that a configuration may name
// (LwM2M Core 1.1, appendix E.1 and E.2). Others are given by their numeric id.
constexpr NamedResource kNamedResources[] = {
    {0, "server_uri", 0, ValueType::kString},
    {0, "bootstrap_server", 1, ValueType::kBoolean},
    {0, "security_mode", 2, ValueType::kInteger},
    {0, "public_key_or_identity", 3, ValueType::kOpaque},
    {0, "server_public_key", 4, ValueType::kOpaque},
    {0, "secret_key", 5, ValueType::kOpaque},
    {0, "short_server_id", 10, ValueType::kInteger},
    {0, "client_hold_off_time", 11, ValueType::kInteger},
    {0, "bootstrap_server_account_timeout", 12, ValueType::kInteger},
    {1, "short_server_id", 0, ValueType::kInteger},
    {1, "lifetime", 1, ValueType::kInteger},
    {1, "default_pmin", 2, ValueType::kInteger},
    {1, "default_pmax", 3, ValueType::kInteger},
    {1, "disable_timeout", 5, ValueType::kInteger},
    {1, "notification_storing", 6, ValueType::kBoolean},
    {1, "binding", 7, ValueType::kString},
};

std::uint16_t parse_id(const std::string& text, const std::string& what) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65534) {
        throw WriteContentError("invalid " + what + " '" + text + "': expected 0 to 65534");
    }
    return static_cast<std::uint16_t>(value);
}

std::vector<std::uint8_t> parse_hex(const std::string& text, const std::string& where) {
    if (text.size() % 2 != 0) {
        throw WriteContentError(where + ": hex value '" + text + "' has an odd number of digits");
    }
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        unsigned byte = 0;
        const char* first = text.data() + i;
        const auto [end, ec] = std::from_chars(first, first + 2, byte, 16);
        if (ec != std::errc() || end != first + 2) {
            throw WriteContentError(where + ": '" + text + "' is not a hex string");
        }
        bytes.push_back(static_cast<std::uint8_t>(byte));
    }
    return bytes;
}

ResourceValue typed_value(const json& value, ValueType type, const std::string& where) {
    switch (type) {
        case ValueType::kInteger:
            if (value.is_number_integer()) {
                return value.get<std::int64_t>();
            }
            break;
        case ValueType::kBoolean:
            if (value.is_boolean()) {
                return value.get<bool>();
            }
            break;
        case ValueType::kString:
            if (value.is_string()) {
                return value.get<std::string>();
            }
            break;
        case ValueType::kOpaque:
            if (value.is_string()) {
                return parse_hex(value.get<std::string>(), where);
            }
            break;
    }
    throw WriteContentError(where + ": value " + value.dump() + " has the wrong JSON type");
}

// A resource given by numeric id takes its type from JSON: integer, float, boolean, string,
// or {"hex": "..."} for Opaque.
ResourceValue untyped_value(const json& value, const std::string& where) {
    if (value.is_boolean()) {
        return value.get<bool>();
    }
    if (value.is_number_integer()) {
        return value.get<std::int64_t>();
    }
    if (value.is_number_float()) {
        return value.get<double>();
    }
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_object() && value.size() == 1 && value.contains("hex") &&
        value["hex"].is_string()) {
        return parse_hex(value["hex"].get<std::string>(), where);
    }
    throw WriteContentError(where + ": value " + value.dump() +
                            " is not a number, boolean, string or {\"hex\": \"...\"}");
}

const NamedResource* find_named(std::uint16_t object_id, const std::string& name) {
    for (const NamedResource& named : kNamedResources) {
        if (named.object_id == object_id && name == named.name) {
            return &named;
        }
    }
    return nullptr;
}

InstanceContent parse_instance(std::uint16_t object_id, std::uint16_t instance_id,
                               const json& values) {
    const std::string instance_path =
        "/" + std::to_string(object_id) + "/" + std::to_string(instance_id);
    if (!values.is_object()) {
        throw WriteContentError(instance_path + ": \"values\" must be a JSON object");
    }

    InstanceContent instance;
    instance.id = instance_id;
    for (const auto& [key, value] : values.items()) {
        const NamedResource* named = find_named(object_id, key);
        const std::uint16_t resource_id =
            named != nullptr ? named->resource_id : parse_id(key, "resource name or id");
        const std::string where = instance_path + "/" + std::to_string(resource_id);
        if (instance.resources.contains(resource_id)) {
            throw WriteContentError(where + " is given twice");
        }

        ResourceEntry& entry = instance.resources[resource_id];
        if (named != nullptr) {
            entry.value = typed_value(value, named->type, where);
        } else if (value.is_array()) {
            // A multiple-instance resource, with resource instance ids 0, 1, ...
            for (std::size_t i = 0; i < value.size(); ++i) {
                entry.instances[static_cast<std::uint16_t>(i)] = untyped_value(value[i], where);
            }
        } else {
            entry.value = untyped_value(value, where);
        }
    }
    return instance;
}

// ---- LwM2M TLV (LwM2M Core 1.1, 7.4.3) ----

enum class TlvKind : std::uint8_t {
    kObjectInstance = 0,
    kResourceInstance = 1,
    kMultipleResource = 2,
    kResourceValue = 3,
};

void append_tlv(std::vector<std::uint8_t>& out, TlvKind kind, std::uint16_t id,
                const std::vector<std::uint8_t>& value) {
    // Type byte: bits 7-6 kind, bit 5 set for a 16-bit identifier, bits 4-3 the size of
    // the length field, or 0 with the length in bits 2-0.
    std::uint8_t type = static_cast<std::uint8_t>(static_cast<unsigned>(kind) << 6);
    if (id > 0xff) {
        type |= 0x20;
    }
    const std::size_t length = value.size();
    unsigned length_bytes = 0;
    if (length < 8) {
        type |= static_cast<std::uint8_t>(length);
    } else {
        length_bytes = 3;
        if (length <= 0xffff) {
            length_bytes = 2;
        }
        if (length <= 0xff) {
            length_bytes = 1;
        }
        type |= static_cast<std::uint8_t>(length_bytes << 3);
    }

    out.push_back(type);
    if (id > 0xff) {
        out.push_back(static_cast<std::uint8_t>(id >> 8));
    }
    out.push_back(static_cast<std::uint8_t>(id));
    for (unsigned i = length_bytes; i > 0; --i) {
        out.push_back(static_cast<std::uint8_t>(length >> (8 * (i - 1))));
    }
    out.insert(out.end(), value.begin(), value.end());
}

std::vector<std::uint8_t> big_endian(std::uint64_t value, unsigned size) {
    std::vector<std::uint8_t> bytes(size);
    for (unsigned i = 0; i < size; ++i) {
        bytes[size - 1 - i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
    return bytes;
}

// Integers take the fewest of 1, 2, 4 or 8 bytes, two's complement; Floats take 8 bytes.
std::vector<std::uint8_t> tlv_value_bytes(const ResourceValue& value) {
    if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        unsigned size = 8;
        if (*integer >= INT8_MIN && *integer <= INT8_MAX) {
            size = 1;
        } else if (*integer >= INT16_MIN && *integer <= INT16_MAX) {
            size = 2;
        } else if (*integer >= INT32_MIN && *integer <= INT32_MAX) {
            size = 4;
        }
        return big_endian(static_cast<std::uint64_t>(*integer), size);
    }
    if (const auto* real = std::get_if<double>(&value)) {
        return big_endian(std::bit_cast<std::uint64_t>(*real), 8);
    }
    if (const auto* boolean = std::get_if<bool>(&value)) {
        return {static_cast<std::uint8_t>(*boolean ? 1 : 0)};
    }
    if (const auto* text = std::get_if<std::string>(&value)) {
        return {text->begin(), text->end()};
    }
    return std::get<std::vector<std::uint8_t>>(value);
}

std::vector<std::uint8_t> tlv_resources(const InstanceContent& instance) {
    std::vector<std::uint8_t> out;
    for (const auto& [resource_id, entry] : instance.resources) {
        if (entry.value) {
            append_tlv(out, TlvKind::kResourceValue, resource_id, tlv_value_bytes(*entry.value));
            continue;
        }
        std::vector<std::uint8_t> children;
        for (const auto& [instance_id, value] : entry.instances) {
            append_tlv(children, TlvKind::kResourceInstance, instance_id, tlv_value_bytes(value));
        }
        append_tlv(out, TlvKind::kMultipleResource, resource_id, children);
    }
    return out;
}

// A write on /O/I carries the resource TLVs alone, which LwM2M allows for a request on one
// object instance. A write on /O wraps each instance in an Object Instance TLV.
std::vector<std::uint8_t> encode_tlv(const WriteContent& content) {
    if (!content.object_level) {
        return tlv_resources(content.instances.front());
    }
    std::vector<std::uint8_t> out;
    for (const InstanceContent& instance : content.instances) {
        append_tlv(out, TlvKind::kObjectInstance, instance.id, tlv_resources(instance));
    }
    return out;
}

// ---- SenML (RFC 8428) ----

/// One SenML record: the name relative to the base name, and the value.
struct SenmlRecord {
    std::string name;
    const ResourceValue* value;
};

// Records in path order. The base name is "/O/I/" for a write on /O/I and "/O/" for one on
// /O, so every name is relative to the target path.
std::vector<SenmlRecord> senml_records(const WriteContent& content) {
    std::vector<SenmlRecord> records;
    for (const InstanceContent& instance : content.instances) {
        const std::string prefix = content.object_level ? std::to_string(instance.id) + "/" : "";
        for (const auto& [resource_id, entry] : instance.resources) {
            const std::string name = prefix + std::to_string(resource_id);
            if (entry.value) {
                records.push_back({name, &*entry.value});
            }
            for (const auto& [instance_id, value] : entry.instances) {
                records.push_back({name + "/" + std::to_string(instance_id), &value});
            }
        }
    }
    return records;
}

std::string senml_base_name(const WriteContent& content) {
    return content.path() + "/";
}

// RFC 8428, 5: "vd" in JSON is base64url (RFC 4648, 5) without padding.
std::string base64url(const std::vector<std::uint8_t>& bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string text;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t count = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t group = 0;
        for (std::size_t j = 0; j < 3; ++j) {
            group = (group << 8) | (j < count ? bytes[i + j] : 0);
        }
        for (std::size_t j = 0; j < count + 1; ++j) {
            text += kAlphabet[(group >> (18 - 6 * j)) & 0x3f];
        }
    }
    return text;
}

// Writes `base_name` as "bn" of the first record unless it is empty.
std::vector<std::uint8_t> encode_senml_json(const std::vector<SenmlRecord>& records,
                                            const std::string& base_name) {
    nlohmann::ordered_json pack = nlohmann::ordered_json::array();
    for (const SenmlRecord& record : records) {
        nlohmann::ordered_json item;
        if (pack.empty() && !base_name.empty()) {
            item["bn"] = base_name;
        }
        item["n"] = record.name;
        const ResourceValue& value = *record.value;
        if (const auto* integer = std::get_if<std::int64_t>(&value)) {
            item["v"] = *integer;
        } else if (const auto* real = std::get_if<double>(&value)) {
            item["v"] = *real;
        } else if (const auto* boolean = std::get_if<bool>(&value)) {
            item["vb"] = *boolean;
        } else if (const auto* text = std::get_if<std::string>(&value)) {
            item["vs"] = *text;
        } else {
            item["vd"] = base64url(std::get<std::vector<std::uint8_t>>(value));
        }
        pack.push_back(item);
    }
    const std::string text = pack.dump();
    return {text.begin(), text.end()};
}

// Minimal CBOR writer (RFC 8949) for SenML CBOR, which needs integer map keys that
// nlohmann-json 3.11 cannot write: it writes maps with text keys only.
class CborWriter {
  public:
    void head(unsigned major, std::uint64_t argument) {
        const auto major_bits = static_cast<std::uint8_t>(major << 5);
        if (argument < 24) {
            out_.push_back(static_cast<std::uint8_t>(major_bits | argument));
        } else if (argument <= 0xff) {
            out_.push_back(major_bits | 24);
            append(argument, 1);
        } else if (argument <= 0xffff) {
            out_.push_back(major_bits | 25);
            append(argument, 2);
        } else if (argument <= 0xffffffff) {
            out_.push_back(major_bits | 26);
            append(argument, 4);
        } else {
            out_.push_back(major_bits | 27);
            append(argument, 8);
        }
    }

    void integer(std::int64_t value) {
        if (value >= 0) {
            head(0, static_cast<std::uint64_t>(value));
        } else {
            head(1, static_cast<std::uint64_t>(-(value + 1)));
        }
    }

    void text(const std::string& value) {
        head(3, value.size());
        out_.insert(out_.end(), value.begin(), value.end());
    }

    void bytes(const std::vector<std::uint8_t>& value) {
        head(2, value.size());
        out_.insert(out_.end(), value.begin(), value.end());
    }

    void boolean(bool value) { out_.push_back(value ? 0xf5 : 0xf4); }

    void float64(double value) {
        out_.push_back(0xfb);
        append(std::bit_cast<std::uint64_t>(value), 8);
    }

    std::vector<std::uint8_t> take() { return std::move(out_); }

  private:
    void append(std::uint64_t value, unsigned size) {
        for (unsigned i = size; i > 0; --i) {
            out_.push_back(static_cast<std::uint8_t>(value >> (8 * (i - 1))));
        }
    }

    std::vector<std::uint8_t> out_;
};

// SenML CBOR labels (RFC 8428, table 6).
constexpr std::int64_t kLabelBaseName = -2;
constexpr std::int64_t kLabelName = 0;
constexpr std::int64_t kLabelValue = 2;
constexpr std::int64_t kLabelStringValue = 3;
constexpr std::int64_t kLabelBooleanValue = 4;
constexpr std::int64_t kLabelDataValue = 8;

// Writes `base_name` as label -2 (bn) of the first record unless it is empty.
std::vector<std::uint8_t> encode_senml_cbor(const std::vector<SenmlRecord>& records,
                                            const std::string& base_name) {
    CborWriter cbor;
    cbor.head(4, records.size());

    for (std::size_t i = 0; i < records.size(); ++i) {
        const bool with_base_name = i == 0 && !base_name.empty();
        cbor.head(5, with_base_name ? 3 : 2);
        if (with_base_name) {
            cbor.integer(kLabelBaseName);
            cbor.text(base_name);
        }
        cbor.integer(kLabelName);
        cbor.text(records[i].name);

        const ResourceValue& value = *records[i].value;
        if (const auto* integer = std::get_if<std::int64_t>(&value)) {
            cbor.integer(kLabelValue);
            cbor.integer(*integer);
        } else if (const auto* real = std::get_if<double>(&value)) {
            cbor.integer(kLabelValue);
            cbor.float64(*real);
        } else if (const auto* boolean = std::get_if<bool>(&value)) {
            cbor.integer(kLabelBooleanValue);
            cbor.boolean(*boolean);
        } else if (const auto* text = std::get_if<std::string>(&value)) {
            cbor.integer(kLabelStringValue);
            cbor.text(*text);
        } else {
            cbor.integer(kLabelDataValue);
            cbor.bytes(std::get<std::vector<std::uint8_t>>(value));
        }
    }
    return cbor.take();
}

}  // namespace

std::string WriteContent::path() const {
    std::string text = "/" + std::to_string(object_id);
    if (!object_level && !instances.empty()) {
        text += "/" + std::to_string(instances.front().id);
    }
    return text;
}

WriteContent parse_write_content(const std::string& path, const json& description) {
    if (!description.is_object()) {
        throw WriteContentError("write on " + path + ": expected a JSON object");
    }

    std::vector<std::string> segments;
    for (std::size_t start = 1; start <= path.size();) {
        const std::size_t slash = std::min(path.find('/', start), path.size());
        segments.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    if (path.empty() || path.front() != '/' || segments.empty() || segments.size() > 2) {
        throw WriteContentError("write path '" + path + "' must be /O/I or /O");
    }

    WriteContent content;
    content.object_id = parse_id(segments[0], "object id in '" + path + "'");
    content.object_level = segments.size() == 1;
    if (!content.object_level) {
        const std::uint16_t instance_id = parse_id(segments[1], "instance id in '" + path + "'");
        if (!description.contains("values")) {
            throw WriteContentError("write on " + path + " needs \"values\"");
        }
        content.instances.push_back(
            parse_instance(content.object_id, instance_id, description["values"]));
        return content;
    }

    const json instances = description.value("instances", json());
    if (!instances.is_array() || instances.empty()) {
        throw WriteContentError("write on " + path + " needs a non-empty \"instances\" array");
    }
    for (const json& instance : instances) {
        if (!instance.is_object() || !instance.contains("instance") ||
            !instance["instance"].is_number_unsigned() || !instance.contains("values")) {
            throw WriteContentError("write on " + path +
                                    ": each instance needs \"instance\" (an id) and \"values\"");
        }
        const auto instance_id = parse_id(std::to_string(instance["instance"].get<unsigned>()),
                                          "instance id in " + path);
        content.instances.push_back(
            parse_instance(content.object_id, instance_id, instance["values"]));
    }
    return content;
}

bool is_write_format(std::uint16_t format) {
    return format == kFormatTlv || format == kFormatSenmlJson || format == kFormatSenmlCbor;
}

std::vector<std::uint8_t> encode_write_content(const WriteContent& content, std::uint16_t format) {
    switch (format) {
        case kFormatTlv:
            return encode_tlv(content);
        case kFormatSenmlJson:
            return encode_senml_json(senml_records(content), senml_base_name(content));
        case kFormatSenmlCbor:
            return encode_senml_cbor(senml_records(content), senml_base_name(content));
        default:
            throw WriteContentError("cannot encode a write in Content-Format " +
                                    std::to_string(format) +
                                    ": use 11542 (TLV), 110 (SenML JSON) or 112 (SenML CBOR)");
    }
}

// A pack has no base name, so every record carries its full path in "n". The records of
// different writes share no common prefix beyond "/".
BootstrapPack encode_bootstrap_pack(const std::vector<const WriteContent*>& contents,
                                    std::uint16_t format) {
    if (format != kFormatSenmlJson && format != kFormatSenmlCbor) {
        throw WriteContentError("cannot encode a Bootstrap-Pack in Content-Format " +
                                std::to_string(format) +
                                ": use 110 (SenML JSON) or 112 (SenML CBOR)");
    }

    std::vector<SenmlRecord> records;
    for (const WriteContent* content : contents) {
        const std::string base_name = senml_base_name(*content);
        for (SenmlRecord& record : senml_records(*content)) {
            record.name = base_name + record.name;
            records.push_back(std::move(record));
        }
    }

    BootstrapPack pack;
    pack.record_count = records.size();
    pack.payload = format == kFormatSenmlJson ? encode_senml_json(records, "")
                                              : encode_senml_cbor(records, "");
    return pack;
}

}  // namespace lwm2m::server
