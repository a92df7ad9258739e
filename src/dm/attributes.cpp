#include "dm/attributes.hpp"

#include <cstring>

#include "io/json_reader.hpp"

namespace lwm2m::dm {
namespace {

namespace code = coap::code;
using detail::AttributeSet;

struct AttributeName {
    const char* name;
    uint8_t flag;
};

constexpr AttributeName kAttributes[] = {
    {"pmin", AttributeSet::kPmin},      {"pmax", AttributeSet::kPmax},
    {"gt", AttributeSet::kGreaterThan}, {"lt", AttributeSet::kLessThan},
    {"st", AttributeSet::kStep},        {"epmin", AttributeSet::kEpmin},
    {"epmax", AttributeSet::kEpmax},
};

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
bool apply_query(std::span<const uint8_t> query, AttributeSet& set) {
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
            set.flags &= static_cast<uint8_t>(~attribute.flag);
            return true;
        }
        bool valid = false;
        switch (attribute.flag) {
            case AttributeSet::kPmin:
                valid = parse_seconds(value, set.pmin_s);
                break;
            case AttributeSet::kPmax:
                valid = parse_seconds(value, set.pmax_s);
                break;
            case AttributeSet::kEpmin:
                valid = parse_seconds(value, set.epmin_s);
                break;
            case AttributeSet::kEpmax:
                valid = parse_seconds(value, set.epmax_s);
                break;
            case AttributeSet::kGreaterThan:
                valid = io::json_number_to_double(value, set.greater_than);
                break;
            case AttributeSet::kLessThan:
                valid = io::json_number_to_double(value, set.less_than);
                break;
            case AttributeSet::kStep:
                valid = io::json_number_to_double(value, set.step) && set.step >= 0;
                break;
        }
        if (valid) {
            set.flags |= attribute.flag;
        }
        return valid;
    }
    return false;
}

// LwM2M Core 1.1, 5.1.2: gt, lt and st only on numeric resources, and when
// all of them are set, lt + 2 * st < gt. epmin must not exceed epmax.
bool is_valid(const AttributeSet& set, const Path& path, const Object& object) {
    constexpr uint8_t kValueAttributes =
        AttributeSet::kGreaterThan | AttributeSet::kLessThan | AttributeSet::kStep;
    if ((set.flags & kValueAttributes) != 0) {
        const ResourceDefinition* resource =
            path.length >= 3 ? object.find_resource(path.ids[2]) : nullptr;
        if (resource == nullptr || !is_numeric(resource->type)) {
            return false;
        }
    }
    const bool has_gt = (set.flags & AttributeSet::kGreaterThan) != 0;
    const bool has_lt = (set.flags & AttributeSet::kLessThan) != 0;
    const bool has_st = (set.flags & AttributeSet::kStep) != 0;
    if (has_gt && has_lt && set.less_than >= set.greater_than) {
        return false;
    }
    if (has_gt && has_lt && has_st && set.less_than + 2 * set.step >= set.greater_than) {
        return false;
    }
    const uint8_t both = AttributeSet::kEpmin | AttributeSet::kEpmax;
    return (set.flags & both) != both || set.epmin_s <= set.epmax_s;
}

AttributeSet* find_set(detail::ClientData& data, const Path& path) {
    for (uint8_t i = 0; i < data.attribute_count; ++i) {
        if (data.attributes[i].path == path) {
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
    for (uint8_t i = 0; i < request.option_count; ++i) {
        const coap::Option& option = request.options[i];
        if (option.number == coap::option::kUriQuery && !apply_query(option.value, updated)) {
            return code::kBadRequest;
        }
    }
    if (!is_valid(updated, path, object)) {
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
        if (!(set.path == path)) {
            continue;
        }
        if ((set.flags & AttributeSet::kPmin) != 0) {
            out.append_payload(";pmin=");
            out.append_payload_uint(set.pmin_s);
        }
        if ((set.flags & AttributeSet::kPmax) != 0) {
            out.append_payload(";pmax=");
            out.append_payload_uint(set.pmax_s);
        }
        if ((set.flags & AttributeSet::kGreaterThan) != 0) {
            append_number(out, ";gt=", set.greater_than);
        }
        if ((set.flags & AttributeSet::kLessThan) != 0) {
            append_number(out, ";lt=", set.less_than);
        }
        if ((set.flags & AttributeSet::kStep) != 0) {
            append_number(out, ";st=", set.step);
        }
        if ((set.flags & AttributeSet::kEpmin) != 0) {
            out.append_payload(";epmin=");
            out.append_payload_uint(set.epmin_s);
        }
        if ((set.flags & AttributeSet::kEpmax) != 0) {
            out.append_payload(";epmax=");
            out.append_payload_uint(set.epmax_s);
        }
    }
}

}  // namespace lwm2m::dm
