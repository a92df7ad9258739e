// Read (LwM2M Core, 6.3.1), with Block2 (RFC 7959) for responses larger than
// the out buffer.
#include "dm/formats.hpp"
#include "dm/operations.hpp"
#include "io/payload_sink.hpp"

namespace lwm2m::dm {
namespace {

namespace code = coap::code;
namespace option = coap::option;

// Walks the readable values under `path` in ascending path order.
struct ReadSource {
    Object* object;
    Path path;
    mutable Status error = Status::kOk;
};

// Calls `visit(record)` for each readable value under `source.path`; stops and
// returns false when visit() returns false or a read fails.
template <typename Visit>
bool for_each_value(const ReadSource& source, Visit&& visit) {
    Object& object = *source.object;
    const Path& path = source.path;
    for (int32_t instance = object.next_instance(-1); instance >= 0;
         instance = object.next_instance(instance)) {
        const uint16_t instance_id = static_cast<uint16_t>(instance);
        if (path.length >= 2 && path.ids[1] != instance_id) {
            continue;
        }
        for (const ResourceDefinition& resource : object.resources()) {
            if ((path.length >= 3 && path.ids[2] != resource.id) ||
                !allows(resource.operations, Operations::kRead) ||
                !object.has_resource(instance_id, resource.id)) {
                continue;
            }
            io::OutputRecord record;
            if (!resource.multiple) {
                record.path = Path::resource(object.id(), instance_id, resource.id);
                source.error = object.read(instance_id, resource.id, kNoResourceInstance,
                                           record.value);
                if (source.error != Status::kOk || !visit(record)) {
                    return false;
                }
                continue;
            }
            for (int32_t item = object.next_resource_instance(instance_id, resource.id, -1);
                 item >= 0; item = object.next_resource_instance(instance_id, resource.id, item)) {
                const uint16_t item_id = static_cast<uint16_t>(item);
                if (path.length == 4 && path.ids[3] != item_id) {
                    continue;
                }
                record.path = Path::resource_instance(object.id(), instance_id, resource.id, item_id);
                source.error = object.read(instance_id, resource.id, item_id, record.value);
                if (source.error != Status::kOk || !visit(record)) {
                    return false;
                }
            }
        }
    }
    return true;
}

size_t count_values(const ReadSource& source) {
    size_t count = 0;
    (void)for_each_value(source, [&count](const io::OutputRecord&) {
        ++count;
        return true;
    });
    return count;
}

bool get_value(const void* context, size_t index, io::OutputRecord& record) {
    const auto& source = *static_cast<const ReadSource*>(context);
    size_t position = 0;
    bool found = false;
    (void)for_each_value(source, [&](const io::OutputRecord& candidate) {
        if (position++ != index) {
            return true;
        }
        record = candidate;
        found = true;
        return false;
    });
    return found;
}

// RFC 7959, 2.2: NUM, M and SZX packed into an unsigned integer.
uint32_t block_value(uint32_t number, bool more, uint8_t size_exponent) {
    return (number << 4) | (more ? 0x08u : 0u) | size_exponent;
}

}  // namespace

uint8_t read(const coap::Message& request, const Path& path, Object& object,
             detail::ClientData& data, coap::MessageWriter& response) {
    ReadSource source{&object, path};
    const size_t count = count_values(source);
    if (source.error != Status::kOk) {
        return to_response_code(source.error);
    }
    const ResourceDefinition* resource =
        path.length >= 3 ? object.find_resource(path.ids[2]) : nullptr;
    if (resource != nullptr && !allows(resource->operations, Operations::kRead)) {
        return code::kMethodNotAllowed;
    }
    const bool single_value = path.length == 4 || (resource != nullptr && !resource->multiple);

    uint32_t format = 0;
    if (request.find(option::kAccept) != nullptr) {
        if (!request.find_uint(option::kAccept, format, 2)) {
            return code::kBadOption;
        }
    } else {
        format = default_read_format(data.config.version, single_value,
                                     resource != nullptr ? resource->type : DataType::kNone);
    }
    const io::EncodeFunction encode = find_encoder(static_cast<uint16_t>(format));
    if (encode == nullptr || (is_single_value_format(format) && (!single_value || count != 1))) {
        return code::kNotAcceptable;
    }

    // Encode once without keeping bytes to learn the length.
    const io::RecordSource records{count, &source, get_value};
    io::PayloadSink measure({}, 0);
    Status status = encode(path, records, measure);
    if (status != Status::kOk) {
        return status == Status::kInvalidArgument ? code::kNotAcceptable
                                                  : to_response_code(source.error == Status::kOk
                                                                         ? status
                                                                         : source.error);
    }
    const size_t total = measure.total();

    // Room for the payload: the out buffer minus the header and token, the
    // Content-Format, Block2 and Size2 options (at most 3 + 4 + 5 bytes) and
    // the payload marker.
    constexpr size_t kOptionsAndMarker = 13;
    if (response.remaining() <= kOptionsAndMarker + 16) {
        return code::kInternalServerError;
    }
    const size_t room = response.remaining() - kOptionsAndMarker;
    uint32_t block = 0;
    const bool block_requested = request.find_uint(option::kBlock2, block, 3);
    if (!block_requested && total <= room) {
        response.add_uint_option(option::kContentFormat, format);
        io::PayloadSink sink(response.free_space(1).first(room), 0);
        status = encode(path, records, sink);
        response.append_payload(sink.kept());
        return status == Status::kOk ? code::kContent : code::kInternalServerError;
    }

    // RFC 7959, 2.4: serve the requested block, at a size the client can afford.
    uint8_t size_exponent = block_requested ? (block & 0x07) : 6;
    if (size_exponent == 7) {
        return code::kBadOption;  // SZX 7 is reserved (RFC 7959, 2.2)
    }
    while (size_exponent > 0 && (16u << size_exponent) > room) {
        --size_exponent;
    }
    const size_t block_size = 16u << size_exponent;
    // A smaller block size than requested keeps the same byte offset.
    const uint32_t requested_number = block_requested ? (block >> 4) : 0;
    const size_t requested_size = block_requested ? (16u << (block & 0x07)) : block_size;
    const size_t offset = requested_number * requested_size;
    if (offset >= total && total > 0) {
        return code::kBadOption;
    }
    const uint32_t number = static_cast<uint32_t>(offset / block_size);
    const bool more = offset + block_size < total;
    response.add_uint_option(option::kContentFormat, format);
    response.add_uint_option(option::kBlock2, block_value(number, more, size_exponent));
    if (number == 0) {
        response.add_uint_option(option::kSize2, static_cast<uint32_t>(total));
    }
    io::PayloadSink sink(response.free_space(1).first(block_size), offset);
    status = encode(path, records, sink);
    response.append_payload(sink.kept());
    return status == Status::kOk ? code::kContent : code::kInternalServerError;
}

}  // namespace lwm2m::dm
