// Bootstrap-Write, -Read, -Discover and -Delete (LwM2M Core 1.1, 5.2.7).
#include "dm/bootstrap.hpp"

#include "dm/formats.hpp"
#include "dm/operations.hpp"
#include "dm/write_operation.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("bs");

namespace lwm2m::dm {
namespace {

namespace code = coap::code;
namespace option = coap::option;

constexpr uint16_t kSecurityObject = 0;
constexpr uint16_t kServerObject = 1;
constexpr uint16_t kAccessControlObject = 2;
constexpr uint16_t kDeviceObject = 3;

// True for the Bootstrap-Server account's Security instance and the Device
// object's instance, which Bootstrap-Delete leaves in place.
bool protected_instance(const detail::ClientData& data, uint16_t object_id, uint16_t instance_id) {
    if (object_id == kDeviceObject) {
        return true;
    }
    if (object_id != kSecurityObject) {
        return false;
    }
    for (const detail::SecurityInstance& account : data.security) {
        if (account.id == instance_id && account.bootstrap_server) {
            return true;
        }
    }
    return false;
}

// Deletes every instance of `object` but the protected ones.
void delete_instances(Object& object, detail::ClientData& data) {
    int32_t instance = object.next_instance(-1);
    while (instance >= 0) {
        const auto instance_id = static_cast<uint16_t>(instance);
        instance = object.next_instance(instance);
        if (protected_instance(data, object.id(), instance_id)) {
            continue;
        }
        const Status deleted = object.delete_instance(instance_id);
        if (deleted != Status::kOk) {
            // An application object may not support deletion, and the others still go.
            LWM2M_LOG_WARNING("Bootstrap-Delete left /%u/%u: %s", object.id(), instance_id,
                              to_string(deleted));
        }
    }
}

// Appends the attributes Bootstrap-Discover gives instance `instance_id`.
void append_account_attributes(const detail::ClientData& data, uint16_t object_id,
                               uint16_t instance_id, coap::MessageWriter& response) {
    if (object_id == kServerObject) {
        for (const detail::ServerSession& session : data.sessions) {
            if (session.server.instance_id == instance_id) {
                response.append_payload(";ssid=");
                response.append_payload_uint(session.server.short_server_id);
            }
        }
        return;
    }
    if (object_id != kSecurityObject) {
        return;
    }
    for (const detail::SecurityInstance& account : data.security) {
        if (account.id != instance_id) {
            continue;
        }
        // A Short Server ID of 0 is no valid ID: the server has not written one yet.
        if (!account.bootstrap_server && account.short_server_id != 0) {
            response.append_payload(";ssid=");
            response.append_payload_uint(account.short_server_id);
        }
        response.append_payload(";uri=\"");
        response.append_payload(account.uri);
        response.append_payload("\"");
    }
}

}  // namespace

uint8_t bootstrap_write(const coap::Message& request, const Path& path, detail::ClientData& data) {
    if (path.length == 0 || path.length > 3) {
        return code::kBadRequest;
    }
    Object* object = find_object(data, path.ids[0]);
    if (object == nullptr) {
        return code::kNotFound;
    }
    uint32_t format = 0;
    if (!request_format(request, format)) {
        return code::kBadRequest;
    }
    bool created_instance = false;
    const uint8_t result = apply_whole_write(WriteOperation::Kind::kBootstrap, format, request,
                                             path, *object, &created_instance);
    if (result == code::kChanged && created_instance) {
        data.session->changed_parameters |= detail::changed::kObjects;
    }
    return result;
}

uint8_t bootstrap_read(const coap::Message& request, const Path& path, detail::ClientData& data,
                       coap::MessageWriter& response) {
    if (path.length == 0) {
        return code::kBadRequest;
    }
    Object* object = find_object(data, path.ids[0]);
    if (object == nullptr) {
        return code::kNotFound;
    }
    // LwM2M Core 1.1, 5.2.7.3: only the Server and Access Control objects.
    if (path.ids[0] != kServerObject && path.ids[0] != kAccessControlObject) {
        return code::kMethodNotAllowed;
    }
    const uint8_t missing = check_target(path, *object);
    if (missing != 0) {
        return missing;
    }
    return read(request, path, *object, data, response);
}

uint8_t bootstrap_discover(const Path& path, detail::ClientData& data,
                           coap::MessageWriter& response) {
    if (path.length > 1) {
        return code::kBadRequest;
    }
    if (path.length == 1 && find_object(data, path.ids[0]) == nullptr) {
        return code::kNotFound;
    }
    response.add_uint_option(option::kContentFormat, coap::format::kLinkFormat);
    response.append_payload("lwm2m=\"");
    response.append_payload(to_string(data.config.version));
    response.append_payload("\"");
    for (uint8_t i = 0; i < data.object_count; ++i) {
        const Object& object = *data.objects[i];
        if (path.length == 1 && object.id() != path.ids[0]) {
            continue;
        }
        const int32_t first_instance = object.next_instance(-1);
        // An object with a version, or without instances, is listed on its own.
        if (object.version() != nullptr || first_instance < 0) {
            append_link(response, false, Path::object(object.id()));
            if (object.version() != nullptr) {
                response.append_payload(";ver=");
                response.append_payload(object.version());
            }
        }
        for (int32_t instance = first_instance; instance >= 0;
             instance = object.next_instance(instance)) {
            const auto instance_id = static_cast<uint16_t>(instance);
            append_link(response, false, Path::instance(object.id(), instance_id));
            append_account_attributes(data, object.id(), instance_id, response);
        }
    }
    return code::kContent;
}

namespace {

// Writes the pack's records, creating the instances they name. Returns 2.04
// or the code of the first failure.
uint8_t write_pack(io::Decoder& decoder, detail::ClientData& data,
                   MultiObjectTransaction& transaction) {
    Path path;
    Path cleared;  // the multiple resource whose old instances are gone
    Status next = Status::kOk;
    uint32_t records = 0;
    while ((next = decoder.next_entry(path)) == Status::kOk) {
        ++records;
        Object* object = path.length >= 3 ? find_object(data, path.ids[0]) : nullptr;
        if (object == nullptr) {
            return path.length >= 3 ? code::kNotFound : code::kBadRequest;
        }
        const Status joined = transaction.join(*object);
        if (joined != Status::kOk) {
            return to_response_code(joined);
        }
        if (!has_instance(*object, path.ids[1])) {
            const Status created = object->create_instance(path.ids[1]);
            if (created != Status::kOk) {
                return to_response_code(created);
            }
        }
        const ResourceDefinition* resource = object->find_resource(path.ids[2]);
        if (resource == nullptr) {
            continue;  // a resource this client does not have; the decoder skips it
        }
        if (allows(resource->operations, Operations::kExecute)) {
            return code::kMethodNotAllowed;
        }
        if ((path.length == 4) != resource->multiple) {
            return code::kBadRequest;
        }
        Path resource_path = path;
        resource_path.length = 3;
        if (resource->multiple && !(cleared == resource_path)) {
            const Status emptied = object->clear_resource(path.ids[1], path.ids[2]);
            if (emptied != Status::kOk) {
                return to_response_code(emptied);
            }
            cleared = resource_path;
        }
        Value value;
        const Status decoded = decoder.read_value(resource->type, value);
        if (decoded != Status::kOk) {
            return decoded == Status::kMessageTooLarge ? code::kRequestEntityTooLarge
                                                       : code::kBadRequest;
        }
        const uint16_t item = path.length == 4 ? path.ids[3] : kNoResourceInstance;
        const Status written = object->write(path.ids[1], path.ids[2], item, value);
        if (written != Status::kOk) {
            return to_response_code(written);
        }
    }
    return next == Status::kNotFound && records > 0 ? code::kChanged : code::kBadRequest;
}

}  // namespace

uint8_t apply_bootstrap_pack(detail::ClientData& data, uint16_t format,
                             std::span<const uint8_t> payload) {
    if (format != coap::format::kSenmlCbor && format != coap::format::kSenmlJson) {
        return code::kUnsupportedContentFormat;
    }
    DecoderStorage storage;
    io::Decoder* decoder = make_decoder(format, payload, Path{}, storage);
    if (decoder == nullptr) {
        return code::kUnsupportedContentFormat;
    }
    MultiObjectTransaction transaction;
    const uint8_t result = transaction.finish(write_pack(*decoder, data, transaction));
    if (result == code::kChanged) {
        detail::objects_changed(data);
    }
    return result;
}

uint8_t bootstrap_delete(const Path& path, detail::ClientData& data) {
    if (path.length > 2) {
        return code::kBadRequest;
    }
    if (path.length == 2) {
        if (protected_instance(data, path.ids[0], path.ids[1])) {
            LWM2M_LOG_WARNING("Bootstrap-Delete of /%u/%u refused", path.ids[0], path.ids[1]);
            return code::kBadRequest;
        }
        Object* object = find_object(data, path.ids[0]);
        if (object == nullptr) {
            return code::kNotFound;
        }
        if (has_instance(*object, path.ids[1])) {
            const Status deleted = object->delete_instance(path.ids[1]);
            if (deleted != Status::kOk) {
                return to_response_code(deleted);
            }
        }
    } else {
        for (uint8_t i = 0; i < data.object_count; ++i) {
            if (path.length == 0 || data.objects[i]->id() == path.ids[0]) {
                delete_instances(*data.objects[i], data);
            }
        }
        if (path.length == 1 && find_object(data, path.ids[0]) == nullptr) {
            return code::kNotFound;
        }
    }
    data.session->changed_parameters |= detail::changed::kObjects;
    data.state_save_due = true;
    return code::kDeleted;
}

}  // namespace lwm2m::dm
