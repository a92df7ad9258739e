// Dispatch of server requests to the registered objects, Execute, Delete,
// Discover, and the registration payload.
#include "dm/data_model.hpp"

#include <cstring>

#include "dm/access_control.hpp"
#include "dm/attributes.hpp"
#include "dm/operations.hpp"
#include "io/payload_sink.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("dm");

namespace lwm2m::dm {
namespace {

using coap::MessageWriter;
namespace code = coap::code;
namespace option = coap::option;

constexpr uint16_t kSecurityObject = 0;
constexpr uint16_t kServerObject = 1;
constexpr uint16_t kAccessControlObject = 2;

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

// LwM2M Core 1.1, 5.4.5: arguments are "d" or "d='text'" items separated by
// commas, where d is one digit and the text has no quote.
bool valid_execute_arguments(std::span<const uint8_t> arguments) {
    size_t i = 0;
    while (i < arguments.size()) {
        if (arguments[i] < '0' || arguments[i] > '9') {
            return false;
        }
        ++i;
        if (i < arguments.size() && arguments[i] == '=') {
            if (i + 1 >= arguments.size() || arguments[i + 1] != '\'') {
                return false;
            }
            i += 2;
            while (i < arguments.size() && arguments[i] != '\'') {
                ++i;
            }
            if (i == arguments.size()) {
                return false;
            }
            ++i;
        }
        if (i < arguments.size()) {
            if (arguments[i] != ',' || i + 1 == arguments.size()) {
                return false;
            }
            ++i;
        }
    }
    return true;
}

uint8_t execute(const coap::Message& request, const Path& path, Object& object) {
    const ResourceDefinition* resource = object.find_resource(path.ids[2]);
    if (path.length != 3 || !allows(resource->operations, Operations::kExecute)) {
        return code::kMethodNotAllowed;
    }
    if (!valid_execute_arguments(request.payload)) {
        return code::kBadRequest;
    }
    const Status status = object.execute(path.ids[1], path.ids[2], request.payload);
    return status == Status::kOk ? code::kChanged : to_response_code(status);
}

uint8_t delete_instance(const Path& path, Object& object, detail::ClientData& data) {
    if (path.length != 2) {
        return code::kMethodNotAllowed;
    }
    const Status status = object.delete_instance(path.ids[1]);
    if (status != Status::kOk) {
        return to_response_code(status);
    }
    remove_acl(data, object.id(), path.ids[1]);
    detail::objects_changed(data);
#if LWM2M_WITH_OBSERVE
    // Their next notification finds the path gone and ends them with 4.04.
    for (detail::Observation& observation : data.observations) {
        if (observation.active && path.contains(observation.path)) {
            observation.changed = true;
        }
    }
#endif
    return code::kDeleted;
}

// Maximum length of a link: ",</65535/65535/65535/65535>".
constexpr size_t kMaxLinkLength = 2 + 4 * 6 + 1;

// Writes the link of `path`, with a comma before it unless it comes first,
// into `link`; returns its length. Built whole, a link is appended at once.
size_t format_link(bool first, const Path& path, char (&link)[kMaxLinkLength]) {
    size_t length = 0;
    if (!first) {
        link[length++] = ',';
    }
    link[length++] = '<';
    if (path.length == 0) {
        link[length++] = '/';
    }
    for (uint8_t i = 0; i < path.length; ++i) {
        link[length++] = '/';
        length += coap::format_uint(path.ids[i], std::span<char>(link).subspan(length));
    }
    link[length++] = '>';
    return length;
}

// The same link as append_link(), written to a payload stream.
void write_link(io::PayloadSink& out, bool first, const Path& path) {
    char link[kMaxLinkLength];
    out.write({reinterpret_cast<const uint8_t*>(link), format_link(first, path, link)});
}

}  // namespace

void append_link(MessageWriter& out, bool first, const Path& path) {
    char link[kMaxLinkLength];
    out.append_payload({reinterpret_cast<const uint8_t*>(link), format_link(first, path, link)});
}

uint8_t check_target(const Path& path, const Object& object) {
    if (path.length < 2) {
        return 0;
    }
    if (!has_instance(object, path.ids[1])) {
        return code::kNotFound;
    }
    if (path.length < 3) {
        return 0;
    }
    const ResourceDefinition* resource = object.find_resource(path.ids[2]);
    if (resource == nullptr || !object.has_resource(path.ids[1], path.ids[2])) {
        return code::kNotFound;
    }
    if (path.length < 4) {
        return 0;
    }
    if (!resource->multiple) {
        return code::kNotFound;
    }
    for (int32_t item = object.next_resource_instance(path.ids[1], path.ids[2], -1); item >= 0;
         item = object.next_resource_instance(path.ids[1], path.ids[2], item)) {
        if (item == path.ids[3]) {
            return 0;
        }
    }
    return code::kNotFound;
}

uint8_t to_response_code(Status status) {
    switch (status) {
        case Status::kOk:
            return code::kContent;
        case Status::kNotFound:
            return code::kNotFound;
        case Status::kUnsupported:
            return code::kMethodNotAllowed;
        case Status::kInvalidArgument:
        case Status::kMalformed:
            return code::kBadRequest;
        case Status::kNoSpace:
            return code::kRequestEntityTooLarge;
        default:
            return code::kInternalServerError;
    }
}

Object* find_object(detail::ClientData& data, uint16_t object_id) {
    for (uint8_t i = 0; i < data.object_count; ++i) {
        if (data.objects[i]->id() == object_id) {
            return data.objects[i];
        }
    }
    return nullptr;
}

bool has_instance(const Object& object, uint16_t instance_id) {
    for (int32_t instance = object.next_instance(-1); instance >= 0;
         instance = object.next_instance(instance)) {
        if (instance == instance_id) {
            return true;
        }
    }
    return false;
}

namespace {

// Reads the "depth" Uri-Query of a Discover (LwM2M 1.2): how many levels below
// the request path to list. Without it: resources for an object or instance,
// resource instances for a resource. Returns false for an invalid value.
bool discover_depth(const coap::Message& request, const Path& path, uint8_t& depth) {
    depth = path.length == 1 ? 2 : 1;
    for (uint8_t i = 0; i < request.option_count; ++i) {
        const coap::Option& query = request.options[i];
        if (query.number != option::kUriQuery || query.value.size() != 7 ||
            std::memcmp(query.value.data(), "depth=", 6) != 0) {
            continue;
        }
        const uint8_t digit = query.value[6];
        if (digit < '0' || digit > '3') {
            return false;
        }
        depth = static_cast<uint8_t>(digit - '0');
    }
    return true;
}

}  // namespace

uint8_t discover(const coap::Message& request, const Path& path, Object& object,
                 const detail::ClientData& data, MessageWriter& response) {
    uint8_t depth = 0;
    if (path.length > 3 || !discover_depth(request, path, depth)) {
        return code::kBadRequest;
    }
    const uint8_t deepest = static_cast<uint8_t>(path.length + depth);
    response.add_uint_option(option::kContentFormat, coap::format::kLinkFormat);
    bool first = true;
    auto link = [&](const Path& target) {
        append_link(response, first, target);
        first = false;
        append_attributes(data, target, response);
    };
    if (path.length == 1) {
        link(Path::object(object.id()));
        if (object.version() != nullptr) {
            response.append_payload(";ver=");
            response.append_payload(object.version());
        }
    }
    for (int32_t instance = object.next_instance(-1); instance >= 0 && deepest >= 2;
         instance = object.next_instance(instance)) {
        const uint16_t instance_id = static_cast<uint16_t>(instance);
        if (path.length >= 2 && path.ids[1] != instance_id) {
            continue;
        }
        if (path.length <= 2) {
            link(Path::instance(object.id(), instance_id));
        }
        for (const ResourceDefinition& resource : object.resources()) {
            if (deepest < 3 || (path.length == 3 && path.ids[2] != resource.id) ||
                !object.has_resource(instance_id, resource.id)) {
                continue;
            }
            link(Path::resource(object.id(), instance_id, resource.id));
            if (!resource.multiple) {
                continue;
            }
            int count = 0;
            for (int32_t item = object.next_resource_instance(instance_id, resource.id, -1);
                 item >= 0; item = object.next_resource_instance(instance_id, resource.id, item)) {
                ++count;
            }
            response.append_payload(";dim=");
            response.append_payload_uint(static_cast<unsigned>(count));
            if (deepest < 4) {
                continue;
            }
            for (int32_t item = object.next_resource_instance(instance_id, resource.id, -1);
                 item >= 0; item = object.next_resource_instance(instance_id, resource.id, item)) {
                link(Path::resource_instance(object.id(), instance_id, resource.id,
                                             static_cast<uint16_t>(item)));
            }
        }
    }
    return code::kContent;
}

bool parse_path(const coap::Message& request, Path& path) {
    path.length = 0;
    for (uint8_t i = 0; i < request.option_count; ++i) {
        const coap::Option& uri_path = request.options[i];
        if (uri_path.number != option::kUriPath) {
            continue;
        }
        uint32_t id = 0;
        if (path.length == 4 || !parse_uint(uri_path.value, id) || id >= 65535) {
            path.length = 0;
            return false;
        }
        path.ids[path.length++] = static_cast<uint16_t>(id);
    }
    return true;
}

uint8_t find_target(const coap::Message& request, const Path& path, detail::ClientData& data,
                    Object*& object) {
    object = find_object(data, path.ids[0]);
    if (object == nullptr) {
        return code::kNotFound;
    }
    // The Security object is reserved to the Bootstrap-Server (LwM2M Core, E.1).
    if (object->id() == kSecurityObject) {
        return code::kUnauthorized;
    }
    const bool create_request = request.code == code::kPost && path.length == 1;
    return create_request ? 0 : check_target(path, *object);
}

namespace {

// The access right (detail::access) the request needs; 0 for Discover, which
// every server may do.
uint16_t required_right(const coap::Message& request, const Path& path, bool wants_links) {
    switch (request.code) {
        case code::kGet:
            return wants_links ? 0 : detail::access::kRead;
        case code::kPut:
            // Write-Attributes counts as a Read right.
            return request.payload.empty() && request.find(option::kUriQuery) != nullptr
                       ? detail::access::kRead
                       : detail::access::kWrite;
        case code::kPost:
            if (path.length == 1) {
                return detail::access::kCreate;
            }
            return path.length == 2 ? detail::access::kWrite : detail::access::kExecute;
        case code::kDelete:
            return detail::access::kDelete;
        default:
            return 0;
    }
}

}  // namespace

uint8_t handle_request(const coap::Message& request, const Path& path, detail::ClientData& data,
                       Clock& clock, MessageWriter& response) {
    (void)clock;
    if (path.length == 0) {
        // Read-Composite and Write-Composite address the root path.
#if LWM2M_WITH_COMPOSITE
        if (request.code == code::kFetch) {
            return read_composite(request, data, response);
        }
        if (request.code == code::kIPatch) {
            return write_composite(request, data);
        }
#endif
        return code::kMethodNotAllowed;
    }
    Object* object = nullptr;
    const uint8_t missing = find_target(request, path, data, object);
    if (missing != 0) {
        return missing;
    }

    uint32_t accept = 0;
    const bool wants_links =
        request.find_uint(option::kAccept, accept, 2) && accept == coap::format::kLinkFormat;
    const uint8_t denied = check_access(data, path, required_right(request, path, wants_links));
    if (denied != 0) {
        return denied;
    }
    switch (request.code) {
        case code::kGet:
            return wants_links ? discover(request, path, *object, data, response)
                               : read(request, path, *object, data, response);
        case code::kPut:
            if (request.payload.empty() && request.find(option::kUriQuery) != nullptr) {
                return write_attributes(request, path, *object, data);
            }
            return write(request, path, *object, true);
        case code::kPost:
            if (path.length == 1) {
                if (object->id() == kServerObject) {
                    // Server accounts come from a Bootstrap-Server only.
                    return code::kMethodNotAllowed;
                }
                uint16_t created_id = 0;
                const uint8_t result = create(request, path, *object, response, &created_id);
                if (result == code::kCreated) {
                    detail::objects_changed(data);
                    add_owner_acl(data, object->id(), created_id);
                }
                return result;
            }
            if (path.length == 2) {
                return write(request, path, *object, false);
            }
            return execute(request, path, *object);
        case code::kDelete:
            if (object->id() == kServerObject) {
                return code::kMethodNotAllowed;
            }
            return delete_instance(path, *object, data);
        default:
            return code::kMethodNotAllowed;
    }
}

void register_builtin_objects(detail::ClientData& data, Clock& clock) {
    data.security_object.bind(&data);
    data.server_object.bind(&data);
    data.server_object.select_version(data.config.version);
    data.device_object.bind(&data, &clock);
    data.objects[0] = &data.security_object;
    data.objects[1] = &data.server_object;
#if LWM2M_WITH_ACCESS_CONTROL
    data.access_control_object.bind(&data);
    data.objects[2] = &data.access_control_object;
#endif
    data.objects[kBuiltinObjectCount - 1] = &data.device_object;
    data.object_count = kBuiltinObjectCount;
}

void write_registration_links(const detail::ClientData& data, io::PayloadSink& payload) {
    bool first = true;
    for (uint8_t i = 0; i < data.object_count; ++i) {
        const Object& object = *data.objects[i];
        const int32_t first_instance = object.next_instance(-1);
        // An empty Access Control object carries nothing a server needs, so it
        // costs no bytes in every Register.
        if (object.id() == kSecurityObject ||
            (object.id() == kAccessControlObject && first_instance < 0)) {
            continue;
        }
        // An object with a version, or without instances, is listed on its own.
        if (object.version() != nullptr || first_instance < 0) {
            write_link(payload, first, Path::object(object.id()));
            first = false;
            if (object.version() != nullptr) {
                payload.write(";ver=");
                payload.write(object.version());
            }
        }
        for (int32_t instance = first_instance; instance >= 0;
             instance = object.next_instance(instance)) {
            write_link(payload, first,
                       Path::instance(object.id(), static_cast<uint16_t>(instance)));
            first = false;
        }
    }
}

}  // namespace lwm2m::dm
