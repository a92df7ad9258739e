#include "dm/attributes.hpp"

#include <cstring>

#include "io/json_reader.hpp"

namespace lwm2m::dm {
namespace {

namespace code = coap::code;
using detail::AttributeSet;

struct AttributeName {
    const char* name;
    uint16_t flag;
};

constexpr AttributeName kAttributes[] = {
    {"pmin", Attributes::kPmin},   {"pmax", Attributes::kPmax}, {"gt", Attributes::kGreaterThan},
    {"lt", Attributes::kLessThan}, {"st", Attributes::kStep},   {"epmin", Attributes::kEpmin},
    {"epmax", Attributes::kEpmax}, {"edge", Attributes::kEdge}, {"con", Attributes::kCon},
    {"hqmax", Attributes::kHqmax},
};

// Attributes that LwM2M 1.2 added.
constexpr uint16_t kAttributes12 = Attributes::kEdge | Attributes::kCon | Attributes::kHqmax;

bool parse_flag(std::span<const uint8_t> text, uint8_t& value) {
    if (text.size() != 1 || (text[0] != '0' && text[0] != '1')) {
        return false;
    }
    value = static_cast<uint8_t>(text[0] - '0');
    return true;
}

bool is_numeric(DataType type) {
    return type == DataType::kInteger || type == DataType::kUnsignedInteger ||
           type == DataType::kFloat;
}

bool parse_seconds(std::span<const uint8_t> text, uint32_t& value) {
    uint64_t number = 0;
    if (!io::json_number_to_uint64(text, number) || number > UINT32_MAX) {
        return false;
    }
    value = static_cast<uint32_t>(number);
    return true;
}

// Sets or clears one attribute from "name=value" or "name" (which clears it).
// Returns false for an unknown name or a malformed value.
bool apply_query(std::span<const uint8_t> query, Attributes& set) {
    const uint8_t* equals =
        static_cast<const uint8_t*>(std::memchr(query.data(), '=', query.size()));
    const size_t name_length = equals == nullptr ? query.size() : equals - query.data();
    const std::span<const uint8_t> value =
        equals == nullptr ? std::span<const uint8_t>() : query.subspan(name_length + 1);
    for (const AttributeName& attribute : kAttributes) {
        if (std::strlen(attribute.name) != name_length ||
            std::memcmp(attribute.name, query.data(), name_length) != 0) {
            continue;
        }
        if (value.empty()) {
            set.flags &= static_cast<uint16_t>(~attribute.flag);
            return true;
        }
        bool valid = false;
        switch (attribute.flag) {
            case Attributes::kPmin:
                valid = parse_seconds(value, set.pmin_s);
                break;
            case Attributes::kPmax:
                valid = parse_seconds(value, set.pmax_s);
                break;
            case Attributes::kEpmin:
                valid = parse_seconds(value, set.epmin_s);
                break;
            case Attributes::kEpmax:
                valid = parse_seconds(value, set.epmax_s);
                break;
            case Attributes::kHqmax:
                valid = parse_seconds(value, set.hqmax);
                break;
            case Attributes::kGreaterThan:
                valid = io::json_number_to_double(value, set.greater_than);
                break;
            case Attributes::kLessThan:
                valid = io::json_number_to_double(value, set.less_than);
                break;
            case Attributes::kStep:
                valid = io::json_number_to_double(value, set.step) && set.step >= 0;
                break;
            case Attributes::kEdge:
                valid = parse_flag(value, set.edge);
                break;
            case Attributes::kCon:
                valid = parse_flag(value, set.con);
                break;
        }
        if (valid) {
            set.flags |= attribute.flag;
        }
        return valid;
    }
    return false;
}

}  // namespace

// LwM2M Core 1.1, 5.1.2: gt, lt and st only on numeric resources, and when
// all of them are set, lt + 2 * st < gt. epmin must not exceed epmax. Edge
// (1.2) only on boolean resources.
bool valid_attributes(const Attributes& set, const Path& path, const Object& object) {
    constexpr uint16_t kValueAttributes =
        Attributes::kGreaterThan | Attributes::kLessThan | Attributes::kStep;
    const ResourceDefinition* resource =
        path.length >= 3 ? object.find_resource(path.ids[2]) : nullptr;
    if ((set.flags & kValueAttributes) != 0 &&
        (resource == nullptr || !is_numeric(resource->type))) {
        return false;
    }
    if (set.has(Attributes::kEdge) &&
        (resource == nullptr || resource->type != DataType::kBoolean)) {
        return false;
    }
    const bool has_gt = set.has(Attributes::kGreaterThan);
    const bool has_lt = set.has(Attributes::kLessThan);
    const bool has_st = set.has(Attributes::kStep);
    if (has_gt && has_lt && set.less_than >= set.greater_than) {
        return false;
    }
    if (has_gt && has_lt && has_st && set.less_than + 2 * set.step >= set.greater_than) {
        return false;
    }
    const uint16_t both = Attributes::kEpmin | Attributes::kEpmax;
    return (set.flags & both) != both || set.epmin_s <= set.epmax_s;
}

bool apply_attribute_queries(const coap::Message& request, Lwm2mVersion version, Attributes& set) {
    for (uint8_t i = 0; i < request.option_count; ++i) {
        const coap::Option& option = request.options[i];
        if (option.number == coap::option::kUriQuery && !apply_query(option.value, set)) {
            return false;
        }
    }
    return version == Lwm2mVersion::k1_2 || (set.flags & kAttributes12) == 0;
}

#if LWM2M_WITH_OBSERVE

namespace {

// The attributes the server being served wrote on `path`, or nullptr.
AttributeSet* find_set(detail::ClientData& data, const Path& path) {
    for (uint8_t i = 0; i < data.attribute_count; ++i) {
        if (data.attributes[i].path == path && data.attributes[i].session == data.session_index()) {
            return &data.attributes[i];
        }
    }
    return nullptr;
}

void append_number(coap::MessageWriter& out, const char* name, double value) {
    char text[io::kJsonNumberMaxLength];
    const size_t length = io::format_double(value, text);
    out.append_payload(name);
    out.append_payload({reinterpret_cast<const uint8_t*>(text), length});
}

}  // namespace

uint8_t write_attributes(const coap::Message& request, const Path& path, const Object& object,
                         detail::ClientData& data) {
    AttributeSet* existing = find_set(data, path);
    AttributeSet updated = existing != nullptr ? *existing : AttributeSet{};
    updated.path = path;
    updated.session = data.session_index();
    if (!apply_attribute_queries(request, data.config.version, updated) ||
        !valid_attributes(updated, path, object)) {
        return code::kBadRequest;
    }
    if (existing != nullptr) {
        *existing = updated;
        if (updated.flags == 0) {
            // Nothing left on this path: free the slot.
            *existing = data.attributes[--data.attribute_count];
        }
        return code::kChanged;
    }
    if (updated.flags == 0) {
        return code::kChanged;
    }
    if (data.attribute_count == LWM2M_MAX_ATTRIBUTES) {
        return code::kRequestEntityTooLarge;
    }
    data.attributes[data.attribute_count++] = updated;
    return code::kChanged;
}

void append_attributes(const detail::ClientData& data, const Path& path, coap::MessageWriter& out) {
    for (uint8_t i = 0; i < data.attribute_count; ++i) {
        const AttributeSet& set = data.attributes[i];
        if (!(set.path == path) || set.session != data.session_index()) {
            continue;
        }
        if (set.has(Attributes::kPmin)) {
            out.append_payload(";pmin=");
            out.append_payload_uint(set.pmin_s);
        }
        if (set.has(Attributes::kPmax)) {
            out.append_payload(";pmax=");
            out.append_payload_uint(set.pmax_s);
        }
        if (set.has(Attributes::kGreaterThan)) {
            append_number(out, ";gt=", set.greater_than);
        }
        if (set.has(Attributes::kLessThan)) {
            append_number(out, ";lt=", set.less_than);
        }
        if (set.has(Attributes::kStep)) {
            append_number(out, ";st=", set.step);
        }
        if (set.has(Attributes::kEpmin)) {
            out.append_payload(";epmin=");
            out.append_payload_uint(set.epmin_s);
        }
        if (set.has(Attributes::kEpmax)) {
            out.append_payload(";epmax=");
            out.append_payload_uint(set.epmax_s);
        }
        if (set.has(Attributes::kEdge)) {
            out.append_payload(";edge=");
            out.append_payload_uint(set.edge);
        }
        if (set.has(Attributes::kCon)) {
            out.append_payload(";con=");
            out.append_payload_uint(set.con);
        }
        if (set.has(Attributes::kHqmax)) {
            out.append_payload(";hqmax=");
            out.append_payload_uint(set.hqmax);
        }
    }
}

#else

uint8_t write_attributes(const coap::Message&, const Path&, const Object&, detail::ClientData&) {
    // Attributes steer notifications, which this build does not send.
    return coap::code::kMethodNotAllowed;
}

void append_attributes(const detail::ClientData&, const Path&, coap::MessageWriter&) {}

#endif  // LWM2M_WITH_OBSERVE

}  // namespace lwm2m::dm

