// Block-wise requests from the server (RFC 7959, Block1): a Write or Create
// in TLV, opaque or text/plain is applied block by block, and other requests
// are assembled in the client's Block1 buffer and served once.
#pragma once

#include <cstdint>

#include "coap/message.hpp"
#include "core/context.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::core {

enum class Block1Outcome : uint8_t {
    /// The request has no Block1 option: serve it as it is.
    kNone,
    /// An intermediate block was taken: `response_code` is 2.31 and the
    /// Block1 option is in the response.
    kContinue,
    /// The last block of an assembled request arrived: serve `assembled`,
    /// then add the Block1 option with add_final_block1_option().
    kComplete,
    /// The transfer ended with this block: respond with `response_code`
    /// (the result of a streamed Write or Create, or 4.08, 4.13 with Size1,
    /// 4.00, 4.02). If `acknowledge` is set, add the Block1 option.
    kAnswered,
};

struct Block1Result {
    Block1Outcome outcome = Block1Outcome::kNone;
    uint8_t response_code = 0;
    bool acknowledge = false;
    /// The request with its payload replaced by the assembled one.
    coap::Message assembled;
    /// The Block1 option that acknowledges the block (M cleared).
    uint32_t block_value = 0;
};

#if LWM2M_WITH_BLOCK1

/// Handles the Block1 option of `request` on `path`, writing any option the
/// response needs into `response`. Block 0 of a Write or Create in a format
/// that streams starts a streamed write (dm/streamed_write.hpp); other
/// requests are assembled in LWM2M_BLOCK1_BUFFER_SIZE.
Block1Result handle_block1(Context& ctx, const coap::Message& request, const Path& path,
                           coap::MessageWriter& response);

/// Adds the Block1 option that acknowledges the last block; call after the
/// assembled request was served and before any payload is written.
void add_final_block1_option(const Block1Result& result, coap::MessageWriter& response);

/// Drops the active transfer, rolling back a streamed write, and logs `reason`.
void end_block1_transfer(detail::ClientData& data, const char* reason);

/// Drops a transfer whose next block has not come for EXCHANGE_LIFETIME.
void step_block1(Context& ctx);

/// When step_block1() next has work, or UINT64_MAX.
uint64_t next_block1_event_ms(const detail::ClientData& data);

#else

// Built without LWM2M_WITH_BLOCK1: a request with Block1 gets 4.02 for an
// unrecognized critical option before it gets here, so there is never a
// transfer.
inline Block1Result handle_block1(Context&, const coap::Message&, const Path&,
                                  coap::MessageWriter&) {
    return {};
}
inline void add_final_block1_option(const Block1Result&, coap::MessageWriter&) {}
inline void end_block1_transfer(detail::ClientData&, const char*) {}
inline void step_block1(Context&) {}
inline uint64_t next_block1_event_ms(const detail::ClientData&) {
    return UINT64_MAX;
}

#endif  // LWM2M_WITH_BLOCK1

}  // namespace lwm2m::core
