// Send (LwM2M Core 1.1, 6.4.2), part of the Information Reporting interface:
// the values of one or more paths go to the server in a confirmable POST to
// /dp, in SenML CBOR or SenML JSON. The request is the client's one pending
// request while in flight, so it waits for a Register, Update or De-register
// to end, and they wait for it.
#pragma once

#include <cstdint>
#include <span>

#include "coap/message.hpp"
#include "core/context.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/send.hpp"
#include "lwm2m/status.hpp"

namespace lwm2m::report {

/// Checks a Send and queues it for step_send(). Client::send() documents the
/// errors.
[[nodiscard]] Status queue_send(detail::ClientData& data, std::span<const Path> paths,
                                SendFormat format, SendCallback callback, void* context);

/// Starts the queued Send once no other request is in flight, waking a Queue
/// Mode client, or reports it as failed if the registration ended meanwhile.
void step_send(core::Context& ctx);

/// When step_send() has work: the earliest step for a queued Send, UINT64_MAX
/// if none is queued.
uint64_t next_send_event_ms(const detail::ClientData& data);

/// Writes the Uri-Path, Content-Format and payload of the Send in flight.
/// Returns false, and logs why, if no part of the payload fits.
[[nodiscard]] bool write_send_request(core::Context& ctx, coap::MessageWriter& writer);

/// Reports the final response to the Send in flight.
void complete_send(core::Context& ctx, const coap::Message& response);

/// Reports a Send that ended without a final response.
void fail_send(core::Context& ctx, core::RequestFailure failure);

}  // namespace lwm2m::report
