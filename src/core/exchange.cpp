// CoAP message layer of the client: message IDs, confirmable retransmission,
// matching of ACK, RST and responses, and rejection of malformed messages
// (RFC 7252, 4).
#include <cstring>

#include "core/context.hpp"
#include "core/outgoing_block1.hpp"
#include "lwm2m/log.hpp"
#include "report/observe.hpp"

LWM2M_LOG_MODULE("coap");

namespace lwm2m::core {
namespace {

using coap::Message;
using coap::Type;
using detail::PendingRequest;

// Datagrams handled in one step, so a flood cannot starve the timers.
constexpr int kMaxDatagramsPerStep = 8;

// RFC 7252, 4.8.2: MAX_LATENCY is 100 s.
constexpr uint32_t kMaxLatencyMs = 100000;

// Delay before sending again a request the transport could not take.
constexpr uint32_t kSendRetryMs = 100;

bool token_matches(const Message& message, const PendingRequest& pending) {
    return message.token_length == sizeof(pending.token) &&
           std::memcmp(message.token, pending.token, sizeof(pending.token)) == 0;
}

// RFC 7252, 5.4.1: options a response may carry that the client understands.
bool is_known_response_option(uint16_t number) {
    switch (number) {
        case coap::option::kETag:
        case coap::option::kObserve:
        case coap::option::kLocationPath:
        case coap::option::kContentFormat:
        case coap::option::kMaxAge:
        case coap::option::kLocationQuery:
        case coap::option::kBlock2:
        case coap::option::kBlock1:
        case coap::option::kSize2:
        case coap::option::kSize1:
            return true;
        default:
            return false;
    }
}

bool has_unknown_critical_option(const Message& message) {
    for (uint8_t i = 0; i < message.option_count; ++i) {
        const uint16_t number = message.options[i].number;
        if (coap::option::is_critical(number) && !is_known_response_option(number)) {
            return true;
        }
    }
    return false;
}

// Passes a response to the Block1 transfer of the pending request, and
// completes the request with it unless the transfer goes on.
void take_response(Context& ctx, const Message& response) {
    if (!continue_block1_transfer(ctx, response)) {
        complete_pending_request(ctx, response);
    }
}

void handle_empty(Context& ctx, const Message& message) {
    PendingRequest& pending = ctx.data.session->pending;
    const bool matches_pending =
        pending.kind != PendingRequest::Kind::kNone && message.message_id == pending.message_id;
    switch (message.type) {
        case Type::kConfirmable:
            // RFC 7252, 4.3: an empty CON ("CoAP ping") is rejected with RST.
            send_empty(ctx, Type::kReset, message.message_id);
            return;
        case Type::kAcknowledgement:
            if (!matches_pending) {
                (void)report::handle_notification_reply(ctx, message.message_id, false);
                return;
            }
            if (!pending.acknowledged) {
                // RFC 7252, 5.2.2: the response follows in its own message.
                pending.acknowledged = true;
                pending.deadline_ms = ctx.now_ms + exchange_lifetime_ms(ctx.data.config.coap);
                LWM2M_LOG_DEBUG("message %u acknowledged, waiting for a separate response",
                                message.message_id);
            }
            return;
        case Type::kReset:
            if (matches_pending) {
                fail_pending_request(ctx, "rejected with RST", RequestFailure::kReset);
            } else {
                (void)report::handle_notification_reply(ctx, message.message_id, true);
            }
            return;
        case Type::kNonConfirmable:
            return;
    }
}

void handle_response(Context& ctx, const Message& message) {
    PendingRequest& pending = ctx.data.session->pending;
    const bool token_ok =
        pending.kind != PendingRequest::Kind::kNone && token_matches(message, pending);
    switch (message.type) {
        case Type::kAcknowledgement:
            if (!token_ok || message.message_id != pending.message_id) {
                return;
            }
            if (has_unknown_critical_option(message)) {
                LWM2M_LOG_WARNING("response %u has an unknown critical option, ignored",
                                  message.message_id);
                return;
            }
            take_response(ctx, message);
            return;
        case Type::kConfirmable:
            if (token_ok && !has_unknown_critical_option(message)) {
                send_empty(ctx, Type::kAcknowledgement, message.message_id);
                ctx.data.session->have_separate_response = true;
                ctx.data.session->separate_response_message_id = message.message_id;
                take_response(ctx, message);
            } else if (ctx.data.session->have_separate_response &&
                       message.message_id == ctx.data.session->separate_response_message_id) {
                // RFC 7252, 4.5: acknowledge every copy of a duplicate CON.
                send_empty(ctx, Type::kAcknowledgement, message.message_id);
            } else {
                send_empty(ctx, Type::kReset, message.message_id);
            }
            return;
        case Type::kNonConfirmable:
            if (token_ok && !has_unknown_critical_option(message)) {
                take_response(ctx, message);
            }
            return;
        case Type::kReset:
            return;
    }
}

void handle_datagram(Context& ctx, std::span<const uint8_t> datagram) {
    Message message;
    switch (coap::decode(datagram, message)) {
        case coap::DecodeResult::kIgnore:
            LWM2M_LOG_DEBUG("ignored a %u-byte datagram that is not CoAP version 1",
                            static_cast<unsigned>(datagram.size()));
            return;
        case coap::DecodeResult::kFormatError:
            // RFC 7252, 4.2 and 4.3: reject a malformed CON with RST, drop the rest.
            LWM2M_LOG_WARNING("malformed message %u (%u bytes) %s", message.message_id,
                              static_cast<unsigned>(datagram.size()),
                              message.type == Type::kConfirmable ? "rejected with RST" : "dropped");
            if (message.type == Type::kConfirmable) {
                send_empty(ctx, Type::kReset, message.message_id);
            }
            return;
        case coap::DecodeResult::kTooManyOptions:
            if (message.is_request()) {
                handle_server_request(ctx, message, true);
                return;
            }
            // The dropped options may include Location-Path segments, so the
            // response cannot be used: fail the request instead of waiting.
            if (ctx.data.session->pending.kind != PendingRequest::Kind::kNone &&
                token_matches(message, ctx.data.session->pending)) {
                fail_pending_request(ctx, "answered with more options than LWM2M_MAX_OPTIONS");
            }
            if (message.type == Type::kConfirmable) {
                send_empty(ctx, Type::kReset, message.message_id);
            }
            return;
        case coap::DecodeResult::kOk:
            break;
    }

    if (message.code == coap::code::kEmpty) {
        handle_empty(ctx, message);
    } else if (message.is_request()) {
        handle_server_request(ctx, message, false);
    } else if (message.is_response() && coap::code_class(message.code) <= 5) {
        handle_response(ctx, message);
    } else if (message.type == Type::kConfirmable) {
        // Classes 1, 6 and 7 are reserved (RFC 7252, 12.1): nothing to match them to.
        send_empty(ctx, Type::kReset, message.message_id);
    }
}

}  // namespace

namespace {

// ACK_TIMEOUT * factor * percent / 100, exactly, in 32-bit arithmetic (a
// 64-bit division is a library call on a Cortex-M). configure() bounds the
// operands: ACK_TIMEOUT to 300,000 ms, the percentage to 400 and
// MAX_RETRANSMIT to 8, so factor is at most 511 and no step overflows.
uint32_t scaled_ack_timeout(const CoapTransmission& coap, uint32_t factor, uint32_t percent) {
    const uint32_t scaled = coap.ack_timeout_ms * percent;
    return scaled / 100 * factor + scaled % 100 * factor / 100;
}

}  // namespace

uint32_t initial_ack_timeout_ms(Context& ctx) {
    // RFC 7252, 4.2: a random duration between ACK_TIMEOUT and
    // ACK_TIMEOUT * ACK_RANDOM_FACTOR.
    const CoapTransmission& coap = ctx.data.config.coap;
    const uint32_t spread = scaled_ack_timeout(coap, 1, coap.ack_random_factor_percent - 100u);
    return coap.ack_timeout_ms + (spread == 0 ? 0 : ctx.random.next_u32() % (spread + 1));
}

uint32_t max_transmit_wait_ms(const CoapTransmission& coap) {
    // RFC 7252, 4.8.2: ACK_TIMEOUT * (2 ** (MAX_RETRANSMIT + 1) - 1) * ACK_RANDOM_FACTOR.
    const uint32_t factor = (uint32_t{1} << (coap.max_retransmit + 1)) - 1;
    return scaled_ack_timeout(coap, factor, coap.ack_random_factor_percent);
}

uint32_t exchange_lifetime_ms(const CoapTransmission& coap) {
    // RFC 7252, 4.8.2: MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY + PROCESSING_DELAY,
    // with PROCESSING_DELAY = ACK_TIMEOUT.
    const uint32_t factor = (uint32_t{1} << coap.max_retransmit) - 1;
    return scaled_ack_timeout(coap, factor, coap.ack_random_factor_percent) + 2 * kMaxLatencyMs +
           coap.ack_timeout_ms;
}

uint16_t next_message_id(Context& ctx) {
    return ctx.data.session->next_message_id++;
}

void renew_exchange(Context& ctx) {
    PendingRequest& pending = ctx.data.session->pending;
    pending.message_id = next_message_id(ctx);
    for (uint8_t& byte : pending.token) {
        byte = static_cast<uint8_t>(ctx.random.next_u32());
    }
    pending.retransmissions = 0;
    pending.acknowledged = false;
    pending.unsent = false;
    pending.timeout_ms = initial_ack_timeout_ms(ctx);
    pending.deadline_ms = ctx.now_ms + pending.timeout_ms;
}

Status send_datagram(Context& ctx, std::span<const uint8_t> datagram) {
    const Status status = ctx.transport.send(std::as_bytes(datagram));
    if (status != Status::kOk) {
        // The transport logs its own errors. A response that is not sent is
        // sent from the response cache when the server retransmits its request.
        LWM2M_LOG_DEBUG("send of %u bytes failed: %s", static_cast<unsigned>(datagram.size()),
                        to_string(status));
    }
    return status;
}

void send_pending_bytes(Context& ctx, std::span<const uint8_t> bytes) {
    PendingRequest& pending = ctx.data.session->pending;
    if (bytes.empty()) {
        fail_pending_request(ctx, "does not fit the out buffer");
        return;
    }
    const Status status = send_datagram(ctx, bytes);
    if (status == Status::kWouldBlock || status == Status::kInProgress) {
        pending.unsent = true;
        pending.deadline_ms = ctx.now_ms + kSendRetryMs;
        return;
    }
    // Any other failure counts as a lost datagram, which the timer retransmits.
    pending.unsent = false;
    pending.deadline_ms = ctx.now_ms + pending.timeout_ms;
}

void send_empty(Context& ctx, Type type, uint16_t message_id) {
    uint8_t bytes[4];
    coap::MessageWriter writer(bytes);
    writer.header(type, coap::code::kEmpty, message_id, {});
    (void)send_datagram(ctx, writer.bytes());
}

void receive_datagrams(Context& ctx) {
    for (int i = 0; i < kMaxDatagramsPerStep; ++i) {
        if (ctx.transport.state() != net::TransportState::kConnected) {
            return;
        }
        std::span<uint8_t> buffer(ctx.data.in_buffer);
        const Result<size_t> received = ctx.transport.receive(std::as_writable_bytes(buffer));
        if (received.status() == Status::kWouldBlock) {
            return;
        }
        if (received.status() == Status::kMessageTooLarge) {
            LWM2M_LOG_WARNING("dropped a datagram longer than the %u-byte receive buffer",
                              static_cast<unsigned>(buffer.size()));
            continue;
        }
        if (!received.ok()) {
            LWM2M_LOG_WARNING("receive failed: %s", to_string(received.status()));
            detail::ServerSession& session = *ctx.data.session;
            if (ctx.transport.state() == net::TransportState::kClosed &&
                session.state == RegistrationState::kRegistered) {
                // The transport ended the connection (a secure one the server
                // closed): an Update reconnects at once, so that the server
                // can reach the client again before the next regular Update.
                session.update_requested = true;
            }
            return;
        }
        handle_datagram(ctx, buffer.first(received.value()));
    }
}

void check_retransmission(Context& ctx) {
    PendingRequest& pending = ctx.data.session->pending;
    if (pending.kind == PendingRequest::Kind::kNone || ctx.now_ms < pending.deadline_ms) {
        return;
    }
    if (pending.unsent) {
        send_pending_bytes(ctx, encode_pending_request(ctx));
        return;
    }
    if (pending.acknowledged || pending.retransmissions >= ctx.data.config.coap.max_retransmit) {
        fail_pending_request(ctx, "timed out", RequestFailure::kTimeout);
        return;
    }
    // RFC 7252, 4.2: retransmit with the timeout doubled each time.
    ++pending.retransmissions;
    pending.timeout_ms *= 2;
    LWM2M_LOG_INFO("no response to message %u, retransmission %u of %u, next timeout %lu ms",
                   pending.message_id, pending.retransmissions, ctx.data.config.coap.max_retransmit,
                   static_cast<unsigned long>(pending.timeout_ms));
    send_pending_bytes(ctx, encode_pending_request(ctx));
}

}  // namespace lwm2m::core
