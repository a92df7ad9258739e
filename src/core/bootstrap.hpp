// Client Initiated Bootstrap (LwM2M Core 1.1, 6.1.5).
#pragma once

#include <cstdint>

#include "core/context.hpp"

namespace lwm2m::core {

/// Ends any registration and starts bootstrapping from the Bootstrap-Server
/// account: the Bootstrap-Request goes at `at_ms`. Without a usable account
/// the client fails. `reason` goes to the log.
void start_bootstrap(Context& ctx, uint64_t at_ms, const char* reason);

/// Sends the Bootstrap-Request when due, ends a session that has gone silent,
/// and registers once Bootstrap-Finish was accepted.
void step_bootstrap(Context& ctx);
uint64_t next_bootstrap_event_ms(const detail::ClientData& data);

/// The response to the Bootstrap-Request, or no response at all.
void on_bootstrap_response(Context& ctx, const coap::Message& response);
/// The response to the Bootstrap-Pack-Request: a pack applied and checked as
/// Bootstrap-Finish would, or the Bootstrap-Request at once.
void on_bootstrap_pack_response(Context& ctx, const coap::Message& response);
void fail_bootstrap_request(Context& ctx);

/// True for the Uri-Path "bs" alone, the path of Bootstrap-Finish.
bool is_bootstrap_finish_path(const coap::Message& request);

/// Serves a request from the Bootstrap-Server while bootstrapping and returns
/// the response code: Bootstrap-Write, -Read, -Discover, -Delete and -Finish.
/// A Bootstrap-Write in Block1 blocks comes here once assembled, or is
/// applied block by block (dm/streamed_write.cpp).
uint8_t handle_bootstrap_server_request(Context& ctx, const coap::Message& request,
                                        coap::MessageWriter& response);

}  // namespace lwm2m::core
