// A Write or Create whose payload arrives in Block1 blocks (RFC 7959): each
// block is decoded and applied as it arrives, inside one transaction of the
// object, so the payload may be larger than any buffer of the client.
#pragma once

#include <cstdint>
#include <span>

#include "coap/message.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::dm {

/// Returned while the transfer goes on: the block gets the response 2.31.
inline constexpr uint8_t kStreamContinues = 0;

/// True if `request`, the first block of a Block1 transfer on `path`, is a
/// Write or Create in a format the client decodes block by block (TLV,
/// opaque, text/plain).
bool can_stream_write(const coap::Message& request, const Path& path);

/// Checks the first block as a request of its own would be checked, begins
/// the transaction and applies the block. Returns kStreamContinues, or the
/// response code that ends the transfer.
uint8_t start_streamed_write(const coap::Message& request, const Path& path,
                             detail::ClientData& data, coap::MessageWriter& response);

/// Applies the payload of the next block. After the last block, commits and
/// returns 2.04, or 2.01 with the Location-Path added to `response` for a
/// Create. Returns kStreamContinues, or the response code that ends the
/// transfer; a failure rolls the transaction back.
uint8_t continue_streamed_write(std::span<const uint8_t> payload, bool last_block,
                                detail::ClientData& data, coap::MessageWriter& response);

/// Rolls back the transaction of a transfer that was abandoned.
void abort_streamed_write(detail::ClientData& data);

}  // namespace lwm2m::dm
