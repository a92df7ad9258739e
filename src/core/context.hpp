// Internal interface between the parts of the client core. Each step() builds
// a Context and passes it to the functions below.
#pragma once

#include <cstdint>
#include <span>

#include "coap/message.hpp"
#include "lwm2m/client_config.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/platform.hpp"
#include "lwm2m/transport.hpp"

namespace lwm2m::core {

struct Context {
    net::Transport& transport;
    Clock& clock;
    Random& random;
    detail::ClientData& data;
    uint64_t now_ms;
};

// exchange.cpp: CoAP message layer (RFC 7252, 4).
uint32_t initial_ack_timeout_ms(Context& ctx);
uint32_t max_transmit_wait_ms(const CoapTransmission& coap);
uint32_t exchange_lifetime_ms(const CoapTransmission& coap);
uint16_t next_message_id(Context& ctx);
/// Gives the pending request a new message ID and token and restarts its
/// retransmission timer, for a new exchange such as the next Block1 block.
void renew_exchange(Context& ctx);
void send_empty(Context& ctx, coap::Type type, uint16_t message_id);
Status send_datagram(Context& ctx, std::span<const uint8_t> datagram);
/// Sends the pending request's bytes; if the transport would block, marks the
/// request unsent so that check_retransmission() sends it again shortly.
void send_pending_bytes(Context& ctx, std::span<const uint8_t> bytes);
void receive_datagrams(Context& ctx);
void check_retransmission(Context& ctx);

// server_requests.cpp: requests from the LwM2M server.
/// Writes the header of the response to `request`: an ACK with its message ID
/// for a CON, a NON with a new message ID for a NON. Writing it again starts
/// the response over.
void start_response(Context& ctx, const coap::Message& request, coap::MessageWriter& response);
/// `options_truncated` is true when the request had more options than
/// LWM2M_MAX_OPTIONS; it then gets 4.00.
void handle_server_request(Context& ctx, const coap::Message& request, bool options_truncated);

// registration.cpp: Register, Update, De-register (LwM2M Core, 6.2).
/// Makes `kind` the pending request, with a new message ID and token.
void begin_pending_request(Context& ctx, detail::PendingRequest::Kind kind);
/// Encodes and sends the pending request; false if it does not fit the out buffer.
bool send_pending_request(Context& ctx);
void start_register(Context& ctx);
void start_update(Context& ctx);
void start_deregister(Context& ctx);
/// Encodes the pending request into the out buffer; returns its bytes, or an
/// empty span if it does not fit.
std::span<const uint8_t> encode_pending_request(Context& ctx);
void complete_pending_request(Context& ctx, const coap::Message& response);
/// Cause of a request ending without a final response.
enum class RequestFailure : uint8_t { kTimeout, kReset, kOther };
/// Ends the pending request without a response; `reason` goes to the log.
void fail_pending_request(Context& ctx, const char* reason,
                          RequestFailure failure = RequestFailure::kOther);
void step_registration(Context& ctx);
uint64_t next_registration_event_ms(const detail::ClientData& data);

// connection.cpp: the transport, Queue Mode sleep and wake-up.
Status ensure_online(Context& ctx);
void step_queue_mode(Context& ctx);
uint64_t queue_mode_deadline_ms(const detail::ClientData& data);

// uri.cpp
/// Splits "coap://host:port" into host and port (5683 if the URI has none).
/// With `secure`, "coaps://host:port" is accepted too (port 5684 by default)
/// and `*secure` is set to true for coaps:// and false for coap://. Returns kInvalidArgument for
/// another scheme or a malformed URI and kNoSpace if the host is too long.
Status parse_server_uri(const char* uri, std::span<char> host, uint16_t& port,
                        bool* secure = nullptr);
/// True if `host` is an IPv4 or IPv6 address rather than a name: SNI must not
/// carry it (RFC 6066, 3), and a CoAP request to it needs no Uri-Host.
bool is_address_literal(const char* host);

}  // namespace lwm2m::core
