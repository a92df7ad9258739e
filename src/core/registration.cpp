// Client Registration interface (LwM2M Core 1.1, 6.2): Register, Update and
// De-register, the update schedule and the registration retry procedure.
#include <cstring>

#include "core/account.hpp"
#include "core/bootstrap.hpp"
#include "core/context.hpp"
#include "core/outgoing_block1.hpp"
#include "dm/data_model.hpp"
#include "lwm2m/log.hpp"
#include "report/observe.hpp"
#include "report/send.hpp"

LWM2M_LOG_MODULE("reg");

namespace lwm2m::core {
namespace {

using coap::Message;
using coap::MessageWriter;
using coap::Type;
using detail::PendingRequest;
namespace code = coap::code;
namespace option = coap::option;

// Caps the exponent of the retry back-off so that the shift cannot overflow.
constexpr uint8_t kMaxBackoffExponent = 16;

const char* kind_name(PendingRequest::Kind kind) {
    switch (kind) {
        case PendingRequest::Kind::kBootstrapPackRequest:
            return "Bootstrap-Pack-Request";
        case PendingRequest::Kind::kBootstrapRequest:
            return "Bootstrap-Request";
        case PendingRequest::Kind::kRegister:
            return "Register";
        case PendingRequest::Kind::kUpdate:
            return "Update";
        case PendingRequest::Kind::kDeregister:
            return "De-register";
        case PendingRequest::Kind::kSend:
            return "Send";
        case PendingRequest::Kind::kNone:
            break;
    }
    return "none";
}

// Binding as sent in `b`: LwM2M 1.0 marks Queue Mode with a Q after the
// binding, 1.1 and later with a separate Q parameter. Only the UDP binding
// exists so far, so the 1.0 form is always "UQ".
void write_binding_query(MessageWriter& writer, const detail::ClientData& data) {
    const bool queue_in_binding =
        data.config.version == Lwm2mVersion::k1_0 && data.config.queue_mode;
    writer.add_option(option::kUriQuery,
                      "b=", queue_in_binding ? "UQ" : data.session->server.binding);
}

void write_lifetime_query(MessageWriter& writer, uint32_t lifetime_s) {
    char query[16] = "lt=";
    const size_t length = coap::format_uint(lifetime_s, std::span<char>(query + 3, 11));
    query[3 + length] = '\0';
    writer.add_option(option::kUriQuery, query);
}

void write_location_path(MessageWriter& writer, const char* location) {
    // `location` is "/seg1/seg2..."; each segment becomes one Uri-Path option.
    const char* segment = location;
    while (*segment == '/') {
        const char* end = std::strchr(segment + 1, '/');
        const size_t length = end == nullptr ? std::strlen(segment + 1) : end - segment - 1;
        writer.add_option(option::kUriPath,
                          {reinterpret_cast<const uint8_t*>(segment + 1), length});
        if (end == nullptr) {
            break;
        }
        segment = end;
    }
}

// Stores the Location-Path of a Register response as "/rd/5a3f". Returns false
// if it is missing, does not fit or has a segment containing '/' or NUL.
bool store_location(detail::ClientData& data, const Message& response) {
    char location[LWM2M_LOCATION_PATH_SIZE];
    size_t length = 0;
    uint8_t segments = 0;
    for (uint8_t i = 0; i < response.option_count; ++i) {
        const coap::Option& opt = response.options[i];
        if (opt.number != option::kLocationPath) {
            continue;
        }
        if (++segments > LWM2M_MAX_LOCATION_SEGMENTS ||
            length + 1 + opt.value.size() >= sizeof(location)) {
            return false;
        }
        location[length++] = '/';
        for (uint8_t byte : opt.value) {
            if (byte == '/' || byte == '\0') {
                return false;
            }
            location[length++] = static_cast<char>(byte);
        }
    }
    if (segments == 0) {
        return false;
    }
    location[length] = '\0';
    std::memcpy(data.session->location, location, length + 1);
    return true;
}

// Time from sending a Register or Update to sending the next Update, so that
// it arrives before the lifetime ends even after all CoAP retransmissions.
uint64_t update_interval_ms(const detail::ClientData& data) {
    const uint64_t lifetime_ms = uint64_t{data.session->registered_lifetime_s} * 1000;
    const uint64_t margin_ms = max_transmit_wait_ms(data.config.coap);
    // A lifetime shorter than twice MAX_TRANSMIT_WAIT leaves no room for the
    // full margin, so such clients update at half the lifetime.
    return lifetime_ms > 2 * margin_ms ? lifetime_ms - margin_ms : lifetime_ms / 2;
}

void finish_deregister(Context& ctx);

void schedule_register_retry(Context& ctx) {
    detail::ClientData& data = ctx.data;
    const RegistrationRetry& retry = data.session->retry;
    data.session->state = RegistrationState::kNotRegistered;
    if (data.session->deregister_requested) {
        // The application is stopping the client: no further attempts.
        data.session->deregister_requested = false;
        finish_deregister(ctx);
        return;
    }

    if (data.session->register_attempts < retry.retry_count) {
        // LwM2M Core 1.1, 6.2.1.1: wait Communication Retry Timer * 2^(attempt - 1).
        uint8_t exponent = data.session->register_attempts - 1;
        exponent = exponent > kMaxBackoffExponent ? kMaxBackoffExponent : exponent;
        const uint64_t delay_ms = uint64_t{retry.retry_timer_s} * 1000 << exponent;
        data.session->retry_at_ms = ctx.now_ms + delay_ms;
        LWM2M_LOG_WARNING("Register attempt %u of %u failed, next in %lu s",
                          data.session->register_attempts, retry.retry_count,
                          static_cast<unsigned long>(delay_ms / 1000));
        return;
    }

    ++data.session->register_sequences;
    data.session->register_attempts = 0;
    // The Server object's resource 19: MAX_VALUE means no further sequence.
    if (data.session->register_sequences < retry.sequence_retry_count &&
        retry.sequence_delay_s != UINT32_MAX) {
        data.session->retry_at_ms = ctx.now_ms + uint64_t{retry.sequence_delay_s} * 1000;
        LWM2M_LOG_WARNING("Register sequence %u of %u failed, next sequence in %lu s",
                          data.session->register_sequences, retry.sequence_retry_count,
                          static_cast<unsigned long>(retry.sequence_delay_s));
        return;
    }

    // Bootstrap replaces every account, so it waits while another server works.
    bool other_server_active = false;
    for (const detail::ServerSession& other : data.sessions) {
        other_server_active |= &other != data.session &&
                               other.state != RegistrationState::kUnconfigured &&
                               other.state != RegistrationState::kFailed &&
                               other.state != RegistrationState::kDeregistered;
    }
    if (data.session->server.bootstrap_on_registration_failure && !other_server_active &&
        find_bootstrap_account(data) != nullptr) {
        start_bootstrap(ctx, ctx.now_ms, "registration failed");
        return;
    }
    data.session->state = RegistrationState::kFailed;
    (void)ctx.transport.close();
    LWM2M_LOG_ERROR("registration failed after %u sequences, giving up",
                    data.session->register_sequences);
}

// Drops the registration and registers again at once, because the server has
// lost this registration or cannot be reached with an Update.
void register_again(Context& ctx, const char* reason) {
    LWM2M_LOG_WARNING("Update %s, registering again", reason);
    ctx.data.session->state = RegistrationState::kNotRegistered;
    ctx.data.session->location[0] = '\0';
    ctx.data.session->register_attempts = 0;
    ctx.data.session->register_sequences = 0;
    ctx.data.session->retry_at_ms = ctx.now_ms;
}

void finish_deregister(Context& ctx) {
    detail::ClientData& data = ctx.data;
    data.session->location[0] = '\0';
    // A rebooted client must not resume the registration it has ended.
    data.state_save_due = true;
    (void)ctx.transport.close();
    if (data.session->disable_requested) {
        // Execute Disable (/1/0/4): register again after the Disable Timeout.
        data.session->disable_requested = false;
        data.session->state = RegistrationState::kNotRegistered;
        data.session->register_attempts = 0;
        data.session->register_sequences = 0;
        data.session->retry_at_ms =
            ctx.now_ms + uint64_t{data.session->server.disable_timeout_s} * 1000;
        LWM2M_LOG_INFO("disabled: de-registered, registering again in %lu s",
                       static_cast<unsigned long>(data.session->server.disable_timeout_s));
        return;
    }
    if (data.bootstrap.requested) {
        // Execute of Bootstrap-Request Trigger (/1/x/9): step_bootstrap()
        // starts once every server is de-registered.
        data.session->state = RegistrationState::kDeregistered;
        report::end_observations(data);
        LWM2M_LOG_INFO("de-registered for Bootstrap-Request Trigger");
        return;
    }
    data.session->state = RegistrationState::kDeregistered;
    report::end_observations(data);
    LWM2M_LOG_INFO("de-registered, socket closed");
}

void on_register_response(Context& ctx, const Message& response) {
    detail::ClientData& data = ctx.data;
    if (response.code != code::kCreated) {
        LWM2M_LOG_WARNING("Register rejected with %u.%02u", coap::code_class(response.code),
                          coap::code_detail(response.code));
        schedule_register_retry(ctx);
        return;
    }
    if (!store_location(data, response)) {
        LWM2M_LOG_WARNING(
            "Register response has no usable Location-Path (at most %u segments, "
            "%u bytes)",
            LWM2M_MAX_LOCATION_SEGMENTS, LWM2M_LOCATION_PATH_SIZE - 1);
        schedule_register_retry(ctx);
        return;
    }
    // A new registration: the server observes again what it needs.
    report::end_observations(data);
    data.session->state = RegistrationState::kRegistered;
    data.session->register_attempts = 0;
    data.session->register_sequences = 0;
    data.session->update_requested = false;
    data.session->registered_lifetime_s = data.session->pending.lifetime_s;
    // A lifetime written while the Register was in flight still needs an Update.
    data.session->changed_parameters =
        data.session->server.lifetime_s == data.session->pending.lifetime_s
            ? 0
            : detail::changed::kLifetime;
    data.session->registration_expiry_ms =
        data.session->pending.sent_ms + uint64_t{data.session->registered_lifetime_s} * 1000;
    data.session->next_update_ms = data.session->pending.sent_ms + update_interval_ms(data);
    data.state_save_due = true;
    LWM2M_LOG_INFO("registered at %s, lifetime %lu s, local port %u", data.session->location,
                   static_cast<unsigned long>(data.session->server.lifetime_s),
                   ctx.transport.local_port());
}

void on_update_response(Context& ctx, const Message& response) {
    detail::ClientData& data = ctx.data;
    if (response.code != code::kChanged) {
        char reason[32] = "rejected with ";
        const size_t length = std::strlen(reason);
        reason[length] = static_cast<char>('0' + coap::code_class(response.code));
        reason[length + 1] = '.';
        reason[length + 2] = static_cast<char>('0' + coap::code_detail(response.code) / 10);
        reason[length + 3] = static_cast<char>('0' + coap::code_detail(response.code) % 10);
        reason[length + 4] = '\0';
        register_again(ctx, reason);
        return;
    }
    report::server_answered(data);
    const PendingRequest& sent = data.session->pending;
    if ((sent.update_parameters & detail::changed::kLifetime) != 0) {
        data.session->registered_lifetime_s = sent.lifetime_s;
    }
    uint8_t delivered = sent.update_parameters;
    if (data.session->server.lifetime_s != sent.lifetime_s) {
        // Written again while the Update was in flight: the next Update sends it.
        delivered &= static_cast<uint8_t>(~detail::changed::kLifetime);
    }
    data.session->changed_parameters &= static_cast<uint8_t>(~delivered);
    data.session->registration_expiry_ms =
        sent.sent_ms + uint64_t{data.session->registered_lifetime_s} * 1000;
    data.session->next_update_ms = sent.sent_ms + update_interval_ms(data);
    data.state_save_due = true;
    const uint64_t wait_ms =
        data.session->next_update_ms > ctx.now_ms ? data.session->next_update_ms - ctx.now_ms : 0;
    LWM2M_LOG_INFO("Update accepted, local port %u, next Update in %lu s",
                   ctx.transport.local_port(), static_cast<unsigned long>(wait_ms / 1000));
}

}  // namespace

void begin_pending_request(Context& ctx, PendingRequest::Kind kind) {
    PendingRequest& pending = ctx.data.session->pending;
    pending = {};
    pending.kind = kind;
    renew_exchange(ctx);
    pending.sent_ms = ctx.now_ms;
    pending.lifetime_s = ctx.data.session->server.lifetime_s;
}

bool send_pending_request(Context& ctx) {
    const std::span<const uint8_t> bytes = encode_pending_request(ctx);
    if (bytes.empty()) {
        LWM2M_LOG_ERROR("%s does not fit the %u-byte out buffer",
                        kind_name(ctx.data.session->pending.kind),
                        static_cast<unsigned>(sizeof(ctx.data.out_buffer)));
        return false;
    }
    ctx.data.session->last_exchange_ms = ctx.now_ms;
    send_pending_bytes(ctx, bytes);
    return true;
}

std::span<const uint8_t> encode_pending_request(Context& ctx) {
    detail::ClientData& data = ctx.data;
    const PendingRequest& pending = data.session->pending;
    MessageWriter writer(data.out_buffer);
    switch (pending.kind) {
        case PendingRequest::Kind::kBootstrapPackRequest:
            // LwM2M Core 1.2, 6.1.5.2: GET /bspack?ep=NAME, the pack in SenML CBOR.
            writer.header(Type::kConfirmable, code::kGet, pending.message_id, pending.token);
            writer.add_option(option::kUriPath, "bspack");
            writer.add_option(option::kUriQuery, "ep=", data.endpoint_name);
            writer.add_uint_option(option::kAccept, coap::format::kSenmlCbor);
            break;
        case PendingRequest::Kind::kBootstrapRequest:
            writer.header(Type::kConfirmable, code::kPost, pending.message_id, pending.token);
            writer.add_option(option::kUriPath, "bs");
            writer.add_option(option::kUriQuery, "ep=", data.endpoint_name);
            if (data.config.version != Lwm2mVersion::k1_0) {
                // The preferred Content-Format of the Bootstrap-Writes: TLV,
                // which the client applies block by block when it comes in
                // Block1 blocks, so a configuration may exceed every buffer.
                writer.add_option(option::kUriQuery, "pct=11542");
            }
            break;
        case PendingRequest::Kind::kRegister: {
            writer.header(Type::kConfirmable, code::kPost, pending.message_id, pending.token);
            writer.add_option(option::kUriPath, "rd");
            writer.add_uint_option(option::kContentFormat, coap::format::kLinkFormat);
            writer.add_option(option::kUriQuery, "ep=", data.endpoint_name);
            write_lifetime_query(writer, pending.lifetime_s);
            writer.add_option(option::kUriQuery, "lwm2m=", to_string(data.config.version));
            write_binding_query(writer, data);
            if (data.config.queue_mode && data.config.version != Lwm2mVersion::k1_0) {
                writer.add_option(option::kUriQuery, "Q");
            }
            if (!append_request_payload(ctx, writer, dm::write_registration_links)) {
                return {};
            }
            break;
        }
        case PendingRequest::Kind::kUpdate: {
            writer.header(Type::kConfirmable, code::kPost, pending.message_id, pending.token);
            write_location_path(writer, data.session->location);
            const bool with_links = (pending.update_parameters & detail::changed::kObjects) != 0;
            if (with_links) {
                writer.add_uint_option(option::kContentFormat, coap::format::kLinkFormat);
            }
            if ((pending.update_parameters & detail::changed::kLifetime) != 0) {
                write_lifetime_query(writer, pending.lifetime_s);
            }
            if ((pending.update_parameters & detail::changed::kBinding) != 0) {
                write_binding_query(writer, data);
            }
            if (with_links && !append_request_payload(ctx, writer, dm::write_registration_links)) {
                return {};
            }
            break;
        }
        case PendingRequest::Kind::kDeregister:
            writer.header(Type::kConfirmable, code::kDelete, pending.message_id, pending.token);
            write_location_path(writer, data.session->location);
            break;
        case PendingRequest::Kind::kSend:
#if LWM2M_WITH_SEND
            if (!report::write_send_request(ctx, writer)) {
                return {};
            }
            break;
#else
            return {};  // never pending: Client::send() returns kUnsupported
#endif
        case PendingRequest::Kind::kNone:
            return {};
    }
    if (writer.overflow()) {
        return {};
    }
    return writer.bytes();
}

void start_register(Context& ctx) {
    detail::ClientData& data = ctx.data;
    const Status online = ensure_online(ctx);
    if (online == Status::kInProgress || online == Status::kWouldBlock) {
        return;  // connect() is still in progress; try again on the next step
    }
    ++data.session->register_attempts;
    if (online != Status::kOk) {
        LWM2M_LOG_WARNING("cannot reach %s:%u: %s", data.session->host, data.session->port,
                          to_string(online));
        schedule_register_retry(ctx);
        return;
    }
    begin_pending_request(ctx, PendingRequest::Kind::kRegister);
    data.session->state = RegistrationState::kRegistering;
    LWM2M_LOG_INFO("Register as '%s' to %s:%u from local port %u (message %u)", data.endpoint_name,
                   data.session->host, data.session->port, ctx.transport.local_port(),
                   data.session->pending.message_id);
    if (!send_pending_request(ctx)) {
        data.session->pending.kind = PendingRequest::Kind::kNone;
        schedule_register_retry(ctx);
    }
}

void start_update(Context& ctx) {
    detail::ClientData& data = ctx.data;
    const Status online = ensure_online(ctx);
    if (online == Status::kInProgress || online == Status::kWouldBlock) {
        return;
    }
    if (online != Status::kOk) {
        // The server keeps the registration until it expires, so retry the
        // Update while there is time; register again only after that.
        const uint64_t retry_at = ctx.now_ms + uint64_t{data.session->retry.retry_timer_s} * 1000;
        if (retry_at < data.session->registration_expiry_ms) {
            LWM2M_LOG_WARNING("cannot reach %s:%u for the Update (%s), retrying in %lu s",
                              data.session->host, data.session->port, to_string(online),
                              static_cast<unsigned long>(data.session->retry.retry_timer_s));
            data.session->retry_at_ms = retry_at;
            return;
        }
        register_again(ctx, "impossible before the registration expires");
        return;
    }
    begin_pending_request(ctx, PendingRequest::Kind::kUpdate);
    data.session->pending.update_parameters = data.session->changed_parameters;
    data.session->update_requested = false;
    LWM2M_LOG_INFO("Update %s from local port %u (message %u)", data.session->location,
                   ctx.transport.local_port(), data.session->pending.message_id);
    if (!send_pending_request(ctx)) {
        data.session->pending.kind = PendingRequest::Kind::kNone;
        register_again(ctx, "does not fit the out buffer");
    }
}

void start_deregister(Context& ctx) {
    detail::ClientData& data = ctx.data;
    const Status online = ensure_online(ctx);
    if (online == Status::kInProgress || online == Status::kWouldBlock) {
        return;
    }
    data.session->deregister_requested = false;
    if (online != Status::kOk) {
        finish_deregister(ctx);
        return;
    }
    begin_pending_request(ctx, PendingRequest::Kind::kDeregister);
    data.session->state = RegistrationState::kDeregistering;
    LWM2M_LOG_INFO("De-register %s (message %u)", data.session->location,
                   data.session->pending.message_id);
    if (!send_pending_request(ctx)) {
        data.session->pending.kind = PendingRequest::Kind::kNone;
        finish_deregister(ctx);
    }
}

void complete_pending_request(Context& ctx, const Message& response) {
    const PendingRequest::Kind kind = ctx.data.session->pending.kind;
    ctx.data.session->last_exchange_ms = ctx.now_ms;
    switch (kind) {
        case PendingRequest::Kind::kBootstrapPackRequest:
            ctx.data.session->pending.kind = PendingRequest::Kind::kNone;
            on_bootstrap_pack_response(ctx, response);
            break;
        case PendingRequest::Kind::kBootstrapRequest:
            ctx.data.session->pending.kind = PendingRequest::Kind::kNone;
            on_bootstrap_response(ctx, response);
            break;
        case PendingRequest::Kind::kRegister:
            on_register_response(ctx, response);
            break;
        case PendingRequest::Kind::kUpdate:
            on_update_response(ctx, response);
            break;
        case PendingRequest::Kind::kDeregister:
            finish_deregister(ctx);
            break;
        case PendingRequest::Kind::kSend:
            ctx.data.session->pending.kind = PendingRequest::Kind::kNone;
#if LWM2M_WITH_SEND
            report::complete_send(ctx, response);
#endif
            break;
        case PendingRequest::Kind::kNone:
            break;
    }
    ctx.data.session->pending.kind = PendingRequest::Kind::kNone;
}

void fail_pending_request(Context& ctx, const char* reason, RequestFailure failure) {
    const PendingRequest::Kind kind = ctx.data.session->pending.kind;
    LWM2M_LOG_WARNING("%s (message %u) %s", kind_name(kind), ctx.data.session->pending.message_id,
                      reason);
    ctx.data.session->pending.kind = PendingRequest::Kind::kNone;
    if (failure == RequestFailure::kTimeout && ctx.data.session->secure) {
        // The server may have lost the DTLS connection (it restarted, or a
        // NAT moved this client to a new address): the next request starts
        // with a new handshake.
        if (ctx.transport.state() != net::TransportState::kClosed) {
            (void)ctx.transport.close();
        }
        ctx.transport.renew_session();
    }
    switch (kind) {
        case PendingRequest::Kind::kBootstrapPackRequest:
        case PendingRequest::Kind::kBootstrapRequest:
            fail_bootstrap_request(ctx);
            break;
        case PendingRequest::Kind::kRegister:
            schedule_register_retry(ctx);
            break;
        case PendingRequest::Kind::kUpdate:
            register_again(ctx, reason);
            break;
        case PendingRequest::Kind::kDeregister:
            finish_deregister(ctx);
            break;
        case PendingRequest::Kind::kSend:
#if LWM2M_WITH_SEND
            report::fail_send(ctx, failure);
#endif
            break;
        case PendingRequest::Kind::kNone:
            break;
    }
}

void step_registration(Context& ctx) {
    detail::ClientData& data = ctx.data;
    if (data.session->pending.kind != PendingRequest::Kind::kNone) {
        return;
    }
    switch (data.session->state) {
        case RegistrationState::kNotRegistered:
            if (data.bootstrap.requested) {
                // No registration to end before bootstrapping.
                data.session->state = RegistrationState::kDeregistered;
            } else if (data.session->deregister_requested) {
                data.session->deregister_requested = false;
                finish_deregister(ctx);
            } else if (ctx.now_ms >= data.session->retry_at_ms ||
                       data.session->connect_started_ms != 0) {
                // A connect in progress goes on at every step, so that a
                // handshake processes each datagram as it arrives.
                start_register(ctx);
            }
            return;
        case RegistrationState::kRegistered:
            // retry_at_ms holds back a new attempt after the connection
            // failed, and paces a connect in progress between datagrams.
            if (ctx.now_ms < data.session->retry_at_ms && data.session->connect_started_ms == 0) {
                return;
            }
            if (data.session->deregister_requested || data.session->disable_requested ||
                data.bootstrap.requested) {
                start_deregister(ctx);
            } else if (data.session->update_requested || data.session->changed_parameters != 0 ||
                       ctx.now_ms >= data.session->next_update_ms) {
                start_update(ctx);
            }
            return;
        default:
            return;
    }
}

uint64_t next_registration_event_ms(const detail::ClientData& data) {
    if (data.session->pending.kind != PendingRequest::Kind::kNone) {
        return data.session->pending.deadline_ms;
    }
    switch (data.session->state) {
        case RegistrationState::kNotRegistered:
            return data.session->deregister_requested ? 0 : data.session->retry_at_ms;
        case RegistrationState::kRegistered:
            if (data.session->deregister_requested || data.session->disable_requested ||
                data.bootstrap.requested || data.session->update_requested ||
                data.session->changed_parameters != 0) {
                return data.session->retry_at_ms;
            }
            return data.session->next_update_ms > data.session->retry_at_ms
                       ? data.session->next_update_ms
                       : data.session->retry_at_ms;
        default:
            return UINT64_MAX;
    }
}

}  // namespace lwm2m::core
