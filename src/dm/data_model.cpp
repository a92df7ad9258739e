#include "dm/data_model.hpp"

#include <cstring>

#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("dm");

namespace lwm2m::dm {
namespace {

using coap::MessageWriter;
namespace code = coap::code;

constexpr uint16_t kSecurityObject = 0;
constexpr uint16_t kServerObject = 1;
constexpr uint16_t kDeviceObject = 3;

constexpr uint8_t kRead = 1;
constexpr uint8_t kWrite = 2;
constexpr uint8_t kExecute = 4;

struct ResourceInfo {
    uint16_t object;
    uint16_t id;
    uint8_t operations;
    bool multiple;
};

// Resources of the built-in instances /1/0 and /3/0, in ascending order.
// NOTE: Current Time (/3/0/13) is read-only here, and the Server object has
// only the resources the client uses so far.
constexpr ResourceInfo kResources[] = {
    {kServerObject, 0, kRead, false},            // Short Server ID
    {kServerObject, 1, kRead | kWrite, false},   // Lifetime
    {kServerObject, 6, kRead | kWrite, false},   // Notification Storing When Disabled or Offline
    {kServerObject, 7, kRead | kWrite, false},   // Binding
    {kServerObject, 8, kExecute, false},         // Registration Update Trigger
    {kDeviceObject, 0, kRead, false},            // Manufacturer
    {kDeviceObject, 1, kRead, false},            // Model Number
    {kDeviceObject, 2, kRead, false},            // Serial Number
    {kDeviceObject, 3, kRead, false},            // Firmware Version
    {kDeviceObject, 4, kExecute, false},         // Reboot
    {kDeviceObject, 11, kRead, true},            // Error Code, one instance: 0 (no error)
    {kDeviceObject, 13, kRead, false},           // Current Time
    {kDeviceObject, 16, kRead, false},           // Supported Binding and Modes
};

const ResourceInfo* find_resource(uint16_t object, uint16_t id) {
    for (const ResourceInfo& info : kResources) {
        if (info.object == object && info.id == id) {
            return &info;
        }
    }
    return nullptr;
}

bool object_exists(uint16_t object) {
    return object == kSecurityObject || object == kServerObject || object == kDeviceObject;
}

bool accepts(const coap::Message& request, uint16_t format) {
    uint32_t accept = 0;
    if (request.find(coap::option::kAccept) == nullptr) {
        return true;
    }
    return request.find_uint(coap::option::kAccept, accept, 2) && accept == format;
}

// Writes one resource value in text/plain (LwM2M Core, 7.3.1).
void write_text_value(const ResourceInfo& info, const detail::ClientData& data, Clock& clock,
                      MessageWriter& out) {
    const DeviceInfo& device = data.config.device;
    if (info.object == kServerObject) {
        switch (info.id) {
            case 0: out.append_payload_uint(data.config.short_server_id); return;
            case 1: out.append_payload_uint(data.server.lifetime_s); return;
            case 6: out.append_payload(data.server.notification_storing ? "1" : "0"); return;
            case 7: out.append_payload(data.server.binding); return;
        }
        return;
    }
    switch (info.id) {
        case 0: out.append_payload(device.manufacturer); return;
        case 1: out.append_payload(device.model_number); return;
        case 2: out.append_payload(device.serial_number); return;
        case 3: out.append_payload(device.firmware_version); return;
        case 11: out.append_payload("0"); return;
        case 13: out.append_payload_int(clock.real_time_s()); return;
        case 16: out.append_payload("U"); return;
    }
}

uint8_t read(const coap::Message& request, const Path& path, const ResourceInfo& info,
             detail::ClientData& data, Clock& clock, MessageWriter& out) {
    if ((info.operations & kRead) == 0) {
        return code::kMethodNotAllowed;
    }
    if (info.multiple && path.length == 3) {
        // A multiple resource needs a hierarchical format; only text/plain exists so far.
        return code::kNotAcceptable;
    }
    if (path.length == 4 && (!info.multiple || path.ids[3] != 0)) {
        return code::kNotFound;
    }
    if (!accepts(request, coap::format::kTextPlain)) {
        return code::kNotAcceptable;
    }
    out.add_uint_option(coap::option::kContentFormat, coap::format::kTextPlain);
    write_text_value(info, data, clock, out);
    return code::kContent;
}

bool parse_uint(std::span<const uint8_t> text, uint32_t& value) {
    if (text.empty() || text.size() > 10) {
        return false;
    }
    uint64_t result = 0;
    for (uint8_t c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        result = result * 10 + (c - '0');
    }
    if (result > UINT32_MAX) {
        return false;
    }
    value = static_cast<uint32_t>(result);
    return true;
}

uint8_t write(const coap::Message& request, const Path& path, const ResourceInfo& info,
              detail::ClientData& data) {
    if ((info.operations & kWrite) == 0 || path.length != 3) {
        return code::kMethodNotAllowed;
    }
    uint32_t format = coap::format::kTextPlain;
    if (request.find(coap::option::kContentFormat) != nullptr &&
        !request.find_uint(coap::option::kContentFormat, format, 2)) {
        return code::kBadRequest;
    }
    if (format != coap::format::kTextPlain) {
        return code::kUnsupportedContentFormat;
    }
    const std::span<const uint8_t> text = request.payload;
    uint32_t number = 0;
    switch (info.id) {
        case 1:
            if (!parse_uint(text, number) || number == 0) {
                return code::kBadRequest;
            }
            if (number != data.server.lifetime_s) {
                data.server.lifetime_s = number;
                data.changed_parameters |= detail::changed::kLifetime;
            }
            LWM2M_LOG_INFO("lifetime set to %lu s", static_cast<unsigned long>(number));
            return code::kChanged;
        case 6:
            if (!parse_uint(text, number) || number > 1) {
                return code::kBadRequest;
            }
            data.server.notification_storing = number == 1;
            return code::kChanged;
        case 7:
            // Only the UDP binding exists so far.
            if (text.size() != 1 || text[0] != 'U') {
                return code::kBadRequest;
            }
            return code::kChanged;
    }
    return code::kMethodNotAllowed;
}

uint8_t execute(const Path& path, const ResourceInfo& info, detail::ClientData& data) {
    if ((info.operations & kExecute) == 0 || path.length != 3) {
        return code::kMethodNotAllowed;
    }
    if (info.object == kServerObject) {
        LWM2M_LOG_INFO("Registration Update Trigger executed");
        data.update_requested = true;
    } else {
        LWM2M_LOG_INFO("Reboot executed");
        data.reboot_requested = true;
    }
    return code::kChanged;
}

void append_link(MessageWriter& out, bool first, uint16_t object, int instance, int resource,
                 int resource_instance) {
    out.append_payload(first ? "</" : ",</");
    out.append_payload_uint(object);
    const int ids[] = {instance, resource, resource_instance};
    for (int id : ids) {
        if (id < 0) {
            break;
        }
        out.append_payload("/");
        out.append_payload_uint(static_cast<unsigned>(id));
    }
    out.append_payload(">");
}

// Discover: the object, its instance and its resources, with dim= on multiple
// resources, from the level of the request path down.
uint8_t discover(const Path& path, MessageWriter& out) {
    out.add_uint_option(coap::option::kContentFormat, coap::format::kLinkFormat);
    const uint16_t object = path.ids[0];
    bool first = true;
    if (path.length == 1) {
        append_link(out, first, object, -1, -1, -1);
        first = false;
    }
    if (path.length <= 2) {
        append_link(out, first, object, 0, -1, -1);
        first = false;
    }
    for (const ResourceInfo& info : kResources) {
        if (info.object != object || (path.length == 3 && info.id != path.ids[2])) {
            continue;
        }
        append_link(out, first, object, 0, info.id, -1);
        first = false;
        if (info.multiple) {
            // Resource instances are listed only when the request targets the resource.
            out.append_payload(";dim=1");
            if (path.length == 3) {
                append_link(out, false, object, 0, info.id, 0);
            }
        }
    }
    return code::kContent;
}

}  // namespace

bool parse_path(const coap::Message& request, Path& path) {
    path.length = 0;
    for (uint8_t i = 0; i < request.option_count; ++i) {
        const coap::Option& option = request.options[i];
        if (option.number != coap::option::kUriPath) {
            continue;
        }
        uint32_t id = 0;
        if (path.length == 4 || !parse_uint(option.value, id) || id >= 65535) {
            return false;
        }
        path.ids[path.length++] = static_cast<uint16_t>(id);
    }
    return true;
}

uint8_t handle_request(const coap::Message& request, const Path& path, detail::ClientData& data,
                       Clock& clock, MessageWriter& response) {
    if (path.length == 0) {
        return code::kMethodNotAllowed;
    }
    const uint16_t object = path.ids[0];
    if (!object_exists(object)) {
        return code::kNotFound;
    }
    // The Security object is reserved to the Bootstrap-Server (LwM2M Core, E.1).
    if (object == kSecurityObject) {
        return code::kUnauthorized;
    }
    if (path.length >= 2 && path.ids[1] != 0) {
        return code::kNotFound;
    }
    const ResourceInfo* info = nullptr;
    if (path.length >= 3) {
        info = find_resource(object, path.ids[2]);
        if (info == nullptr) {
            return code::kNotFound;
        }
    }

    uint32_t accept = 0;
    const bool wants_links = request.find_uint(coap::option::kAccept, accept, 2) &&
                             accept == coap::format::kLinkFormat;
    switch (request.code) {
        case code::kGet:
            if (wants_links) {
                return path.length <= 3 ? discover(path, response) : code::kBadRequest;
            }
            if (info == nullptr) {
                // Object and instance reads need a hierarchical format (TLV, SenML),
                // and only text/plain exists so far.
                return code::kNotAcceptable;
            }
            return read(request, path, *info, data, clock, response);
        case code::kPut:
            if (info == nullptr) {
                return path.length == 1 ? code::kMethodNotAllowed
                                        : code::kUnsupportedContentFormat;
            }
            return write(request, path, *info, data);
        case code::kPost:
            if (info == nullptr) {
                // Create on /1 and /3 (single instances) and partial Write on an
                // instance (needs a hierarchical format) are not possible here.
                return path.length == 1 ? code::kMethodNotAllowed
                                        : code::kUnsupportedContentFormat;
            }
            return execute(path, *info, data);
        case code::kDelete:
            return code::kMethodNotAllowed;
        default:
            return code::kMethodNotAllowed;
    }
}

void write_registration_links(MessageWriter& payload) {
    payload.append_payload("</1/0>,</3/0>");
}

}  // namespace lwm2m::dm
