#include "core/outgoing_block1.hpp"

#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("coap");

#if LWM2M_WITH_BLOCK1

namespace lwm2m::core {
namespace {

using detail::PendingRequest;
namespace code = coap::code;
namespace option = coap::option;

// RFC 7959, 2.2: SZX 6 is 1024-byte blocks, the largest; NUM has 20 bits.
constexpr uint8_t kMaxSizeExponent = 6;
constexpr uint32_t kMaxBlockNumber = (1u << 20) - 1;

// Bytes a block needs besides its payload: Block1 (1 header byte and up to
// 3 value bytes), Size1 on block 0 (1 header byte, 1 extended delta byte, up
// to 4 value bytes) and the payload marker.
constexpr size_t kBlockOverhead = 4 + 6 + 1;

uint64_t block_offset(uint32_t number, uint8_t size_exponent) {
    return uint64_t{number} << (size_exponent + 4);
}

// Reads the Block1 option of a response. Returns false if it is absent,
// longer than 3 bytes or has the reserved SZX 7.
bool read_block1(const coap::Message& response, uint32_t& value) {
    return response.find_uint(option::kBlock1, value, 3) && (value & 0x07) != 7;
}

// Sends the block pending.block_number as a new confirmable request with a
// new message ID and token, so that a late response to an earlier block
// cannot be taken for its response.
void send_block(Context& ctx) {
    renew_exchange(ctx);
    ctx.data.session->last_exchange_ms = ctx.now_ms;
    const std::span<const uint8_t> bytes = encode_pending_request(ctx);
    const PendingRequest& pending = ctx.data.session->pending;
    LWM2M_LOG_DEBUG("Block1 block %lu of %u bytes (message %u)",
                    static_cast<unsigned long>(pending.block_number),
                    16u << pending.block_size_exponent, pending.message_id);
    send_pending_bytes(ctx, bytes);
}

void restart_transfer(Context& ctx, uint8_t size_exponent) {
    PendingRequest& pending = ctx.data.session->pending;
    pending.block_size_exponent = size_exponent;
    pending.block_number = 0;
    send_block(ctx);
}

// RFC 7959, 2.3 and 2.5: the response to a block acknowledges it, and a
// smaller SZX in it sets the size of the blocks that follow. The next block
// number then counts in the new size, from the same byte offset.
void send_next_block(Context& ctx, const coap::Message& response) {
    PendingRequest& pending = ctx.data.session->pending;
    uint32_t value = 0;
    if (!read_block1(response, value)) {
        fail_pending_request(ctx, "got a block response without a valid Block1 option");
        return;
    }
    const uint8_t server_exponent = value & 0x07;
    const uint64_t sent_offset = block_offset(pending.block_number, pending.block_size_exponent);
    if (block_offset(value >> 4, server_exponent) != sent_offset) {
        LWM2M_LOG_WARNING("server acknowledged Block1 block %lu of %u bytes, sent was %lu of %u",
                          static_cast<unsigned long>(value >> 4), 16u << server_exponent,
                          static_cast<unsigned long>(pending.block_number),
                          16u << pending.block_size_exponent);
        fail_pending_request(ctx, "got a response for another block");
        return;
    }

    const uint64_t next_offset = sent_offset + (16u << pending.block_size_exponent);
    if (server_exponent < pending.block_size_exponent) {
        LWM2M_LOG_DEBUG("server asks for %u-byte blocks", 16u << server_exponent);
        pending.block_size_exponent = server_exponent;
    }
    pending.block_number = static_cast<uint32_t>(next_offset >> (pending.block_size_exponent + 4));
    send_block(ctx);
}

// RFC 7959, 2.9.3: 4.13 with a Block1 option requests blocks of its size.
// Returns false if it names no size smaller than the current one.
bool restart_with_smaller_blocks(Context& ctx, const coap::Message& response) {
    const PendingRequest& pending = ctx.data.session->pending;
    uint32_t value = 0;
    if (read_block1(response, value) && (value & 0x07) < pending.block_size_exponent) {
        LWM2M_LOG_INFO("request too large for the server, sending it again in %u-byte blocks",
                       16u << (value & 0x07));
        restart_transfer(ctx, value & 0x07);
        return true;
    }
    // RFC 7252, 5.9.2.9: Size1 in a 4.13 is the largest request the server takes.
    uint32_t limit = 0;
    if (response.find_uint(option::kSize1, limit)) {
        LWM2M_LOG_WARNING("server takes requests of at most %lu bytes",
                          static_cast<unsigned long>(limit));
    }
    return false;
}

}  // namespace

bool append_request_payload(Context& ctx, coap::MessageWriter& writer, PayloadSource source) {
    PendingRequest& pending = ctx.data.session->pending;
    pending.has_payload = true;
    io::PayloadSink measure({}, 0);
    source(ctx.data, measure);
    const size_t total = measure.total();
    const size_t remaining = writer.remaining();
    if (pending.block_size_exponent == PendingRequest::kNoBlock && total < remaining) {
        io::PayloadSink sink(writer.free_space(1).first(total), 0);
        source(ctx.data, sink);
        writer.append_payload(sink.kept());
        return true;
    }

    if (remaining < kBlockOverhead + 16) {
        LWM2M_LOG_ERROR("no room for a 16-byte Block1 block after the options");
        return false;
    }
    const bool started = pending.block_size_exponent != PendingRequest::kNoBlock;
    const uint64_t offset =
        started ? block_offset(pending.block_number, pending.block_size_exponent) : 0;
    uint8_t exponent = started ? pending.block_size_exponent : kMaxSizeExponent;
    while (exponent > 0 && (16u << exponent) > remaining - kBlockOverhead) {
        --exponent;
    }
    const uint64_t number = offset >> (exponent + 4);
    if (number > kMaxBlockNumber || (offset >= total && offset > 0)) {
        LWM2M_LOG_ERROR("Block1 block at offset %lu is past the %lu-byte payload or block 2^20",
                        static_cast<unsigned long>(offset), static_cast<unsigned long>(total));
        return false;
    }

    // The SZX is the same for every block, chosen at block 0 with room for
    // Size1, so retransmissions and later blocks encode alike.
    const size_t size = 16u << exponent;
    if (!started) {
        LWM2M_LOG_INFO("%lu-byte payload goes in Block1 blocks of %u bytes",
                       static_cast<unsigned long>(total), static_cast<unsigned>(size));
    }
    pending.block_size_exponent = exponent;
    pending.block_number = static_cast<uint32_t>(number);
    pending.more_blocks = offset + size < total;
    const uint32_t more_bit = pending.more_blocks ? 0x08 : 0;
    writer.add_uint_option(option::kBlock1, (pending.block_number << 4) | more_bit | exponent);
    if (pending.block_number == 0) {
        // libcoap 4.3.1 assembles Block1 blocks only if block 0 has Size1;
        // without it every block reaches the resource as a whole request.
        writer.add_uint_option(option::kSize1, static_cast<uint32_t>(total));
    }
    // offset < total, a size_t, as checked above.
    io::PayloadSink sink(writer.free_space(1).first(size), static_cast<size_t>(offset));
    source(ctx.data, sink);
    writer.append_payload(sink.kept());
    return true;
}

bool continue_block1_transfer(Context& ctx, const coap::Message& response) {
    PendingRequest& pending = ctx.data.session->pending;
    if (response.code == code::kRequestEntityTooLarge && pending.has_payload) {
        return restart_with_smaller_blocks(ctx, response);
    }
    if (pending.block_size_exponent == PendingRequest::kNoBlock) {
        return false;
    }

    const bool success = coap::code_class(response.code) == 2;
    if (success && pending.more_blocks) {
        // 2.31, or a 2.xx with Block1 from a server that handles each block
        // as it arrives (RFC 7959, 2.3): either way the next block follows.
        send_next_block(ctx, response);
        return true;
    }
    if (response.code == code::kContinue) {
        fail_pending_request(ctx, "got 2.31 Continue after the last block");
        return true;
    }
    if (response.code == code::kRequestEntityIncomplete && pending.block_restarts == 0) {
        // RFC 7959, 2.9.2: blocks are missing at the server, for example
        // after it dropped the transfer. The transfer starts again once, and
        // a second 4.08 is a rejection.
        ++pending.block_restarts;
        LWM2M_LOG_INFO("server is missing Block1 blocks (4.08), sending the request again");
        restart_transfer(ctx, pending.block_size_exponent);
        return true;
    }
    return false;
}

}  // namespace lwm2m::core

#else

namespace lwm2m::core {

// Built without LWM2M_WITH_BLOCK1: a payload goes whole in one message, or
// the request fails.
bool append_request_payload(Context& ctx, coap::MessageWriter& writer, PayloadSource source) {
    ctx.data.session->pending.has_payload = true;
    io::PayloadSink sink(writer.free_space(1), 0);
    source(ctx.data, sink);
    if (sink.overflowed() || sink.total() >= writer.remaining()) {
        LWM2M_LOG_ERROR("%lu-byte payload does not fit the out buffer (no Block1 in this build)",
                        static_cast<unsigned long>(sink.total()));
        return false;
    }
    writer.append_payload(sink.kept());
    return true;
}

bool continue_block1_transfer(Context&, const coap::Message&) { return false; }

}  // namespace lwm2m::core

#endif  // LWM2M_WITH_BLOCK1
