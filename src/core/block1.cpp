#include "core/block1.hpp"

#include <cstring>

#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("block1");

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
    result.outcome = Block1Outcome::kFailed;
    result.response_code = response_code;
    return result;
}

// RFC 7959, 2.9.3: 4.13 carries the size the client can take in Size1.
Block1Result too_large(detail::Block1Transfer& transfer, coap::MessageWriter& response) {
    transfer.active = false;
    response.add_uint_option(option::kSize1, LWM2M_BLOCK1_BUFFER_SIZE);
    return fail(code::kRequestEntityTooLarge);
}

}  // namespace

Block1Result handle_block1(Context& ctx, const coap::Message& request,
                           coap::MessageWriter& response) {
    uint32_t block = 0;
    if (request.find(option::kBlock1) == nullptr) {
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
    uint32_t announced = 0;
    if (request.find_uint(option::kSize1, announced) && announced > LWM2M_BLOCK1_BUFFER_SIZE) {
        return too_large(transfer, response);
    }

    if (number == 0 && !more) {
        // The whole request in one block: nothing to assemble.
        transfer.active = false;
        Block1Result single;
        single.outcome = Block1Outcome::kComplete;
        single.assembled = request;
        single.block_value = block;
        return single;
    }

    const uint32_t key = request_key(request);
    if (number == 0) {
        transfer = {};
        transfer.active = true;
        transfer.key = key;
        transfer.size_exponent = size_exponent;
    } else if (!transfer.active || transfer.key != key) {
        LWM2M_LOG_WARNING("block %lu of a request whose first block never arrived",
                          static_cast<unsigned long>(number));
        return fail(code::kRequestEntityIncomplete);
    }

    // The offset of this block in the whole request. The server may switch
    // to smaller blocks on the way (RFC 7959, 2.5), which keeps offsets exact.
    const uint64_t offset = uint64_t{number} * block_size;
    if (offset < transfer.size && offset + request.payload.size() <= transfer.size) {
        // A repeated block (a retransmission with a new message ID): applied once.
        LWM2M_LOG_DEBUG("block %lu again, already stored", static_cast<unsigned long>(number));
    } else if (offset != transfer.size) {
        transfer.active = false;
        LWM2M_LOG_WARNING("block %lu at offset %lu, expected offset %lu",
                          static_cast<unsigned long>(number), static_cast<unsigned long>(offset),
                          static_cast<unsigned long>(transfer.size));
        return fail(code::kRequestEntityIncomplete);
    } else if ((more && request.payload.size() != block_size) ||
               request.payload.size() > block_size) {
        // RFC 7959, 2.3: every block but the last has exactly the block size.
        transfer.active = false;
        return fail(code::kBadRequest);
    } else {
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
        transfer.size += static_cast<uint32_t>(request.payload.size());
        transfer.next_number = number + 1;
    }

    Block1Result result;
    result.block_value = block & ~0x08u;
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

}  // namespace lwm2m::core
