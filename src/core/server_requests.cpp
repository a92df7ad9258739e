// Requests from the LwM2M server: duplicate detection, option checks and the
// response, piggybacked on the ACK for a CON and sent as a NON for a NON.
#include <cstring>

#include "core/block1.hpp"
#include "core/bootstrap.hpp"
#include "core/context.hpp"
#include "dm/access_control.hpp"
#include "dm/data_model.hpp"
#include "lwm2m/log.hpp"
#include "report/observe.hpp"

LWM2M_LOG_MODULE("req");

namespace lwm2m::core {
namespace {

using coap::Message;
using coap::Type;
namespace code = coap::code;
namespace option = coap::option;

// Returns the error code for an option the client cannot honour, or 0 if the
// request's options are acceptable (RFC 7252, 5.4.1 and 5.7.2).
uint8_t check_request_options(const Message& request) {
    int accept_count = 0;
    for (uint8_t i = 0; i < request.option_count; ++i) {
        const uint16_t number = request.options[i].number;
        // RFC 7252, 5.4.3 and 5.4.5: a critical option with a length outside its
        // range, or repeated though not repeatable, counts as unrecognized.
        if (number == option::kAccept &&
            (request.options[i].value.size() > 2 || ++accept_count > 1)) {
            return code::kBadOption;
        }
        switch (number) {
            case option::kProxyUri:
            case option::kProxyScheme:
                return code::kProxyingNotSupported;
            case option::kUriHost:
            case option::kUriPort:
            case option::kUriPath:
            case option::kUriQuery:
            case option::kAccept:
            case option::kObserve:
#if LWM2M_WITH_BLOCK1
            case option::kBlock1:
#endif
            case option::kBlock2:
                continue;
            default:
                break;
        }
        // NOTE: the conditional options If-Match and If-None-Match are critical
        // and not implemented yet, so they get 4.02 as well.
        if (option::is_critical(number)) {
            LWM2M_LOG_WARNING("request %u has unsupported critical option %u", request.message_id,
                              number);
            return code::kBadOption;
        }
    }
    return 0;
}

// The response cache key of `request`: its message ID, which is unique per
// server only, and the index of the server's session.
uint32_t cache_key(const detail::ClientData& data, const Message& request) {
    return uint32_t{data.session_index()} << 16 | request.message_id;
}

// Returns true if `response` was built for a request of the same type and
// token as `request`. A message ID reused for a different request (which RFC
// 7252, 4.4 forbids within EXCHANGE_LIFETIME) is then not taken as a duplicate.
bool is_response_to(std::span<const uint8_t> response, const Message& request) {
    const Type expected_type =
        request.type == Type::kConfirmable ? Type::kAcknowledgement : Type::kNonConfirmable;
    const uint8_t token_length = response[0] & 0x0f;
    if (static_cast<Type>((response[0] >> 4) & 0x03) != expected_type ||
        token_length != request.token_length || response.size() < 4u + token_length) {
        return false;
    }
    return std::memcmp(response.data() + 4, request.token, token_length) == 0;
}

// True for a successful Write, Create or Write-Composite, not for an Execute
// or a Write-Attributes.
bool changes_values(const Message& request, const dm::Path& path, uint8_t response_code) {
    if (response_code != code::kChanged && response_code != code::kCreated) {
        return false;
    }
    const bool write_attributes = request.code == code::kPut && request.payload.empty() &&
                                  request.find(option::kUriQuery) != nullptr;
    const bool execute = request.code == code::kPost && path.length >= 3;
    return (request.code == code::kPut || request.code == code::kPost ||
            request.code == code::kIPatch) &&
           !write_attributes && !execute;
}

void log_request(const Message& request, const dm::Path& path, uint8_t response_code) {
#if LWM2M_LOG_LEVEL > 2
    // Info-level logs are compiled out: nothing to format.
    (void)request;
    (void)path;
    (void)response_code;
#else
    static constexpr const char* kMethods[] = {"?",      "GET",   "POST",  "PUT",
                                               "DELETE", "FETCH", "PATCH", "iPATCH"};
    const char* method = request.code < 8 ? kMethods[request.code] : "?";
    char text[4 * 6 + 1] = "/";  // up to four "/65534" segments and the terminator
    if (path.length == 0 && is_bootstrap_finish_path(request)) {
        std::memcpy(text, "/bs", sizeof("/bs"));
    }
    size_t length = path.length == 0 ? std::strlen(text) : 0;
    for (uint8_t i = 0; i < path.length; ++i) {
        text[length++] = '/';
        length += coap::format_uint(path.ids[i], std::span<char>(text + length, 6));
    }
    text[length] = '\0';
    if (response_code == coap::code::kContinue) {
        // One line per Block1 block would flood the log of a large Write.
        LWM2M_LOG_DEBUG("%s %s (message %u) -> 2.31", method, text, request.message_id);
        return;
    }
    LWM2M_LOG_INFO("%s %s (message %u) -> %u.%02u", method, text, request.message_id,
                   coap::code_class(response_code), coap::code_detail(response_code));
#endif
}

}  // namespace

void start_response(Context& ctx, const Message& request, coap::MessageWriter& response) {
    const bool confirmable = request.type == Type::kConfirmable;
    response.header(confirmable ? Type::kAcknowledgement : Type::kNonConfirmable, code::kEmpty,
                    confirmable ? request.message_id : next_message_id(ctx), request.token_view());
}

void handle_server_request(Context& ctx, const Message& request, bool options_truncated) {
    detail::ClientData& data = ctx.data;
    if (request.type == Type::kAcknowledgement || request.type == Type::kReset) {
        // RFC 7252, 4.2 and 4.3: a request in an ACK or RST is malformed; no reply.
        return;
    }
    data.session->last_exchange_ms = ctx.now_ms;
    if (data.session->offline) {
        // Only possible when the socket stays open in Queue Mode: the server
        // reached the client, so it is online until the next queue timeout.
        data.session->offline = false;
        LWM2M_LOG_INFO("online again: request received on local port %u",
                       ctx.transport.local_port());
    }

    // RFC 7252, 4.5: a duplicate gets the cached response and is not processed.
    const std::span<const uint8_t> cached =
        data.response_cache.find(cache_key(data, request), ctx.now_ms);
    if (!cached.empty() && is_response_to(cached, request)) {
        LWM2M_LOG_DEBUG("duplicate request %u, response sent again", request.message_id);
        if (request.type == Type::kConfirmable) {
            (void)send_datagram(ctx, cached);
        }
        return;
    }

    const bool confirmable = request.type == Type::kConfirmable;
    coap::MessageWriter response(data.out_buffer);
    start_response(ctx, request, response);

    dm::Path path;
    uint8_t response_code = check_request_options(request);
    if (options_truncated) {
        // Options beyond LWM2M_MAX_OPTIONS were dropped while decoding, and the
        // path may be among them.
        response_code = code::kBadRequest;
    }
    if (response_code == code::kBadOption && !confirmable) {
        // RFC 7252, 5.4.1: a NON with an unrecognized critical option is
        // rejected (4.3), which for a NON means it is ignored.
        LWM2M_LOG_WARNING("NON request %u rejected: unsupported critical option",
                          request.message_id);
        return;
    }
    const bool bootstrapping = data.session->state == RegistrationState::kBootstrapping;
    if (response_code == 0 && bootstrapping && is_bootstrap_finish_path(request)) {
        // Bootstrap-Finish: "bs" is no object ID, and the request has no payload.
        response_code = handle_bootstrap_server_request(ctx, request, response);
    }
    if (response_code == 0 && !dm::parse_path(request, path)) {
        response_code = code::kNotFound;
    }
    // Serves a whole request: from the Bootstrap-Server while bootstrapping,
    // else an Observe or an operation on the data model.
    auto serve = [&](const Message& whole) -> uint8_t {
        if (bootstrapping) {
            return handle_bootstrap_server_request(ctx, whole, response);
        }
#if LWM2M_WITH_OBSERVE
        if ((whole.code == code::kGet || whole.code == code::kFetch) &&
            whole.find(option::kObserve) != nullptr) {
            const uint8_t denied = dm::check_access(data, path, detail::access::kRead);
            return denied != 0 ? denied : report::handle_observe(ctx, whole, path, response);
        }
#endif
        return dm::handle_request(whole, path, data, ctx.clock, response);
    };
    if (response_code == 0) {
        const Block1Result block1 = handle_block1(ctx, request, path, response);
        switch (block1.outcome) {
            case Block1Outcome::kNone:
                response_code = serve(request);
                break;
            case Block1Outcome::kComplete:
                response_code = serve(block1.assembled);
                add_final_block1_option(block1, response);
                break;
            case Block1Outcome::kContinue:
                response_code = block1.response_code;
                break;
            case Block1Outcome::kAnswered:
                response_code = block1.response_code;
                if (block1.acknowledge) {
                    response.add_uint_option(option::kBlock1, block1.block_value);
                }
                break;
        }
    }
    if (!bootstrapping && changes_values(request, path, response_code)) {
        // A value the server wrote counts as a change for the observations,
        // those of the other servers included.
        report::value_changed(ctx, path);
        report::value_changed_elsewhere(data, path);
    }
    if (response.overflow()) {
        LWM2M_LOG_ERROR("response to %u does not fit the %u-byte out buffer", request.message_id,
                        static_cast<unsigned>(sizeof(data.out_buffer)));
        start_response(ctx, request, response);
        response_code = code::kInternalServerError;
    }
    response.set_code(response_code);
    log_request(request, path, response_code);

    data.response_cache.store(cache_key(data, request), response.bytes(), ctx.now_ms,
                              exchange_lifetime_ms(data.config.coap));
    (void)send_datagram(ctx, response.bytes());
}

}  // namespace lwm2m::core
