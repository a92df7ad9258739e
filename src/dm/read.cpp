// Read (LwM2M Core, 6.3.1), with Block2 (RFC 7959) for responses larger than
// the out buffer.
#include "dm/access_control.hpp"
#include "dm/formats.hpp"
#include "dm/operations.hpp"
#include "dm/read_source.hpp"
#include "io/payload_sink.hpp"

namespace lwm2m::dm {
namespace {

using coap::MessageWriter;
namespace code = coap::code;
namespace option = coap::option;

using Position = ReadSource::Position;

// Calls `visit(record, position)` for each readable value under `path` of
// `object`, from the value at `start` on. Instance -1 in `start` means the
// first value, and its target is not used. Stops and returns false when
// visit() returns false or a read fails. Without `read_values` the records
// carry their paths only, and no value is read.
template <typename Visit>
bool for_each_value_of(Object& object, const Path& path, Status& error, const Position& start,
                       Visit&& visit, bool read_values = true) {
    const std::span<const ResourceDefinition> resources = object.resources();
    int32_t instance = start.instance >= 0 ? start.instance : object.next_instance(-1);
    for (; instance >= 0; instance = object.next_instance(instance)) {
        const uint16_t instance_id = static_cast<uint16_t>(instance);
        if (path.length >= 2 && path.ids[1] != instance_id) {
            continue;
        }
        const bool first_instance = instance == start.instance;
        for (size_t index = first_instance ? start.resource : 0; index < resources.size();
             ++index) {
            const ResourceDefinition& resource = resources[index];
            if ((path.length >= 3 && path.ids[2] != resource.id) ||
                !allows(resource.operations, Operations::kRead) ||
                !object.has_resource(instance_id, resource.id)) {
                continue;
            }
            io::OutputRecord record;
            Position position{start.target, instance, index, -1};
            if (!resource.multiple) {
                record.path = Path::resource(object.id(), instance_id, resource.id);
                if (read_values) {
                    error =
                        object.read(instance_id, resource.id, kNoResourceInstance, record.value);
                }
                if (error != Status::kOk || !visit(record, position)) {
                    return false;
                }
                continue;
            }
            const int32_t after = first_instance && index == start.resource ? start.item : -1;
            for (int32_t item = object.next_resource_instance(instance_id, resource.id, after);
                 item >= 0; item = object.next_resource_instance(instance_id, resource.id, item)) {
                const uint16_t item_id = static_cast<uint16_t>(item);
                if (path.length == 4 && path.ids[3] != item_id) {
                    continue;
                }
                record.path =
                    Path::resource_instance(object.id(), instance_id, resource.id, item_id);
                position.item = item;
                if (read_values) {
                    error = object.read(instance_id, resource.id, item_id, record.value);
                }
                if (error != Status::kOk || !visit(record, position)) {
                    return false;
                }
            }
        }
    }
    return true;
}

// Walks the values of `source` from `start` on, as for_each_value_of() does.
template <typename Visit>
bool for_each_value(const ReadSource& source, const Position& start, Visit&& visit,
                    bool read_values = true) {
    for (uint8_t i = start.target; i < source.target_count; ++i) {
        const ReadSource::Target& target = source.targets[i];
        const Position from = i == start.target ? start : Position{i};
        if (!for_each_value_of(*target.object, target.path, source.error, from, visit,
                               read_values)) {
            return false;
        }
    }
    return true;
}

// The position just after `position`, where a walk resumes without reading
// the value at `position` again.
Position position_after(const ReadSource& source, const Position& position) {
    const ResourceDefinition& resource =
        source.targets[position.target].object->resources()[position.resource];
    Position next = position;
    if (!resource.multiple) {
        ++next.resource;
    }
    return next;
}

}  // namespace

size_t count_values(const ReadSource& source) {
    size_t count = 0;
    (void)for_each_value(source, Position{}, [&count](const io::OutputRecord&, const Position&) {
        ++count;
        return true;
    });
    return count;
}

// A call for the index after the last one resumes where that one stopped, so
// an encoder that requests the records in order reads each value once. Any
// other index walks from the first value, which costs O(index) reads.
bool get_value(const void* context, size_t index, io::OutputRecord& record) {
    const auto& source = *static_cast<const ReadSource*>(context);
    const bool resume = source.has_last && index == source.last_index + 1;
    const Position start = resume ? position_after(source, source.last) : Position{};
    size_t position = resume ? index : 0;
    bool found = false;
    (void)for_each_value(source, start, [&](const io::OutputRecord& candidate, const Position& at) {
        if (position++ != index) {
            return true;
        }
        record = candidate;
        source.last = at;
        found = true;
        return false;
    });
    source.has_last = found;
    source.last_index = index;
    return found;
}

namespace {

// RFC 7959, 2.2: NUM, M and SZX packed into an unsigned integer.
uint32_t block_value(uint32_t number, bool more, uint8_t size_exponent) {
    return (number << 4) | (more ? 0x08u : 0u) | size_exponent;
}

uint8_t respond_with_records(const coap::Message& request, const Path& path, uint16_t format,
                             const ReadSource& source, size_t count, MessageWriter& response) {
    const io::EncodeFunction encode = find_encoder(format);
    if (encode == nullptr) {
        return code::kNotAcceptable;
    }

    // Room for the payload: what is left after the Content-Format, Block2 and
    // Size2 options (at most 3 + 4 + 5 bytes) and the payload marker.
    constexpr size_t kOptionsAndMarker = 13;
    if (response.remaining() <= kOptionsAndMarker + 16) {
        return code::kInternalServerError;
    }
    const size_t room = response.remaining() - kOptionsAndMarker;
    uint32_t block = 0;
    const bool block_requested = request.find_uint(option::kBlock2, block, 3);

    // Encode straight into the response, which is all a payload that fits
    // needs; the sink counts the whole length for one that does not.
    const MessageWriter::Mark start = response.mark();
    response.add_uint_option(option::kContentFormat, format);
    const io::RecordSource records{count, &source, get_value};
    io::PayloadSink first_pass(
        block_requested ? std::span<uint8_t>() : response.free_space(1).first(room), 0);
    Status status = encode(path, records, first_pass);
    if (status != Status::kOk) {
        response.restore(start);
        return status == Status::kInvalidArgument
                   ? code::kNotAcceptable
                   : to_response_code(source.error == Status::kOk ? status : source.error);
    }
    const size_t total = first_pass.total();
    if (!block_requested && total <= room) {
        response.append_payload(first_pass.kept());
        return code::kContent;
    }

    // RFC 7959, 2.4: serve the requested block, at a size the client can afford.
    uint8_t size_exponent = block_requested ? (block & 0x07) : 6;
    if (size_exponent == 7) {
        response.restore(start);
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
        response.restore(start);
        return code::kBadOption;
    }
    const uint32_t number = static_cast<uint32_t>(offset / block_size);
    const bool more = offset + block_size < total;
    response.add_uint_option(option::kBlock2, block_value(number, more, size_exponent));
    if (number == 0) {
        response.add_uint_option(option::kSize2, static_cast<uint32_t>(total));
    }
    io::PayloadSink sink(response.free_space(1).first(block_size), offset);
    status = encode(path, records, sink);
    response.append_payload(sink.kept());
    return status == Status::kOk ? code::kContent : code::kInternalServerError;
}

}  // namespace

uint8_t read(const coap::Message& request, const Path& path, Object& object,
             detail::ClientData& data, MessageWriter& response) {
    ReadSource source;
    source.targets[0] = {&object, path};
    source.target_count = 1;
    // Counted without reading the values: a read that fails does so in the
    // encoding, which responds with its code.
    size_t count = 0;
    (void)for_each_value(
        source, Position{},
        [&count](const io::OutputRecord&, const Position&) {
            ++count;
            return true;
        },
        false);
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
    if (is_single_value_format(static_cast<uint16_t>(format)) && (!single_value || count != 1)) {
        return code::kNotAcceptable;
    }
    return respond_with_records(request, path, static_cast<uint16_t>(format), source, count,
                                response);
}

Status visit_values(detail::ClientData& data, const Path& path,
                    bool (*visit)(void* context, const io::OutputRecord& record), void* context) {
    Object* object = path.length > 0 ? find_object(data, path.ids[0]) : nullptr;
    if (object == nullptr) {
        return Status::kNotFound;
    }
    Status error = Status::kOk;
    (void)for_each_value_of(
        *object, path, error, Position{},
        [&](const io::OutputRecord& record, const Position&) { return visit(context, record); });
    return error;
}

uint8_t read_notification(const Path& path, uint16_t format, detail::ClientData& data,
                          MessageWriter& response) {
    // The Read of a request for `path` that accepts `format`.
    coap::Message request;
    request.code = code::kGet;
    uint8_t accept[2] = {static_cast<uint8_t>(format >> 8), static_cast<uint8_t>(format)};
    request.options[0] = {option::kAccept, {accept, 2}};
    request.option_count = 1;
    Object* object = nullptr;
    const uint8_t missing = find_target(request, path, data, object);
    if (missing != 0) {
        return missing;
    }
    return read(request, path, *object, data, response);
}

namespace {

bool get_stored_record(const void* context, size_t index, io::OutputRecord& record) {
    if (index != 0) {
        return false;
    }
    record = *static_cast<const io::OutputRecord*>(context);
    return true;
}

}  // namespace

uint8_t encode_notification_value(const Path& path, const Value& value, uint16_t format,
                                  MessageWriter& response) {
    const io::EncodeFunction encode = find_encoder(format);
    if (encode == nullptr) {
        return code::kNotAcceptable;
    }
    io::OutputRecord record;
    record.path = path;
    record.value = value;
    const io::RecordSource source{1, &record, get_stored_record};
    response.add_uint_option(option::kContentFormat, format);
    io::PayloadSink sink(response.free_space(1), 0);
    const Status status = encode(path, source, sink);
    if (status != Status::kOk || sink.overflowed()) {
        return code::kInternalServerError;
    }
    response.append_payload(sink.kept());
    return code::kContent;
}

uint8_t read_composite(const coap::Message& request, detail::ClientData& data,
                       MessageWriter& response) {
    uint32_t format = 0;
    Path paths[kMaxCompositePaths];
    uint8_t path_count = 0;
    const uint8_t parsed = parse_composite_request(request, paths, path_count, format);
    if (parsed != 0) {
        return parsed;
    }
    for (uint8_t i = 0; i < path_count; ++i) {
        const uint8_t denied = check_access(data, paths[i], detail::access::kRead);
        if (denied != 0) {
            return denied;
        }
    }
    return read_paths(request, {paths, path_count}, static_cast<uint16_t>(format), data, response);
}

uint8_t parse_composite_request(const coap::Message& request, Path* paths, uint8_t& count,
                                uint32_t& format) {
    uint32_t request_format = 0;
    if (!request.find_uint(option::kContentFormat, request_format, 2)) {
        return code::kBadRequest;
    }
    if (request_format != coap::format::kSenmlJson && request_format != coap::format::kSenmlCbor) {
        return code::kUnsupportedContentFormat;
    }
    format = request_format;
    if (request.find(option::kAccept) != nullptr &&
        (!request.find_uint(option::kAccept, format, 2) ||
         (format != coap::format::kSenmlJson && format != coap::format::kSenmlCbor))) {
        return code::kNotAcceptable;
    }
    DecoderStorage storage;
    io::Decoder* decoder =
        make_decoder(static_cast<uint16_t>(request_format), request.payload, Path{}, storage);
    count = 0;
    Path path;
    Status next = Status::kOk;
    while ((next = decoder->next_entry(path)) == Status::kOk) {
        if (count == kMaxCompositePaths) {
            return code::kRequestEntityTooLarge;
        }
        paths[count++] = path;
    }
    return next == Status::kNotFound ? 0 : code::kBadRequest;
}

uint8_t read_paths(const coap::Message& request, std::span<const Path> paths, uint16_t format,
                   detail::ClientData& data, MessageWriter& response) {
    // LwM2M Core 1.1, 6.3.8: paths that do not exist are left out of the response.
    ReadSource source;
    for (const Path& path : paths) {
        Object* object = path.length > 0 ? find_object(data, path.ids[0]) : nullptr;
        if (object == nullptr || object->id() == 0) {
            continue;
        }
        source.targets[source.target_count++] = {object, path};
    }
    const size_t count = count_values(source);
    if (source.error != Status::kOk && source.error != Status::kNotFound) {
        return to_response_code(source.error);
    }
    if (count == 0) {
        return code::kNotFound;
    }
    return respond_with_records(request, Path{}, format, source, count, response);
}

}  // namespace lwm2m::dm
