// Write (replace and partial update) and Create (LwM2M Core, 6.3.3 and 6.3.6),
// applied inside an object transaction.
#include "dm/formats.hpp"
#include "dm/operations.hpp"

namespace lwm2m::dm {
namespace {

namespace code = coap::code;
namespace option = coap::option;

// Reads the request's Content-Format; text/plain when it has none.
bool request_format(const coap::Message& request, uint32_t& format) {
    format = coap::format::kTextPlain;
    return request.find(option::kContentFormat) == nullptr ||
           request.find_uint(option::kContentFormat, format, 2);
}

// Applies every entry of `decoder` to `object`. The entries must lie under
// `target`. A resource the object does not define is skipped when the
// request names an instance (LwM2M Core, 6.3.3), and is 4.04 otherwise.
uint8_t apply_entries(io::Decoder& decoder, const Path& target, Object& object, bool replace) {
    uint16_t cleared_resource = 0xffff;
    uint16_t cleared_instance = 0xffff;
    Path path;
    for (int entries = 0;; ++entries) {
        const Status next = decoder.next_entry(path);
        if (next == Status::kNotFound) {
            // A Write must carry at least one value.
            return entries == 0 ? code::kBadRequest : code::kChanged;
        }
        if (next != Status::kOk || path.length < 3 || !target.contains(path) ||
            path.ids[0] != object.id()) {
            return code::kBadRequest;
        }
        const uint16_t instance_id = path.ids[1];
        const ResourceDefinition* resource = object.find_resource(path.ids[2]);
        if (resource == nullptr) {
            if (target.length <= 2) {
                continue;
            }
            return code::kNotFound;
        }
        if (!allows(resource->operations, Operations::kWrite)) {
            return code::kMethodNotAllowed;
        }
        if ((path.length == 4) != resource->multiple) {
            return code::kBadRequest;
        }
        Value value;
        const Status decoded = decoder.read_value(resource->type, value);
        if (decoded != Status::kOk) {
            return decoded == Status::kMessageTooLarge ? code::kRequestEntityTooLarge
                                                       : code::kBadRequest;
        }
        // Replacing a multiple resource removes the instances not written.
        if (replace && resource->multiple &&
            (cleared_instance != instance_id || cleared_resource != resource->id)) {
            const Status cleared = object.clear_resource(instance_id, resource->id);
            if (cleared != Status::kOk) {
                return to_response_code(cleared);
            }
            cleared_instance = instance_id;
            cleared_resource = resource->id;
        }
        const uint16_t item = path.length == 4 ? path.ids[3] : kNoResourceInstance;
        const Status written = object.write(instance_id, resource->id, item, value);
        if (written != Status::kOk) {
            return to_response_code(written);
        }
    }
}

// Runs `apply` inside a transaction of `object`: commit on success, rollback
// on any failure, including a failed validation.
template <typename Apply>
uint8_t in_transaction(Object& object, Apply&& apply) {
    const Status begun = object.begin_transaction();
    if (begun != Status::kOk) {
        return to_response_code(begun);
    }
    uint8_t result = apply();
    if (coap::code_class(result) == 2) {
        const Status valid = object.validate_transaction();
        if (valid != Status::kOk) {
            result = to_response_code(valid);
        }
    }
    if (coap::code_class(result) == 2) {
        object.commit_transaction();
    } else {
        object.rollback_transaction();
    }
    return result;
}

// Adds the Location-Path of a created instance: "oid", "iid".
void add_location(coap::MessageWriter& response, uint16_t object_id, uint16_t instance_id) {
    char text[6];
    const size_t object_length = coap::format_uint(object_id, text);
    response.add_option(option::kLocationPath, {reinterpret_cast<uint8_t*>(text), object_length});
    const size_t instance_length = coap::format_uint(instance_id, text);
    response.add_option(option::kLocationPath, {reinterpret_cast<uint8_t*>(text), instance_length});
}

}  // namespace

uint8_t write(const coap::Message& request, const Path& path, Object& object, bool replace) {
    if (path.length < 2) {
        return code::kMethodNotAllowed;
    }
    if (path.length >= 3) {
        const ResourceDefinition* resource = object.find_resource(path.ids[2]);
        if (!allows(resource->operations, Operations::kWrite)) {
            return code::kMethodNotAllowed;
        }
    }
    uint32_t format = 0;
    if (!request_format(request, format)) {
        return code::kBadRequest;
    }
    DecoderStorage storage;
    io::Decoder* decoder =
        make_decoder(static_cast<uint16_t>(format), request.payload, path, storage);
    if (decoder == nullptr) {
        return code::kUnsupportedContentFormat;
    }
    return in_transaction(object, [&] { return apply_entries(*decoder, path, object, replace); });
}

uint8_t create(const coap::Message& request, const Path& path, Object& object,
               detail::ClientData& data, coap::MessageWriter& response) {
    (void)data;
    uint32_t format = 0;
    if (!request_format(request, format)) {
        return code::kBadRequest;
    }
    if (request.payload.empty()) {
        // No values: an instance with every resource at its default value.
        uint16_t free_id = 0;
        while (has_instance(object, free_id)) {
            ++free_id;
        }
        const Status created = object.create_instance(free_id);
        if (created != Status::kOk) {
            return to_response_code(created);
        }
        add_location(response, object.id(), free_id);
        return code::kCreated;
    }
    // The payload names the new instance, or the client picks the lowest free ID.
    DecoderStorage storage;
    io::Decoder* decoder =
        make_decoder(static_cast<uint16_t>(format), request.payload, path, storage);
    if (decoder == nullptr) {
        return code::kUnsupportedContentFormat;
    }
    Path first;
    const Status peeked = decoder->next_entry(first);
    uint16_t instance_id = 0;
    if (peeked == Status::kOk && first.length >= 2) {
        instance_id = first.ids[1];
        if (has_instance(object, instance_id)) {
            return code::kBadRequest;
        }
    } else {
        while (has_instance(object, instance_id)) {
            ++instance_id;
        }
    }
    const Path instance_path = Path::instance(object.id(), instance_id);
    decoder =
        make_decoder(static_cast<uint16_t>(format), request.payload,
                     peeked == Status::kOk && first.length >= 2 ? path : instance_path, storage);

    const uint8_t result = in_transaction(object, [&]() -> uint8_t {
        const Status created = object.create_instance(instance_id);
        if (created != Status::kOk) {
            return to_response_code(created);
        }
        const uint8_t applied = apply_entries(*decoder, instance_path, object, true);
        return applied == code::kChanged ? code::kCreated : applied;
    });
    if (result == code::kCreated) {
        add_location(response, object.id(), instance_id);
    }
    return result;
}

namespace {

// Objects in one Write-Composite transaction.
struct CompositeTransaction {
    Object* objects[LWM2M_MAX_OBJECTS] = {};
    uint8_t count = 0;