namespace lwm2m::dm {

void merge_attributes(const Attributes& from, Attributes& into) {
    auto take = [&](Attributes::Flag flag) {
        return from.has(flag) && ((into.flags |= flag), true);
    };
    if (take(Attributes::kPmin)) {
        into.pmin_s = from.pmin_s;
    }
    if (take(Attributes::kPmax)) {
        into.pmax_s = from.pmax_s;
    }
    if (take(Attributes::kGreaterThan)) {
        into.greater_than = from.greater_than;
    }
    if (take(Attributes::kLessThan)) {
        into.less_than = from.less_than;
    }
    if (take(Attributes::kStep)) {
        into.step = from.step;
    }
    if (take(Attributes::kEpmin)) {
        into.epmin_s = from.epmin_s;
    }
    if (take(Attributes::kEpmax)) {
        into.epmax_s = from.epmax_s;
    }
    if (take(Attributes::kEdge)) {
        into.edge = from.edge;
    }
    if (take(Attributes::kCon)) {
        into.con = from.con;
    }
    if (take(Attributes::kHqmax)) {
        into.hqmax = from.hqmax;
    }
}

Attributes effective_attributes(const detail::ClientData& data, const Path& path) {
    // The Server object's defaults, then the attributes of the object, the
    // instance, the resource and the resource instance, each level over the
    // one above it (LwM2M Core 1.1, 5.1.2).
    Attributes effective;
    if (data.session->server.default_pmin_s != 0) {
        effective.flags |= Attributes::kPmin;
        effective.pmin_s = data.session->server.default_pmin_s;
    }
    if (data.session->server.default_pmax_s != 0) {
        effective.flags |= Attributes::kPmax;
        effective.pmax_s = data.session->server.default_pmax_s;
    }
#if LWM2M_WITH_OBSERVE
    for (uint8_t level = 1; level <= path.length; ++level) {
        Path prefix = path;
        prefix.length = level;
        for (uint8_t i = 0; i < data.attribute_count; ++i) {
            if (data.attributes[i].path == prefix &&
                data.attributes[i].session == data.session_index()) {
                merge_attributes(data.attributes[i], effective);
            }
        }
    }
#else
    (void)path;  // only the Server object's defaults apply
#endif
    return effective;
}

}  // namespace lwm2m::dm
