#include "report/send.hpp"

#include "core/outgoing_block1.hpp"
#include "dm/formats.hpp"
#include "dm/operations.hpp"
#include "dm/read_source.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("send");

#if LWM2M_WITH_SEND

namespace lwm2m::report {
namespace {

using detail::ClientData;
using detail::PendingRequest;
using detail::SendState;
namespace code = coap::code;
namespace option = coap::option;

// The Security object contains keys and is reserved to the Bootstrap-Server.
constexpr uint16_t kSecurityObject = 0;

uint16_t content_format(SendFormat format) {
    return format == SendFormat::kSenmlJson ? coap::format::kSenmlJson : coap::format::kSenmlCbor;
}

Object* find_object(const ClientData& data, uint16_t object_id) {
    for (uint8_t i = 0; i < data.object_count; ++i) {
        if (data.objects[i]->id() == object_id) {
            return data.objects[i];
        }
    }
    return nullptr;
}

// The values of a Send, each record stamped with the Send's time.
struct TimedSource {
    const dm::ReadSource* values;
    int64_t timestamp_s;
};

bool get_timed_value(const void* context, size_t index, io::OutputRecord& record) {
    const auto& timed = *static_cast<const TimedSource*>(context);
    if (!dm::get_value(timed.values, index, record)) {
        return false;
    }
    record.timestamp_s = timed.timestamp_s;
    return true;
}

// Encodes the values of the paths of `send` into `sink` and sets `count` to
// the number of records. Errors: the first failed Object::read(), or the
// encoder's error (kInvalidArgument for a value the format cannot carry).
Status encode_payload(const ClientData& data, const SendState& send, io::PayloadSink& sink,
                      size_t& count) {
    dm::ReadSource values;
    for (uint8_t i = 0; i < send.path_count; ++i) {
        // An object removed since send() is left out.
        Object* object = find_object(data, send.paths[i].ids[0]);
        if (object != nullptr) {
            values.targets[values.target_count++] = {object, send.paths[i]};
        }
    }
    count = dm::count_values(values);
    if (values.error != Status::kOk) {
        return values.error;
    }
    const TimedSource timed{&values, send.timestamp_s};
    const io::RecordSource records{count, &timed, get_timed_value};
    const Status status = dm::find_encoder(send.format)(Path{}, records, sink);
    return values.error != Status::kOk ? values.error : status;
}

// The PayloadSource of the Send in flight; it reads the values again on
// every call.
// NOTE: a value that changes between two blocks of a Block1 Send changes the
// later blocks, so the server may assemble a payload it cannot decode. A
// read that fails after send() checked it leaves the payload cut short.
void write_payload(const ClientData& data, io::PayloadSink& sink) {
    size_t count = 0;
    (void)encode_payload(data, data.send, sink, count);
}

// Checks that every path names an existing object, instance, resource or
// resource instance outside the Security object.
Status check_paths(ClientData& data, std::span<const Path> paths) {
    for (const Path& path : paths) {
        if (path.length == 0 || path.length > 4 || path.ids[0] == kSecurityObject) {
            LWM2M_LOG_WARNING("Send rejected: path of length %u in object %u cannot be sent",
                              path.length, path.ids[0]);
            return Status::kInvalidArgument;
        }
        const Object* object = dm::find_object(data, path.ids[0]);
        if (object == nullptr || dm::check_target(path, *object) != 0) {
            LWM2M_LOG_WARNING("Send rejected: /%u/%u/%u/%u (length %u) not found", path.ids[0],
                              path.ids[1], path.ids[2], path.ids[3], path.length);
            return Status::kNotFound;
        }
    }
    return Status::kOk;
}

// Ends the Send and passes its outcome to the application. The state is
// cleared first, so that the callback can start the next Send.
void finish(ClientData& data, SendResult result, uint8_t response_code) {
    const SendCallback callback = data.send.callback;
    void* const context = data.send.context;
    data.send = {};
    if (callback != nullptr) {
        callback(context, result, response_code);
    }
}

void start_request(core::Context& ctx) {
    ClientData& data = ctx.data;
    PendingRequest& pending = data.session->pending;
    pending = {};
    pending.kind = PendingRequest::Kind::kSend;
    core::renew_exchange(ctx);
    pending.sent_ms = ctx.now_ms;
    data.send.queued = false;
    data.send.timestamp_s = ctx.clock.real_time_s();
    LWM2M_LOG_INFO("Send of %u path%s to /dp from local port %u (message %u)", data.send.path_count,
                   data.send.path_count == 1 ? "" : "s", ctx.transport.local_port(),
                   pending.message_id);
    const std::span<const uint8_t> bytes = core::encode_pending_request(ctx);
    data.session->last_exchange_ms = ctx.now_ms;
    // Empty bytes (the request does not fit) fail the Send through fail_send().
    core::send_pending_bytes(ctx, bytes);
}

}  // namespace

Status queue_send(ClientData& data, std::span<const Path> paths, SendFormat format,
                  SendCallback callback, void* context) {
    if (data.session->state != RegistrationState::kRegistered) {
        LWM2M_LOG_WARNING("Send rejected: not registered");
        return Status::kInvalidState;
    }
    if (data.send.queued || data.session->pending.kind == PendingRequest::Kind::kSend) {
        LWM2M_LOG_WARNING("Send rejected: another Send has not ended yet");
        return Status::kInvalidState;
    }
    if (data.session->server.mute_send) {
        LWM2M_LOG_WARNING("Send rejected: the server has set Mute Send (/1/0/23)");
        return Status::kUnsupported;
    }
    if (paths.empty()) {
        return Status::kInvalidArgument;
    }
    if (paths.size() > LWM2M_MAX_SEND_PATHS) {
        LWM2M_LOG_WARNING("Send rejected: %u paths, LWM2M_MAX_SEND_PATHS is %u",
                          static_cast<unsigned>(paths.size()), LWM2M_MAX_SEND_PATHS);
        return Status::kNoSpace;
    }
    const Status checked = check_paths(data, paths);
    if (checked != Status::kOk) {
        return checked;
    }

    SendState send;
    for (const Path& path : paths) {
        send.paths[send.path_count++] = path;
    }
    send.format = content_format(format);
    if (dm::find_encoder(send.format) == nullptr) {
        LWM2M_LOG_WARNING("Send rejected: SenML JSON is not built in (LWM2M_WITH_JSON)");
        return Status::kUnsupported;
    }
    // Encode once without keeping bytes, so that a read or encoding failure
    // reaches the caller now, not the server later as a broken payload.
    io::PayloadSink measure({}, 0);
    size_t count = 0;
    const Status encoded = encode_payload(data, send, measure, count);
    if (encoded != Status::kOk) {
        LWM2M_LOG_WARNING("Send rejected: reading or encoding the values failed: %s",
                          to_string(encoded));
        return encoded;
    }
    if (count == 0) {
        LWM2M_LOG_WARNING("Send rejected: the paths have no readable value");
        return Status::kNotFound;
    }
    send.queued = true;
    send.callback = callback;
    send.context = context;
    data.send = send;
    LWM2M_LOG_DEBUG("Send of %u values (%lu bytes) queued", static_cast<unsigned>(count),
                    static_cast<unsigned long>(measure.total()));
    return Status::kOk;
}

void step_send(core::Context& ctx) {
    ClientData& data = ctx.data;
    if (!data.send.queued) {
        return;
    }
    switch (data.session->state) {
        case RegistrationState::kRegistered:
            break;
        case RegistrationState::kDeregistering:
        case RegistrationState::kDeregistered:
            LWM2M_LOG_WARNING("Send dropped: the client de-registered");
            finish(data, SendResult::kDeregistered, 0);
            return;
        default:
            LWM2M_LOG_WARNING("Send dropped: the registration was lost");
            finish(data, SendResult::kNotRegistered, 0);
            return;
    }

    if (data.session->deregister_requested || data.session->disable_requested) {
        LWM2M_LOG_WARNING("Send dropped: the client is de-registering");
        finish(data, SendResult::kDeregistered, 0);
        return;
    }

    // retry_at_ms holds back a new request while a connect is in progress.
    if (data.session->pending.kind != PendingRequest::Kind::kNone ||
        ctx.now_ms < data.session->retry_at_ms) {
        return;
    }
    if (data.session->server.mute_send) {
        LWM2M_LOG_WARNING("Send dropped: the server has set Mute Send (/1/0/23)");
        finish(data, SendResult::kMuted, 0);
        return;
    }

    // In Queue Mode this wakes the client on its last local port; the POST
    // goes directly, with no Update before it (LwM2M Core 1.1, 6.5).
    const Status online = core::ensure_online(ctx);
    if (online == Status::kInProgress || online == Status::kWouldBlock) {
        return;
    }
    if (online != Status::kOk) {
        LWM2M_LOG_WARNING("Send failed: cannot reach %s:%u: %s", data.session->host,
                          data.session->port, to_string(online));
        finish(data, SendResult::kFailed, 0);
        return;
    }
    start_request(ctx);
}

uint64_t next_send_event_ms(const ClientData& data) {
    if (!data.send.queued) {
        return UINT64_MAX;
    }
    if (data.session->state != RegistrationState::kRegistered ||
        data.session->deregister_requested || data.session->disable_requested) {
        return 0;
    }
    // The pending request's own deadline covers the wait for it to end.
    return data.session->pending.kind == PendingRequest::Kind::kNone ? data.session->retry_at_ms
                                                                     : UINT64_MAX;
}

bool write_send_request(core::Context& ctx, coap::MessageWriter& writer) {
    const PendingRequest& pending = ctx.data.session->pending;
    writer.header(coap::Type::kConfirmable, code::kPost, pending.message_id, pending.token);
    writer.add_option(option::kUriPath, "dp");
    writer.add_uint_option(option::kContentFormat, ctx.data.send.format);
    return core::append_request_payload(ctx, writer, write_payload);
}

void complete_send(core::Context& ctx, const coap::Message& response) {
    if (coap::code_class(response.code) == 2) {
        LWM2M_LOG_INFO("Send accepted with %u.%02u", coap::code_class(response.code),
                       coap::code_detail(response.code));
    } else {
        LWM2M_LOG_WARNING("Send rejected by the server with %u.%02u",
                          coap::code_class(response.code), coap::code_detail(response.code));
    }
    finish(ctx.data, SendResult::kResponse, response.code);
}

void fail_send(core::Context& ctx, core::RequestFailure failure) {
    // fail_pending_request() has logged the reason.
    switch (failure) {
        case core::RequestFailure::kTimeout:
            finish(ctx.data, SendResult::kTimedOut, 0);
            return;
        case core::RequestFailure::kReset:
            finish(ctx.data, SendResult::kReset, 0);
            return;
        case core::RequestFailure::kOther:
            finish(ctx.data, SendResult::kFailed, 0);
            return;
    }
}

}  // namespace lwm2m::report

#endif  // LWM2M_WITH_SEND
