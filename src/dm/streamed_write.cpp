#include "dm/streamed_write.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "dm/access_control.hpp"
#include "dm/formats.hpp"
#include "dm/operations.hpp"
#include "dm/write_operation.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("dm");

#if LWM2M_WITH_BLOCK1

namespace lwm2m::dm {

#if LWM2M_BLOCK1_CARRY_SIZE > 0

namespace {

namespace code = coap::code;

// Server instances come from a Bootstrap-Server only, never from a Create.
constexpr uint16_t kServerObject = 1;

// Values of up to kWholeValueSize bytes (with their TLV header) are returned
// whole. The carry buffer has one byte more, so an opaque value of unknown
// length shows that it is longer than that even in blocks of 16 bytes.
constexpr size_t kWholeValueSize = LWM2M_BLOCK1_CARRY_SIZE;
constexpr size_t kCarrySize = kWholeValueSize + 1;

// The state of a streamed Write or Create, kept in the client's Block1
// transfer between blocks.
struct StreamedWrite {
    WriteOperation operation;
    io::Decoder* decoder = nullptr;
    alignas(8) unsigned char decoder_storage[std::max(
        {sizeof(io::TlvDecoder), sizeof(io::OpaqueDecoder), sizeof(io::TextPlainDecoder)})];
    // Bytes of the payload that the decoder has not consumed yet, from
    // offset carry_offset of the whole payload: an entry cut by a block end.
    size_t carry_offset = 0;
    size_t carry_length = 0;
    uint8_t carry[kCarrySize];
};

static_assert(sizeof(StreamedWrite) <= detail::kStreamedWriteStateSize,
              "kStreamedWriteStateSize is too small for StreamedWrite");
static_assert(alignof(StreamedWrite) <= 8, "StreamedWrite needs more than 8-byte alignment");
static_assert(kWholeValueSize >= 16, "LWM2M_BLOCK1_CARRY_SIZE must be 0 or at least 16 bytes");

StreamedWrite& stream_of(detail::ClientData& data) {
    return *std::launder(reinterpret_cast<StreamedWrite*>(data.block1.streamed_write));
}

bool is_streamed_format(uint32_t format) {
    const bool tlv =
        LWM2M_WITH_TLV && (format == coap::format::kLwm2mTlv || format == kLegacyTlvFormat);
    return tlv || (LWM2M_WITH_OPAQUE && format == coap::format::kOpaque) ||
           (LWM2M_WITH_TEXT_PLAIN && format == coap::format::kTextPlain);
}

io::Decoder* make_stream_decoder(uint32_t format, std::span<const uint8_t> payload,
                                 const Path& target, StreamedWrite& stream) {
    void* storage = stream.decoder_storage;
    switch (format) {
#if LWM2M_WITH_OPAQUE
        case coap::format::kOpaque:
            return new (storage) io::OpaqueDecoder(payload, target);
#endif
#if LWM2M_WITH_TEXT_PLAIN
        case coap::format::kTextPlain:
            // NOTE: no buffer for base64, so an opaque value in text/plain
            // that arrives in blocks gets 4.13.
            return new (storage) io::TextPlainDecoder(payload, target);
#endif
        default:
#if LWM2M_WITH_TLV
            return new (storage) io::TlvDecoder(payload, target);
#else
            return nullptr;  // is_streamed_format() lets no TLV through
#endif
    }
}

uint8_t end_stream(detail::ClientData& data, uint8_t result, coap::MessageWriter& response) {
    StreamedWrite& stream = stream_of(data);
    if (result == code::kCreated) {
        add_location(response, stream.operation.object_id(), stream.operation.instance_id());
        detail::objects_changed(data);
    }
    return result;
}

// Keeps the bytes of `window` (which starts at offset `base` of the payload)
// that the decoder has not consumed, for the next block.
uint8_t keep_rest(detail::ClientData& data, std::span<const uint8_t> window, size_t base) {
    StreamedWrite& stream = stream_of(data);
    const size_t resume = stream.decoder->resume_offset();
    const std::span<const uint8_t> rest = window.subspan(resume - base);
    if (rest.size() > kCarrySize) {
        // Not reached by the streaming decoders, which wait only for entries
        // that fit the carry buffer.
        stream.operation.abort();
        return code::kRequestEntityTooLarge;
    }
    std::memmove(stream.carry, rest.data(), rest.size());
    stream.carry_offset = resume;
    stream.carry_length = rest.size();
    return kStreamContinues;
}

// Ends a stream whose decoder still waits for bytes after the last block, as
// for a truncated TLV, so that its transaction does not outlive the transfer.
uint8_t end_truncated(StreamedWrite& stream) {
    stream.operation.abort();
    return code::kBadRequest;
}

}  // namespace

bool can_stream_write(const coap::Message& request, const Path& path) {
    const bool write_or_create =
        request.code == code::kPut || (request.code == code::kPost && path.length <= 2);
    uint32_t format = 0;
    return path.length > 0 && write_or_create && request_format(request, format) &&
           is_streamed_format(format);
}

namespace {

// Checks the first block of a Bootstrap-Write (LwM2M Core 1.1, 5.2.7.1): a
// PUT on an object, an instance or a resource, which need not exist yet.
uint8_t check_bootstrap_write(const coap::Message& request, const Path& path,
                              detail::ClientData& data, Object*& object, uint32_t& format) {
    if (request.code != code::kPut) {
        return code::kMethodNotAllowed;
    }
    if (path.length > 3) {
        return code::kBadRequest;
    }
    object = find_object(data, path.ids[0]);
    if (object == nullptr) {
        return code::kNotFound;
    }
    return request_format(request, format) ? 0 : code::kBadRequest;
}

}  // namespace

uint8_t start_streamed_write(const coap::Message& request, const Path& path,
                             detail::ClientData& data, coap::MessageWriter& response) {
    const bool bootstrap = data.session->state == RegistrationState::kBootstrapping;
    const bool create = !bootstrap && request.code == code::kPost && path.length == 1;
    Object* object = nullptr;
    uint32_t format = 0;
    if (bootstrap) {
        const uint8_t checked = check_bootstrap_write(request, path, data, object, format);
        if (checked != 0) {
            return checked;
        }
    } else {
        const uint8_t missing = find_target(request, path, data, object);
        if (missing != 0) {
            return missing;
        }
        if (create && object->id() == kServerObject) {
            // Server accounts come from a Bootstrap-Server only.
            return code::kMethodNotAllowed;
        }
        const uint8_t checked = create ? (request_format(request, format) ? 0 : code::kBadRequest)
                                       : check_write(request, path, *object, format);
        if (checked != 0) {
            return checked;
        }
        // NOTE: an instance created block by block gets no Access Control
        // instance of its own (add_owner_acl()), so with access control no
        // server may reach it until a Bootstrap-Server writes one.
        const uint8_t denied =
            check_access(data, path, create ? detail::access::kCreate : detail::access::kWrite);
        if (denied != 0) {
            return denied;
        }
    }

    StreamedWrite& stream = *new (data.block1.streamed_write) StreamedWrite();
    const Path target = create ? create_target(format, request.payload, *object) : path;
    stream.decoder = make_stream_decoder(format, request.payload, target, stream);
    stream.decoder->start_stream(kWholeValueSize);

    using Kind = WriteOperation::Kind;
    Kind kind = request.code == code::kPut ? Kind::kReplace : Kind::kUpdate;
    if (create) {
        kind = Kind::kCreate;
    } else if (bootstrap) {
        kind = Kind::kBootstrap;
    }
    const uint8_t begun = stream.operation.begin(kind, path, *object, *stream.decoder);
    if (begun != WriteOperation::kNeedMore) {
        return begun;
    }
    const uint8_t result = stream.operation.apply();
    if (result != WriteOperation::kNeedMore) {
        return end_stream(data, result, response);
    }
    return keep_rest(data, request.payload, 0);
}

uint8_t continue_streamed_write(std::span<const uint8_t> payload, bool last_block,
                                detail::ClientData& data, coap::MessageWriter& response) {
    StreamedWrite& stream = stream_of(data);
    std::span<const uint8_t> rest = payload;
    // Each pass consumes the rest of the block or some of the carry buffer,
    // so the loop ends.
    for (;;) {
        if (stream.carry_length == 0) {
            const size_t base = stream.decoder->resume_offset();
            stream.decoder->feed(rest, last_block);
            const uint8_t result = stream.operation.apply();
            if (result != WriteOperation::kNeedMore) {
                return end_stream(data, result, response);
            }
            if (last_block) {
                return end_truncated(stream);
            }
            return keep_rest(data, rest, base);
        }

        // Complete the cut entry in the carry buffer with bytes of the block.
        const size_t count = std::min(kCarrySize - stream.carry_length, rest.size());
        if (count > 0) {
            // An empty block may have no data pointer, which memcpy must not get.
            std::memcpy(stream.carry + stream.carry_length, rest.data(), count);
        }
        stream.carry_length += count;
        rest = rest.subspan(count);
        const size_t base = stream.carry_offset;
        stream.decoder->feed({stream.carry, stream.carry_length}, last_block && rest.empty());
        const uint8_t result = stream.operation.apply();
        if (result != WriteOperation::kNeedMore) {
            return end_stream(data, result, response);
        }

        const size_t consumed = stream.decoder->resume_offset() - base;
        if (consumed == 0 && stream.carry_length == kCarrySize && !rest.empty()) {
            // An entry that does not fit the carry buffer: only text/plain
            // values wait whole, and they fail earlier with 4.13.
            stream.operation.abort();
            return code::kRequestEntityTooLarge;
        }
        std::memmove(stream.carry, stream.carry + consumed, stream.carry_length - consumed);
        stream.carry_length -= consumed;
        stream.carry_offset += consumed;
        if (rest.empty()) {
            return last_block ? end_truncated(stream) : kStreamContinues;
        }
    }
}

void abort_streamed_write(detail::ClientData& data) {
    LWM2M_LOG_WARNING("Block1 write abandoned, changes rolled back");
    stream_of(data).operation.abort();
}

#else  // LWM2M_BLOCK1_CARRY_SIZE == 0: every Block1 request is assembled.

bool can_stream_write(const coap::Message&, const Path&) {
    return false;
}

uint8_t start_streamed_write(const coap::Message&, const Path&, detail::ClientData&,
                             coap::MessageWriter&) {
    return coap::code::kInternalServerError;
}

uint8_t continue_streamed_write(std::span<const uint8_t>, bool, detail::ClientData&,
                                coap::MessageWriter&) {
    return coap::code::kInternalServerError;
}

void abort_streamed_write(detail::ClientData&) {}

#endif

}  // namespace lwm2m::dm

#endif  // LWM2M_WITH_BLOCK1
