// Block-wise requests to the server (RFC 7959, Block1): a request payload that
// does not fit the out buffer goes in blocks, each one a confirmable request
// of its own. No copy of the payload is kept: its source writes it again for
// every block into a window that keeps only that block.
#pragma once

#include "coap/message.hpp"
#include "core/context.hpp"
#include "io/payload_sink.hpp"

namespace lwm2m::core {

/// Writes the whole payload of the pending request into `sink`. It is called
/// to measure the payload and again for every block and every retransmission,
/// so it must write the same bytes each time.
// NOTE: an object instance added or removed while the blocks go out changes
// the later blocks, so the server assembles a list that matches neither state.
using PayloadSource = void (*)(const detail::ClientData& data, io::PayloadSink& sink);

/// Appends the payload of the pending request to `writer`, whose options must
/// all be written. A payload that fits goes whole. Otherwise the block
/// pending.block_number goes, with the Block1 option and, on block 0, Size1;
/// the block size is the largest of 16 to 1024 bytes that fits, at most the
/// size the server asked for. Returns false, and logs why, if not even a
/// 16-byte block fits or the payload ended before the block.
[[nodiscard]] bool append_request_payload(Context& ctx, coap::MessageWriter& writer,
                                          PayloadSource source);

/// Handles the Block1 side of a response to the pending request: sends the
/// next block after 2.31 Continue, starts the transfer again with smaller
/// blocks after 4.13 or once after 4.08, and fails the request if the server
/// breaks the transfer. Returns true if it took the response; false if the
/// response is final and completes the request.
bool continue_block1_transfer(Context& ctx, const coap::Message& response);

}  // namespace lwm2m::core
