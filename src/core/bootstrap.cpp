// Client Initiated Bootstrap (LwM2M Core 1.1, 6.1.5): the Bootstrap-Request
// with its retries, the Bootstrap-Server's requests up to Bootstrap-Finish,
// and the switch to the account it wrote.
#include "core/bootstrap.hpp"

#include "core/account.hpp"
#include "dm/bootstrap.hpp"
#include "dm/data_model.hpp"
#include "lwm2m/log.hpp"
#include "report/observe.hpp"

LWM2M_LOG_MODULE("bs");

namespace lwm2m::core {

#if LWM2M_WITH_BOOTSTRAP

namespace {

using coap::Message;
using detail::PendingRequest;
namespace code = coap::code;
namespace option = coap::option;

constexpr uint8_t kMaxBackoffExponent = 16;

// Waits before the next Bootstrap-Request, with the back-off of the
// registration retry procedure (LwM2M Core 1.1, 6.2.1.1), or gives up once
// every sequence has failed.
void schedule_retry(Context& ctx, const char* reason) {
    detail::ClientData& data = ctx.data;
    const RegistrationRetry& retry = data.config.retry;
    data.bootstrap.accepted = false;
    uint64_t delay_ms = 0;
    if (data.session->register_attempts < retry.retry_count) {
        uint8_t exponent =
            data.session->register_attempts == 0 ? 0 : data.session->register_attempts - 1;
        exponent = exponent > kMaxBackoffExponent ? kMaxBackoffExponent : exponent;
        delay_ms = uint64_t{retry.retry_timer_s} * 1000 << exponent;
    } else {
        ++data.session->register_sequences;
        data.session->register_attempts = 0;
        if (data.session->register_sequences >= retry.sequence_retry_count ||
            retry.sequence_delay_s == UINT32_MAX) {
            data.session->state = RegistrationState::kFailed;
            (void)ctx.transport.close();
            // What the session wrote was never accepted: keep the saved state.
            data.save_blocked = true;
            data.state_save_due = false;
            LWM2M_LOG_ERROR("bootstrap failed (%s) after %u sequences, giving up", reason,
                            data.session->register_sequences);
            return;
        }
        delay_ms = uint64_t{retry.sequence_delay_s} * 1000;
    }
    data.session->retry_at_ms = ctx.now_ms + delay_ms;
    LWM2M_LOG_WARNING("bootstrap attempt failed (%s), next Bootstrap-Request in %lu s", reason,
                      static_cast<unsigned long>(delay_ms / 1000));
}

void send_bootstrap_request(Context& ctx) {
    detail::ClientData& data = ctx.data;
    const Status online = ensure_online(ctx);
    if (online == Status::kInProgress || online == Status::kWouldBlock) {
        return;
    }
    ++data.session->register_attempts;
    if (online != Status::kOk) {
        LWM2M_LOG_WARNING("cannot reach Bootstrap-Server %s:%u: %s", data.session->host,
                          data.session->port, to_string(online));
        schedule_retry(ctx, "no connection");
        return;
    }
    const bool pack = data.config.version == Lwm2mVersion::k1_2 &&
                      data.config.bootstrap_pack_request && !data.bootstrap_pack_refused;
    begin_pending_request(ctx, pack ? PendingRequest::Kind::kBootstrapPackRequest
                                    : PendingRequest::Kind::kBootstrapRequest);
    LWM2M_LOG_INFO("%s as '%s' to %s:%u from local port %u (message %u)",
                   pack ? "Bootstrap-Pack-Request" : "Bootstrap-Request", data.endpoint_name,
                   data.session->host, data.session->port, ctx.transport.local_port(),
                   data.session->pending.message_id);
    if (!send_pending_request(ctx)) {
        data.session->pending.kind = PendingRequest::Kind::kNone;
        schedule_retry(ctx, "request does not fit");
    }
}

// Bootstrap-Finish was accepted: registers with each account that was written.
void complete_bootstrap(Context& ctx) {
    detail::ClientData& data = ctx.data;
    data.bootstrap = {};
    (void)ctx.transport.close();
    data.response_cache.clear();
    const int64_t now_s = ctx.clock.real_time_s();
    for (detail::ServerSession& session : data.sessions) {
        session.changed_parameters = 0;
        session.state = RegistrationState::kUnconfigured;
        if (session.server.instance_id != detail::kNoInstance) {
            session.server.last_bootstrapped_s = now_s;
        }
    }
    if (start_sessions(data, ctx.now_ms) == 0) {
        // A request handled after Bootstrap-Finish in the same step changed the accounts.
        start_bootstrap(ctx, ctx.now_ms, "server account removed after Bootstrap-Finish");
        return;
    }
    data.state_save_due = true;
    for (const detail::ServerSession& session : data.sessions) {
        if (session.state == RegistrationState::kNotRegistered) {
            LWM2M_LOG_INFO("bootstrap finished: registering with server %u at %s:%u",
                           session.server.short_server_id, session.host, session.port);
        }
    }
}

// True if no session has a registration or a Register or De-register in flight.
bool all_sessions_idle(const detail::ClientData& data) {
    for (const detail::ServerSession& session : data.sessions) {
        switch (session.state) {
            case RegistrationState::kRegistered:
            case RegistrationState::kRegistering:
            case RegistrationState::kDeregistering:
                return false;
            default:
                break;
        }
    }
    return true;
}

uint8_t finish(Context& ctx, coap::MessageWriter& response) {
    const char* error = find_configuration_error(ctx.data);
    if (error != nullptr) {
        // LwM2M Core 1.1, 5.2.7.5: 4.06 for a configuration the client cannot
        // use, with the reason as diagnostic payload (RFC 7252, 5.5.2).
        LWM2M_LOG_ERROR("Bootstrap-Finish rejected: %s", error);
        response.append_payload(error);
        // The retry may close the socket, so it waits until the 4.06 is out.
        ctx.data.bootstrap.rejected = true;
        return code::kNotAcceptable;
    }
    // A Bootstrap-Request still waiting for its response has done its job.
    if (ctx.data.session->pending.kind == PendingRequest::Kind::kBootstrapRequest) {
        ctx.data.session->pending.kind = PendingRequest::Kind::kNone;
    }
    ctx.data.bootstrap.finished = true;
    return code::kChanged;
}

}  // namespace

bool is_bootstrap_finish_path(const Message& request) {
    const coap::Option* path = request.find(option::kUriPath);
    if (path == nullptr || path->value.size() != 2 || path->value[0] != 'b' ||
        path->value[1] != 's') {
        return false;
    }
    int segments = 0;
    for (uint8_t i = 0; i < request.option_count; ++i) {
        segments += request.options[i].number == option::kUriPath ? 1 : 0;
    }
    return segments == 1;
}

void start_bootstrap(Context& ctx, uint64_t at_ms, const char* reason) {
    detail::ClientData& data = ctx.data;
    const detail::SecurityInstance* account = find_bootstrap_account(data);
    data.bootstrap = {};

    // Every session stops, because the Bootstrap-Server may rewrite any account.
    detail::ServerSession* const current = data.session;
    for (detail::ServerSession& session : data.sessions) {
        data.session = &session;
        report::end_observations(data);
        session.location[0] = '\0';
        session.pending.kind = PendingRequest::Kind::kNone;
        session.register_attempts = 0;
        session.register_sequences = 0;
        session.deregister_requested = false;
        session.disable_requested = false;
        session.offline = false;
        session.state = RegistrationState::kUnconfigured;
        if (session.transport != nullptr &&
            session.transport->state() != net::TransportState::kClosed) {
            (void)session.transport->close();
        }
    }
    data.session = current;
#if LWM2M_WITH_OBSERVE
    // Attributes belong to the servers the Bootstrap-Server may replace.
    data.attribute_count = 0;
#endif

    detail::ServerSession& bootstrap_session = data.sessions[0];
    if (account == nullptr || !use_account(bootstrap_session, *account)) {
        bootstrap_session.state = RegistrationState::kFailed;
        LWM2M_LOG_ERROR("%s, and no usable Bootstrap-Server account: giving up", reason);
        return;
    }

    data.response_cache.clear();
    bootstrap_session.state = RegistrationState::kBootstrapping;
    bootstrap_session.retry_at_ms = at_ms;
    data.state_save_due = true;
    LWM2M_LOG_INFO("%s: bootstrapping from %s", reason, account->uri);
}

void step_bootstrap(Context& ctx) {
    detail::ClientData& data = ctx.data;
    if (data.bootstrap.requested && !data.bootstrapping() && all_sessions_idle(data)) {
        // Bootstrap-Request Trigger, once every server has been de-registered.
        start_bootstrap(ctx, ctx.now_ms, "Bootstrap-Request Trigger executed");
    }
    if (data.session->state != RegistrationState::kBootstrapping ||
        data.session->pending.kind != PendingRequest::Kind::kNone) {
        return;
    }
    if (data.bootstrap.rejected) {
        data.bootstrap.rejected = false;
        schedule_retry(ctx, "inconsistent configuration");
    } else if (data.bootstrap.finished) {
        complete_bootstrap(ctx);
    } else if (data.bootstrap.accepted) {
        if (ctx.now_ms >= data.bootstrap.deadline_ms) {
            schedule_retry(ctx, "no Bootstrap-Finish");
        }
    } else if (ctx.now_ms >= data.session->retry_at_ms) {
        send_bootstrap_request(ctx);
    }
}

uint64_t next_bootstrap_event_ms(const detail::ClientData& data) {
    if (data.bootstrap.requested && !data.bootstrapping() && all_sessions_idle(data)) {
        return 0;
    }
    if (data.session->state != RegistrationState::kBootstrapping ||
        data.session->pending.kind != PendingRequest::Kind::kNone) {
        return UINT64_MAX;
    }
    if (data.bootstrap.finished || data.bootstrap.rejected) {
        return 0;
    }
    return data.bootstrap.accepted ? data.bootstrap.deadline_ms : data.session->retry_at_ms;
}

void on_bootstrap_response(Context& ctx, const Message& response) {
    detail::ClientData& data = ctx.data;
    if (response.code != code::kChanged) {
        LWM2M_LOG_WARNING("Bootstrap-Request rejected with %u.%02u",
                          coap::code_class(response.code), coap::code_detail(response.code));
        schedule_retry(ctx, "request rejected");
        return;
    }
    // The Bootstrap-Server's requests may even have come before this response.
    data.bootstrap.accepted = true;
    data.bootstrap.deadline_ms = ctx.now_ms + exchange_lifetime_ms(data.config.coap);
    LWM2M_LOG_INFO("Bootstrap-Request accepted, waiting for the Bootstrap-Server");
}

void fail_bootstrap_request(Context& ctx) {
    // A Bootstrap-Server that sends no response to a pack request may not support it.
    ctx.data.bootstrap_pack_refused = true;
    schedule_retry(ctx, "no response");
}

void on_bootstrap_pack_response(Context& ctx, const Message& response) {
    detail::ClientData& data = ctx.data;
    uint32_t format = 0;
    uint32_t block = 0;
    const bool whole = !response.find_uint(option::kBlock2, block, 3) || (block & 0x08) == 0;
    if (response.code == code::kContent && whole &&
        response.find_uint(option::kContentFormat, format, 2)) {
        const uint8_t applied =
            dm::apply_bootstrap_pack(data, static_cast<uint16_t>(format), response.payload);
        const char* error = applied == code::kChanged ? find_configuration_error(data) : nullptr;
        if (applied == code::kChanged && error == nullptr) {
            LWM2M_LOG_INFO("Bootstrap-Pack applied (%u bytes)",
                           static_cast<unsigned>(response.payload.size()));
            data.bootstrap.finished = true;
            return;
        }
        if (error != nullptr) {
            LWM2M_LOG_ERROR("Bootstrap-Pack rejected: %s", error);
        } else {
            LWM2M_LOG_ERROR("Bootstrap-Pack rejected: %u.%02u when applied",
                            coap::code_class(applied), coap::code_detail(applied));
        }
    } else {
        // NOTE: a pack in Block2 blocks is not fetched. The Bootstrap-Request
        // gets the configuration instead.
        LWM2M_LOG_INFO("no Bootstrap-Pack (%u.%02u), sending the Bootstrap-Request",
                       coap::code_class(response.code), coap::code_detail(response.code));
    }
    data.bootstrap_pack_refused = true;
    data.bootstrap.accepted = false;
    data.session->retry_at_ms = ctx.now_ms;
}

uint8_t handle_bootstrap_server_request(Context& ctx, const Message& request,
                                        coap::MessageWriter& response) {
    detail::ClientData& data = ctx.data;
    if (data.bootstrap.finished) {
        // Bootstrap-Finish ended the session, so a request that follows it in
        // the same step must not change the accepted configuration.
        LWM2M_LOG_WARNING("request after Bootstrap-Finish rejected");
        return code::kForbidden;
    }
    // The session lasts while the Bootstrap-Server keeps sending requests.
    data.bootstrap.deadline_ms = ctx.now_ms + exchange_lifetime_ms(data.config.coap);
    if (data.session->pending.kind == PendingRequest::Kind::kNone && !data.bootstrap.finished) {
        // A request can overtake the response to the Bootstrap-Request.
        data.bootstrap.accepted = true;
    }
    if (is_bootstrap_finish_path(request)) {
        return request.code == code::kPost ? finish(ctx, response) : code::kMethodNotAllowed;
    }
    dm::Path path;
    if (!dm::parse_path(request, path)) {
        return code::kNotFound;
    }
    uint32_t accept = 0;
    switch (request.code) {
        case code::kGet:
            if (request.find_uint(option::kAccept, accept, 2) &&
                accept == coap::format::kLinkFormat) {
                return dm::bootstrap_discover(path, data, response);
            }
            return dm::bootstrap_read(request, path, data, response);
        case code::kPut:
            return dm::bootstrap_write(request, path, data);
        case code::kDelete:
            return dm::bootstrap_delete(path, data);
        default:
            return code::kMethodNotAllowed;
    }
}

#else  // LWM2M_WITH_BOOTSTRAP

using coap::Message;

// Built without bootstrap: no account is ever a Bootstrap-Server account, so
// only start_bootstrap() is reached, by a client without a usable server account.

bool is_bootstrap_finish_path(const Message& request) {
    (void)request;
    return false;
}

void start_bootstrap(Context& ctx, uint64_t at_ms, const char* reason) {
    (void)at_ms;
    ctx.data.sessions[0].state = RegistrationState::kFailed;
    LWM2M_LOG_ERROR("%s, and the client is built without LWM2M_WITH_BOOTSTRAP", reason);
}

void step_bootstrap(Context& ctx) {
    (void)ctx;
}

uint64_t next_bootstrap_event_ms(const detail::ClientData& data) {
    (void)data;
    return UINT64_MAX;
}

void on_bootstrap_response(Context& ctx, const Message& response) {
    (void)ctx;
    (void)response;
}

void fail_bootstrap_request(Context& ctx) {
    (void)ctx;
}

void on_bootstrap_pack_response(Context& ctx, const Message& response) {
    (void)ctx;
    (void)response;
}

uint8_t handle_bootstrap_server_request(Context& ctx, const Message& request,
                                        coap::MessageWriter& response) {
    (void)ctx;
    (void)request;
    (void)response;
    return coap::code::kMethodNotAllowed;
}

#endif  // LWM2M_WITH_BOOTSTRAP

}  // namespace lwm2m::core
