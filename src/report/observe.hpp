// Information Reporting (LwM2M Core, 6.4): observations by the server
// (RFC 7641) and the notifications they produce.
#pragma once

#include <cstdint>

#include "coap/message.hpp"
#include "core/context.hpp"
#include "lwm2m/attributes.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::report {

#if LWM2M_WITH_OBSERVE

/// Handles a GET on `path` with an Observe option, whose response header is
/// already in `response`. Observe 0 serves the Read and, if it succeeds, adds
/// or renews the observation with the request's token; the response then
/// carries Observe. Observe 1 ends the observation with that token and serves
/// the Read. Returns the response code.
uint8_t handle_observe(core::Context& ctx, const coap::Message& request, const Path& path,
                       coap::MessageWriter& response);

/// Handles an RST or ACK from the server whose message ID may be that of a
/// notification. An RST ends the observation (RFC 7641, 3.6); an ACK
/// completes a confirmable notification. Returns true if the ID matched.
bool handle_notification_reply(core::Context& ctx, uint16_t message_id, bool reset);

/// Records a change of the value at `path` for the observations it touches,
/// evaluating gt, lt, st and edge now unless epmin defers the evaluation.
void value_changed(core::Context& ctx, const Path& path);

/// Records the same change for the observations of the other servers: each
/// is evaluated in the step of its own session.
void value_changed_elsewhere(detail::ClientData& data, const Path& path);

/// Sends the notifications that are due and retransmits a confirmable one.
void step_notifications(core::Context& ctx);

/// When step_notifications() next has work, or UINT64_MAX.
uint64_t next_notification_ms(const detail::ClientData& data);

/// Ends every observation and takes the server as reachable again: the
/// registration ended or a new Register renewed it, and the server observes
/// again as it needs (LwM2M Core, 6.4).
void end_observations(detail::ClientData& data);

/// Notes that the server responded to a request, so notifications no longer wait
/// for a probe.
void server_answered(detail::ClientData& data);

/// Counts the observations in use.
uint8_t observation_count(const detail::ClientData& data);

#else
// Built without LWM2M_WITH_OBSERVE: no observation is ever made, so the
// core's calls into the reporting layer have nothing to do.
inline bool handle_notification_reply(core::Context&, uint16_t, bool) {
    return false;
}
inline void value_changed(core::Context&, const Path&) {}
inline void value_changed_elsewhere(detail::ClientData&, const Path&) {}
inline void step_notifications(core::Context&) {}
inline uint64_t next_notification_ms(const detail::ClientData&) {
    return UINT64_MAX;
}
inline void end_observations(detail::ClientData&) {}
inline void server_answered(detail::ClientData&) {}
inline uint8_t observation_count(const detail::ClientData&) {
    return 0;
}
#endif

}  // namespace lwm2m::report
