// The connection to the server and Queue Mode (LwM2M Core 1.1, 6.5): going
// offline after the queue timeout, and waking up from the same local port.
#include "core/context.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("conn");

namespace lwm2m::core {
namespace {

using detail::PendingRequest;

constexpr uint32_t kConnectPollMs = 100;

// Opens a socket on the port used before the sleep, so that the server and any
// NAT on the way still map this client to the same address. Falls back to a
// new port if that fails; the Update that follows moves the registration there.
void rebind_last_port(Context& ctx) {
    const uint16_t last_port = ctx.transport.local_port();
    const Status status = ctx.transport.reuse_last_port();
    if (status == Status::kOk) {
        LWM2M_LOG_DEBUG("bound to last local port %u", last_port);
        return;
    }
    LWM2M_LOG_WARNING("cannot reuse local port %u (%s), using a new port", last_port,
                      to_string(status));
    if (ctx.transport.state() != net::TransportState::kClosed) {
        (void)ctx.transport.close();
    }
}

// Polls a connect() that is in progress (a modem attaching, for example) every
// kConnectPollMs instead of on every step, and gives up after MAX_TRANSMIT_WAIT.
Status wait_for_connect(Context& ctx, Status status) {
    detail::ClientData& data = ctx.data;
    if (data.session->connect_started_ms == 0) {
        data.session->connect_started_ms = ctx.now_ms;
    } else if (ctx.now_ms - data.session->connect_started_ms >=
               max_transmit_wait_ms(data.config.coap)) {
        LWM2M_LOG_WARNING(
            "connect to %s:%u still in progress after %lu ms, giving up", data.session->host,
            data.session->port,
            static_cast<unsigned long>(ctx.now_ms - data.session->connect_started_ms));
        data.session->connect_started_ms = 0;
        (void)ctx.transport.close();
        return Status::kTimeout;
    }
    data.session->retry_at_ms = ctx.now_ms + kConnectPollMs;
    return status;
}

}  // namespace

Status ensure_online(Context& ctx) {
    detail::ClientData& data = ctx.data;
    const net::TransportState state = ctx.transport.state();
    if (state == net::TransportState::kConnected) {
        if (data.session->offline) {
            data.session->offline = false;
            LWM2M_LOG_INFO("online again, socket kept open on local port %u",
                           ctx.transport.local_port());
        }
        return Status::kOk;
    }

    // A connect() still in progress is repeated as it is, without a new bind.
    if (state == net::TransportState::kClosed && ctx.transport.local_port() != 0 &&
        data.session->connect_started_ms == 0) {
        rebind_last_port(ctx);
    }

    const Status status = ctx.transport.connect(data.session->host, data.session->port);
    if (status == Status::kInProgress || status == Status::kWouldBlock) {
        return wait_for_connect(ctx, status);
    }
    data.session->connect_started_ms = 0;
    if (status != Status::kOk) {
        return status;
    }

    data.session->last_exchange_ms = ctx.now_ms;
    if (data.session->offline) {
        data.session->offline = false;
        LWM2M_LOG_INFO("online again from local port %u", ctx.transport.local_port());
    } else {
        LWM2M_LOG_INFO("connected to %s:%u from local port %u", data.session->host,
                       data.session->port, ctx.transport.local_port());
    }
    return Status::kOk;
}

uint64_t queue_mode_deadline_ms(const detail::ClientData& data) {
    // A confirmable request or notification in flight keeps the client
    // online: its ACK arrives on the socket that going offline would close.
    if (!data.config.queue_mode || data.session->offline ||
        data.session->state != RegistrationState::kRegistered ||
        data.session->pending.kind != PendingRequest::Kind::kNone
#if LWM2M_WITH_OBSERVE
        || data.session->pending_notification.active
#endif
    ) {
        return UINT64_MAX;
    }
    return data.session->last_exchange_ms + data.config.queue_timeout_ms;
}

void step_queue_mode(Context& ctx) {
    detail::ClientData& data = ctx.data;
    if (ctx.now_ms < queue_mode_deadline_ms(data) || data.session->update_requested ||
        data.session->deregister_requested || data.session->disable_requested ||
        data.bootstrap.requested || data.session->changed_parameters != 0
#if LWM2M_WITH_SEND
        || data.send.queued
#endif
    ) {
        return;
    }
    ctx.transport.set_receive_off(true);
    data.session->offline = true;
    if (data.config.close_socket_when_offline) {
        (void)ctx.transport.close();
        LWM2M_LOG_INFO("offline (Queue Mode), socket closed, last local port %u",
                       ctx.transport.local_port());
    } else {
        LWM2M_LOG_INFO("offline (Queue Mode), receive off, socket kept on local port %u",
                       ctx.transport.local_port());
    }
}

}  // namespace lwm2m::core