    // Begins a transaction on `object` the first time it is touched.
    Status join(Object& object) {
        for (uint8_t i = 0; i < count; ++i) {
            if (objects[i] == &object) {
                return Status::kOk;
            }
        }
        const Status begun = object.begin_transaction();
        if (begun == Status::kOk) {
            objects[count++] = &object;
        }
        return begun;
    }

    uint8_t finish(uint8_t result) {
        for (uint8_t i = 0; i < count && coap::code_class(result) == 2; ++i) {
            const Status valid = objects[i]->validate_transaction();
            if (valid != Status::kOk) {
                result = to_response_code(valid);
            }
        }
        for (uint8_t i = 0; i < count; ++i) {
            if (coap::code_class(result) == 2) {
                objects[i]->commit_transaction();
            } else {
                objects[i]->rollback_transaction();
            }
        }
        return result;
    }
};

uint8_t apply_composite(io::Decoder& decoder, detail::ClientData& data,
                        CompositeTransaction& transaction) {
    Path path;
    Status next = Status::kOk;
    int entries = 0;
    while ((next = decoder.next_entry(path)) == Status::kOk) {
        ++entries;
        Object* object = path.length >= 3 ? find_object(data, path.ids[0]) : nullptr;
        if (object == nullptr || !has_instance(*object, path.ids[1])) {
            return code::kNotFound;
        }
        if (object->id() == 0) {
            return code::kUnauthorized;
        }
        const ResourceDefinition* resource = object->find_resource(path.ids[2]);
        if (resource == nullptr) {
            return code::kNotFound;
        }
        if (!allows(resource->operations, Operations::kWrite)) {
            return code::kMethodNotAllowed;
        }
        if ((path.length == 4) != resource->multiple) {
            return code::kBadRequest;
        }
        Value value;
        const Status decoded = decoder.read_value(resource->type, value);
        if (decoded != Status::kOk) {
            return decoded == Status::kMessageTooLarge ? code::kRequestEntityTooLarge
                                                       : code::kBadRequest;
        }
        const Status joined = transaction.join(*object);
        if (joined != Status::kOk) {
            return to_response_code(joined);
        }
        const uint16_t item = path.length == 4 ? path.ids[3] : kNoResourceInstance;
        const Status written = object->write(path.ids[1], path.ids[2], item, value);
        if (written != Status::kOk) {
            return to_response_code(written);
        }
    }
    if (next != Status::kNotFound || entries == 0) {
        return code::kBadRequest;
    }
    return code::kChanged;
}

}  // namespace

uint8_t write_composite(const coap::Message& request, detail::ClientData& data) {
    uint32_t format = 0;
    if (!request.find_uint(option::kContentFormat, format, 2)) {
        return code::kBadRequest;
    }
    if (format != coap::format::kSenmlJson && format != coap::format::kSenmlCbor) {
        return code::kUnsupportedContentFormat;
    }
    DecoderStorage storage;
    io::Decoder* decoder =
        make_decoder(static_cast<uint16_t>(format), request.payload, Path{}, storage);
    CompositeTransaction transaction;
    return transaction.finish(apply_composite(*decoder, data, transaction));
}

}  // namespace lwm2m::dm
