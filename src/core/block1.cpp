#include "core/block1.hpp"

#include <cstring>

#include "dm/streamed_write.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("block1");

#if LWM2M_WITH_BLOCK1

namespace lwm2m::core {
namespace {

namespace code = coap::code;
namespace option = coap::option;

// FNV-1a over the method, the Uri-Path segments and the Content-Format, which
// tell the blocks of one request from those of another.
uint32_t request_key(const coap::Message& request) {
    uint32_t hash = 2166136261u;
    auto mix = [&hash](uint8_t byte) { hash = (hash ^ byte) * 16777619u; };
    mix(request.code);
    for (uint8_t i = 0; i < request.option_count; ++i) {
        const coap::Option& item = request.options[i];
        if (item.number != option::kUriPath && item.number != option::kContentFormat) {
            continue;
        }
        mix(static_cast<uint8_t>(item.number));
        mix(static_cast<uint8_t>(item.value.size()));
        for (uint8_t byte : item.value) {
            mix(byte);
        }
    }
    return hash;
}

Block1Result fail(uint8_t response_code) {
    Block1Result result;
    result.outcome = Block1Outcome::kAnswered;
    result.response_code = response_code;
    return result;
}

// RFC 7959, 2.9.3: 4.13 carries the size the client can take in Size1.
Block1Result too_large(detail::Block1Transfer& transfer, coap::MessageWriter& response) {
    transfer.active = false;
    response.add_uint_option(option::kSize1, LWM2M_BLOCK1_BUFFER_SIZE);
    return fail(code::kRequestEntityTooLarge);
}

// A Write or Create applied block by block holds its object's transaction
// open, so a request that may change the data model ends it first.
bool modifies_data_model(const coap::Message& request) {
    return request.code == code::kPut || request.code == code::kPost ||
           request.code == code::kDelete || request.code == code::kIPatch;
}

// Ends the active transfer; a streamed write rolls back what it applied.
void end_transfer(detail::ClientData& data) {
    detail::Block1Transfer& transfer = data.block1;
    if (transfer.active && transfer.streamed) {
        dm::abort_streamed_write(data);
    }
    transfer.active = false;
}

// Applies a new block of a streamed Write or Create, or stores it in the
// buffer. Returns kContinue (go on), or the outcome that ends the transfer.
Block1Result take_block(Context& ctx, const coap::Message& request, const Path& path,
                        uint32_t number, bool more, coap::MessageWriter& response) {
    detail::Block1Transfer& transfer = ctx.data.block1;
    Block1Result result;
    result.outcome = Block1Outcome::kContinue;
    if (transfer.streamed) {
        const uint8_t applied =
            number == 0 ? dm::start_streamed_write(request, path, ctx.data, response)
                        : dm::continue_streamed_write(request.payload, !more, ctx.data, response);
        if (applied != dm::kStreamContinues) {
            transfer.active = false;
            result.outcome = Block1Outcome::kAnswered;
            result.response_code = applied;
        }
        return result;
    }
    if (transfer.size + request.payload.size() > LWM2M_BLOCK1_BUFFER_SIZE) {
        LWM2M_LOG_WARNING("request larger than LWM2M_BLOCK1_BUFFER_SIZE (%u bytes)",
                          static_cast<unsigned>(LWM2M_BLOCK1_BUFFER_SIZE));
        return too_large(transfer, response);
    }
#if LWM2M_BLOCK1_BUFFER_SIZE > 0
    if (!request.payload.empty()) {
        std::memcpy(transfer.buffer + transfer.size, request.payload.data(),
                    request.payload.size());
    }
#endif
    return result;
}

}  // namespace

Block1Result handle_block1(Context& ctx, const coap::Message& request, const Path& path,
                           coap::MessageWriter& response) {
    uint32_t block = 0;
    if (request.find(option::kBlock1) == nullptr) {
        if (modifies_data_model(request)) {
            end_block1_transfer(ctx.data, "another request changes the data model");
        }
        return {};
    }
    if (!request.find_uint(option::kBlock1, block, 3) || (block & 0x07) == 7) {
        return fail(code::kBadOption);  // longer than 3 bytes, or the reserved SZX 7
    }
    detail::Block1Transfer& transfer = ctx.data.block1;
    const uint32_t number = block >> 4;
    const bool more = (block & 0x08) != 0;
    const uint8_t size_exponent = block & 0x07;
    const uint32_t block_size = 16u << size_exponent;

    if (number == 0 && !more) {
        // The whole request in one block: nothing to assemble.
        if (modifies_data_model(request)) {
            end_block1_transfer(ctx.data, "another request changes the data model");
        }
        Block1Result single;
        single.outcome = Block1Outcome::kComplete;
        single.assembled = request;
        single.block_value = block;
        return single;
    }

    if (more && (request.code == code::kGet || request.code == code::kDelete)) {
        // A request without payload has no further blocks to announce. It is
        // rejected on its own, without disturbing the transfer in progress.
        return fail(code::kBadRequest);
    }

    const uint32_t key = request_key(request);
    if (number == 0) {
        // A new transfer replaces any other (RFC 7959, 2.5).
        end_transfer(ctx.data);
        transfer.key = key;
        transfer.session = ctx.data.session_index();
        transfer.next_number = 0;
        transfer.size = 0;
        transfer.size_exponent = size_exponent;
        transfer.streamed = dm::can_stream_write(request, path);
        uint32_t announced = 0;
        if (!transfer.streamed && request.find_uint(option::kSize1, announced) &&
            announced > LWM2M_BLOCK1_BUFFER_SIZE) {
            return too_large(transfer, response);
        }
        transfer.active = true;
    } else if (!transfer.active || transfer.key != key ||
               transfer.session != ctx.data.session_index()) {
        LWM2M_LOG_WARNING("block %lu of a request whose first block never arrived",
                          static_cast<unsigned long>(number));
        return fail(code::kRequestEntityIncomplete);
    }
    transfer.expiry_ms = ctx.now_ms + exchange_lifetime_ms(ctx.data.config.coap);

    // The offset of this block in the whole request. The server may switch
    // to smaller blocks on the way (RFC 7959, 2.5), which keeps offsets exact.
    const uint64_t offset = uint64_t{number} * block_size;
    Block1Result result;
    result.block_value = block & ~0x08u;
    if (more && offset < transfer.size && offset + request.payload.size() <= transfer.size) {
        // A repeated block (a retransmission with a new message ID): applied
        // once. A repeat with M clear contradicts the blocks stored after it,
        // so it fails below as a block out of place.
        LWM2M_LOG_DEBUG("block %lu again, already stored", static_cast<unsigned long>(number));
    } else if (offset != transfer.size) {
        end_transfer(ctx.data);
        LWM2M_LOG_WARNING("block %lu at offset %lu, expected offset %lu",
                          static_cast<unsigned long>(number), static_cast<unsigned long>(offset),
                          static_cast<unsigned long>(transfer.size));
        return fail(code::kRequestEntityIncomplete);
    } else if ((more && request.payload.size() != block_size) ||
               request.payload.size() > block_size) {
        // RFC 7959, 2.3: every block but the last has exactly the block size.
        end_transfer(ctx.data);
        return fail(code::kBadRequest);
    } else {
        const Block1Result taken = take_block(ctx, request, path, number, more, response);
        if (taken.outcome != Block1Outcome::kContinue) {
            result.outcome = taken.outcome;
            result.response_code = taken.response_code;
            // Only a success acknowledges the last block.
            result.acknowledge = coap::code_class(taken.response_code) == 2;
            return result;
        }
        transfer.size += static_cast<uint32_t>(request.payload.size());
        transfer.next_number = number + 1;
    }

    if (more) {
        result.outcome = Block1Outcome::kContinue;
        result.response_code = code::kContinue;
        response.add_uint_option(option::kBlock1, block);
        return result;
    }
    transfer.active = false;
    result.outcome = Block1Outcome::kComplete;
    result.assembled = request;
#if LWM2M_BLOCK1_BUFFER_SIZE > 0
    result.assembled.payload = {transfer.buffer, transfer.size};
#endif
    return result;
}

void add_final_block1_option(const Block1Result& result, coap::MessageWriter& response) {
    if (result.outcome == Block1Outcome::kComplete && !response.has_payload()) {
        response.add_uint_option(option::kBlock1, result.block_value);
    }
}

void end_block1_transfer(detail::ClientData& data, const char* reason) {
    if (data.block1.active) {
        LWM2M_LOG_WARNING("Block1 transfer dropped: %s", reason);
        end_transfer(data);
    }
}

void step_block1(Context& ctx) {
    if (ctx.data.block1.active && ctx.now_ms >= ctx.data.block1.expiry_ms) {
        end_block1_transfer(ctx.data, "no block for EXCHANGE_LIFETIME");
    }
}

uint64_t next_block1_event_ms(const detail::ClientData& data) {
    return data.block1.active ? data.block1.expiry_ms : UINT64_MAX;
}

}  // namespace lwm2m::core

#endif  // LWM2M_WITH_BLOCK1
