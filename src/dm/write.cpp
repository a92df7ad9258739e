// Write (replace and partial update) and Create (LwM2M Core, 6.3.3 and 6.3.6),
// applied inside an object transaction.
#include "dm/access_control.hpp"
#include "dm/formats.hpp"
#include "dm/operations.hpp"
#include "dm/write_operation.hpp"

namespace lwm2m::dm {
namespace {

namespace code = coap::code;
namespace option = coap::option;

// The lowest instance ID that `object` does not use.
uint16_t free_instance_id(const Object& object) {
    uint16_t instance_id = 0;
    while (has_instance(object, instance_id)) {
        ++instance_id;
    }
    return instance_id;
}

}  // namespace

bool request_format(const coap::Message& request, uint32_t& format) {
    format = coap::format::kTextPlain;
    return request.find(option::kContentFormat) == nullptr ||
           request.find_uint(option::kContentFormat, format, 2);
}

void add_location(coap::MessageWriter& response, uint16_t object_id, uint16_t instance_id) {
    char text[6];
    const size_t object_length = coap::format_uint(object_id, text);
    response.add_option(option::kLocationPath, {reinterpret_cast<uint8_t*>(text), object_length});
    const size_t instance_length = coap::format_uint(instance_id, text);
    response.add_option(option::kLocationPath, {reinterpret_cast<uint8_t*>(text), instance_length});
}

uint8_t check_write(const coap::Message& request, const Path& path, const Object& object,
                    uint32_t& format) {
    if (path.length < 2) {
        return code::kMethodNotAllowed;
    }
    if (path.length >= 3) {
        const ResourceDefinition* resource = object.find_resource(path.ids[2]);
        if (!allows(resource->operations, Operations::kWrite)) {
            return code::kMethodNotAllowed;
        }
    }
    return request_format(request, format) ? 0 : code::kBadRequest;
}

Path create_target(uint32_t format, std::span<const uint8_t> payload, const Object& object) {
    const bool tlv = format == coap::format::kLwm2mTlv || format == kLegacyTlvFormat;
    // Bits 7-6 of the first TLV type byte: 00 is an Object Instance TLV.
    if (tlv && !payload.empty() && (payload[0] & 0xC0) != 0) {
        // Resource TLVs with no Object Instance TLV around them (LwM2M 1.0):
        // the client picks the instance ID.
        return Path::instance(object.id(), free_instance_id(object));
    }
    return Path::object(object.id());
}

uint8_t WriteOperation::begin(Kind kind, const Path& target, Object& object, io::Decoder& decoder) {
    *this = WriteOperation();
    kind_ = kind;
    target_ = target;
    object_ = &object;
    decoder_ = &decoder;
    const Status begun = object.begin_transaction();
    if (begun != Status::kOk) {
        return to_response_code(begun);
    }
    in_transaction_ = true;
    return kNeedMore;
}

uint8_t WriteOperation::apply() {
    for (;;) {
        if (!entry_open_) {
            Path path;
            const Status next = decoder_->next_entry(path);
            if (next == Status::kWouldBlock) {
                return kNeedMore;
            }
            if (next == Status::kNotFound) {
                // A Write must carry at least one value.
                return finish(entry_count_ == 0 ? code::kBadRequest : code::kChanged);
            }
            if (next != Status::kOk) {
                return finish(code::kBadRequest);
            }
            const uint8_t opened = open_entry(path);
            if (opened != kNeedMore) {
                return finish(opened);
            }
            if (skip_entry_) {
                // The decoder skips the value when asked for the next entry.
                entry_open_ = false;
                continue;
            }
        }
        Value value;
        const Status decoded = decoder_->read_value(entry_type_, value);
        if (decoded == Status::kWouldBlock) {
            return kNeedMore;
        }
        if (decoded != Status::kOk) {
            return finish(decoded == Status::kMessageTooLarge ? code::kRequestEntityTooLarge
                                                              : code::kBadRequest);
        }
        const io::ValueChunk chunk = decoder_->value_chunk();
        entry_open_ = !chunk.last;
        const uint8_t written = write_value(value, chunk);
        if (written != kNeedMore) {
            return finish(written);
        }
    }
}

// Checks the entry at `path` against the target and the object definition.
// Returns kNeedMore to read its value, or the response code of a failure.
// A resource the object does not define is skipped when the target is an
// instance (LwM2M Core, 6.3.3), and is 4.04 otherwise.
uint8_t WriteOperation::open_entry(const Path& path) {
    if (path.length < 3 || !target_.contains(path) || path.ids[0] != object_->id()) {
        return code::kBadRequest;
    }
    if (kind_ == Kind::kCreate && !instance_created_) {
        // The first entry names the new instance.
        if (has_instance(*object_, path.ids[1])) {
            return code::kBadRequest;
        }
        const Status created = object_->create_instance(path.ids[1]);
        if (created != Status::kOk) {
            return to_response_code(created);
        }
        instance_created_ = true;
        target_ = Path::instance(path.ids[0], path.ids[1]);
    }
    if (kind_ == Kind::kBootstrap && !has_instance(*object_, path.ids[1])) {
        const Status created = object_->create_instance(path.ids[1]);
        if (created != Status::kOk) {
            return to_response_code(created);
        }
        instance_created_ = true;
    }
    ++entry_count_;
    entry_open_ = true;
    skip_entry_ = false;
    entry_path_ = path;

    const ResourceDefinition* resource = object_->find_resource(path.ids[2]);
    if (resource == nullptr) {
        skip_entry_ = true;
        return target_.length <= 2 ? kNeedMore : code::kNotFound;
    }
    // A Bootstrap-Server writes read-only resources as well, but nothing
    // executable.
    const bool writable = kind_ == Kind::kBootstrap
                              ? !allows(resource->operations, Operations::kExecute)
                              : allows(resource->operations, Operations::kWrite);
    if (!writable) {
        return code::kMethodNotAllowed;
    }
    // A multiple resource comes as resource instances, or (TLV only) as one
    // entry with no value that leaves it without instances.
    if (path.length == 4 && !resource->multiple) {
        return code::kBadRequest;
    }
    emptied_resource_ = resource->multiple && path.length == 3;
    entry_type_ = emptied_resource_ ? DataType::kNone : resource->type;

    // Replacing a multiple resource removes the instances not written.
    const bool replaces = kind_ != Kind::kUpdate;
    if (replaces && resource->multiple &&
        (cleared_instance_ != path.ids[1] || cleared_resource_ != resource->id)) {
        const Status cleared = object_->clear_resource(path.ids[1], resource->id);
        if (cleared != Status::kOk) {
            return to_response_code(cleared);
        }
        cleared_instance_ = path.ids[1];
        cleared_resource_ = resource->id;
    }
    return kNeedMore;
}

// Hands one value, or one piece of a long value, to the object.
uint8_t WriteOperation::write_value(const Value& value, io::ValueChunk chunk) {
    if (emptied_resource_) {
        // Clearing the multiple resource was the whole write.
        return kNeedMore;
    }
    if (value.type == DataType::kNone && entry_type_ != DataType::kNone) {
        // An empty Multiple Resource TLV (TLV's only entry without a value)
        // that names a single resource.
        return code::kBadRequest;
    }
    const uint16_t instance_id = entry_path_.ids[1];
    const uint16_t resource_id = entry_path_.ids[2];
    const uint16_t item = entry_path_.length == 4 ? entry_path_.ids[3] : kNoResourceInstance;
    const Status written =
        chunk.offset == 0 && chunk.last
            ? object_->write(instance_id, resource_id, item, value)
            : object_->write_chunk(instance_id, resource_id, item, value, chunk.offset, chunk.last);
    return written == Status::kOk ? kNeedMore : to_response_code(written);
}

// Ends the transaction: validate and commit after success, else roll back.
uint8_t WriteOperation::finish(uint8_t result) {
    if (!in_transaction_) {
        return result;
    }
    in_transaction_ = false;
    if (coap::code_class(result) == 2) {
        const Status valid = object_->validate_transaction();
        if (valid != Status::kOk) {
            result = to_response_code(valid);
        }
    }
    if (coap::code_class(result) != 2) {
        object_->rollback_transaction();
        return result;
    }
    object_->commit_transaction();
    return kind_ == Kind::kCreate ? code::kCreated : code::kChanged;
}

void WriteOperation::abort() {
    (void)finish(code::kRequestEntityIncomplete);
}

uint8_t apply_whole_write(WriteOperation::Kind kind, uint32_t format, const coap::Message& request,
                          const Path& path, Object& object, bool* created_instance) {
    DecoderStorage storage;
    io::Decoder* decoder =
        make_decoder(static_cast<uint16_t>(format), request.payload, path, storage);
    if (decoder == nullptr) {
        return code::kUnsupportedContentFormat;
    }
    WriteOperation operation;
    uint8_t result = operation.begin(kind, path, object, *decoder);
    if (result == WriteOperation::kNeedMore) {
        // The whole payload is at hand, so the decoder never returns kWouldBlock.
        result = operation.apply();
    }
    if (created_instance != nullptr) {
        *created_instance = operation.created_instance();
    }
    return result;
}

uint8_t write(const coap::Message& request, const Path& path, Object& object, bool replace) {
    uint32_t format = 0;
    const uint8_t checked = check_write(request, path, object, format);
    if (checked != 0) {
        return checked;
    }
    const auto kind = replace ? WriteOperation::Kind::kReplace : WriteOperation::Kind::kUpdate;
    return apply_whole_write(kind, format, request, path, object, nullptr);
}

Status MultiObjectTransaction::join(Object& object) {
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

uint8_t MultiObjectTransaction::finish(uint8_t result) {
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

uint8_t create(const coap::Message& request, const Path& path, Object& object,
               coap::MessageWriter& response, uint16_t* created_id) {
    uint32_t format = 0;
    if (!request_format(request, format)) {
        return code::kBadRequest;
    }
    if (request.payload.empty()) {
        // No values: an instance with every resource at its default value.
        const uint16_t free_id = free_instance_id(object);
        const Status created = object.create_instance(free_id);
        if (created != Status::kOk) {
            return to_response_code(created);
        }
        add_location(response, object.id(), free_id);
        if (created_id != nullptr) {
            *created_id = free_id;
        }
        return code::kCreated;
    }
    DecoderStorage storage;
    io::Decoder* decoder = make_decoder(static_cast<uint16_t>(format), request.payload,
                                        create_target(format, request.payload, object), storage);
    if (decoder == nullptr) {
        return code::kUnsupportedContentFormat;
    }
    WriteOperation operation;
    const uint8_t begun = operation.begin(WriteOperation::Kind::kCreate, path, object, *decoder);
    if (begun != WriteOperation::kNeedMore) {
        return begun;
    }
    const uint8_t result = operation.apply();
    if (result == code::kCreated) {
        add_location(response, object.id(), operation.instance_id());
        if (created_id != nullptr) {
            *created_id = operation.instance_id();
        }
    }
    return result;
}

namespace {

uint8_t apply_composite(io::Decoder& decoder, detail::ClientData& data,
                        MultiObjectTransaction& transaction) {
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
        const uint8_t denied = check_access(data, path, detail::access::kWrite);
        if (denied != 0) {
            return denied;
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
    MultiObjectTransaction transaction;
    return transaction.finish(apply_composite(*decoder, data, transaction));
}

}  // namespace lwm2m::dm
