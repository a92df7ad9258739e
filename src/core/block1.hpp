// Block-wise requests from the server (RFC 7959, Block1): blocks are
// assembled in the client's Block1 buffer and the request is served once.
#pragma once

#include <cstdint>

#include "coap/message.hpp"
#include "core/context.hpp"

namespace lwm2m::core {

enum class Block1Outcome : uint8_t {
    /// The request has no Block1 option: serve it as it is.
    kNone,
    /// An intermediate block was stored: `response_code` is 2.31 and the
    /// Block1 option is in the response.
    kContinue,
    /// The last block arrived: serve `assembled`, then add the Block1 option
    /// with add_final_block1_option().
    kComplete,
    /// The transfer failed: respond with `response_code` (4.08, 4.13 with Size1, 4.02).
    kFailed,
};

struct Block1Result {
    Block1Outcome outcome = Block1Outcome::kNone;
    uint8_t response_code = 0;
    /// The request with its payload replaced by the assembled one.
    coap::Message assembled;
    uint32_t block_value = 0;
};

/// Handles the Block1 option of `request`, writing any option the response
/// needs into `response`.
Block1Result handle_block1(Context& ctx, const coap::Message& request,
                           coap::MessageWriter& response);

/// Adds the Block1 option that acknowledges the last block; call after the
/// assembled request was served and before any payload is written.
void add_final_block1_option(const Block1Result& result, coap::MessageWriter& response);

}  // namespace lwm2m::core
