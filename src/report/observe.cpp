#include "report/observe.hpp"

#include <cmath>
#include <cstring>

#include "dm/attributes.hpp"
#include "dm/data_model.hpp"
#include "dm/operations.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("obs");

namespace lwm2m::report {
namespace {

using coap::Message;
using coap::MessageWriter;
using coap::Type;
using detail::Observation;
namespace code = coap::code;
namespace option = coap::option;

// RFC 7641, 4.4: the Observe option carries a 24-bit sequence number.
constexpr uint32_t kSequenceMask = 0xFFFFFF;

// Delay before trying again a notification that could not go out.
constexpr uint32_t kSendRetryMs = 100;

Observation* find_by_token(detail::ClientData& data, std::span<const uint8_t> token) {
    for (Observation& observation : data.observations) {
        if (observation.active && observation.token_length == token.size() &&
            std::memcmp(observation.token, token.data(), token.size()) == 0) {
            return &observation;
        }
    }
    return nullptr;
}

Observation* free_slot(detail::ClientData& data) {
    for (Observation& observation : data.observations) {
        if (!observation.active) {
            return &observation;
        }
    }
    return nullptr;
}

uint8_t index_of(const detail::ClientData& data, const Observation& observation) {
    return static_cast<uint8_t>(&observation - data.observations);
}

void end_observation(detail::ClientData& data, Observation& observation) {
    if (data.pending_notification.active &&
        data.pending_notification.observation == index_of(data, observation)) {
        data.pending_notification.active = false;
    }
    observation = Observation();
}

// A numeric or boolean value as a double, for gt, lt, st and edge.
bool numeric_value(const Value& value, double& number) {
    switch (value.type) {
        case DataType::kInteger:
        case DataType::kTime:
            number = static_cast<double>(value.integer);
            return true;
        case DataType::kUnsignedInteger:
            number = static_cast<double>(value.unsigned_integer);
            return true;
        case DataType::kFloat:
            number = value.floating;
            return true;
        case DataType::kBoolean:
            number = value.boolean ? 1 : 0;
            return true;
        default:
            return false;
    }
}

// Reads the value of a single resource or resource instance.
bool read_single_value(detail::ClientData& data, const Path& path, Value& value) {
    if (path.length < 3) {
        return false;
    }
    Object* object = dm::find_object(data, path.ids[0]);
    if (object == nullptr) {
        return false;
    }
    const ResourceDefinition* resource = object->find_resource(path.ids[2]);
    if (resource == nullptr || (resource->multiple && path.length == 3)) {
        return false;
    }
    const uint16_t item = path.length == 4 ? path.ids[3] : kNoResourceInstance;
    return object->read(path.ids[1], path.ids[2], item, value) == Status::kOk;
}

bool has_value_attributes(const Attributes& attributes) {
    constexpr uint16_t kValueAttributes =
        Attributes::kGreaterThan | Attributes::kLessThan | Attributes::kStep | Attributes::kEdge;
    return (attributes.flags & kValueAttributes) != 0;
}

// True if `value` crossed `threshold` since `previous`, either way.
bool crossed(double previous, double value, double threshold) {
    return (previous > threshold) != (value > threshold);
}

// Looks at the current value of `observation` and decides whether it is to
// be notified (LwM2M Core 1.1, 5.1.2).
void evaluate(core::Context& ctx, Observation& observation) {
    const Attributes attributes = dm::effective_attributes(ctx.data, observation.path);
    observation.last_evaluation_ms = ctx.now_ms;
    observation.evaluation_due = false;
    Value value;
    double number = 0;
    if (!has_value_attributes(attributes) ||
        !read_single_value(ctx.data, observation.path, value) || !numeric_value(value, number)) {
        // Without gt, lt, st or edge, every change is notified.
        observation.changed = true;
        return;
    }
    bool met = false;
    if (observation.has_evaluated) {
        const double previous = observation.evaluated;
        met |= attributes.has(Attributes::kGreaterThan) &&
               crossed(previous, number, attributes.greater_than);
        met |= attributes.has(Attributes::kLessThan) &&
               crossed(previous, number, attributes.less_than);
        // Edge 1 notifies a change to true, edge 0 a change to false.
        met |= attributes.has(Attributes::kEdge) && previous != number && number == attributes.edge;
    }
    met |= attributes.has(Attributes::kStep) && observation.has_reported &&
           std::fabs(number - observation.reported) >= attributes.step;
    observation.evaluated = number;
    observation.has_evaluated = true;
    if (!met) {
        return;
    }
    observation.changed = true;
    if (observation.has_crossing) {
        // The first value waiting for pmin is kept, and the latest one goes next.
        observation.next_crossing = value;
        observation.has_next_crossing = true;
        return;
    }
    observation.crossing = value;
    observation.has_crossing = true;
}

// Records the value a notification carried, for st.
void record_reported(detail::ClientData& data, Observation& observation) {
    Value value;
    double number = 0;
    if (observation.has_crossing) {
        value = observation.crossing;
    } else if (!read_single_value(data, observation.path, value)) {
        return;
    }
    if (numeric_value(value, number)) {
        observation.reported = number;
        observation.has_reported = true;
        if (!observation.has_evaluated) {
            observation.evaluated = number;
            observation.has_evaluated = true;
        }
    }
}

uint32_t observation_sequence(const Observation& observation) {
    return observation.sequence & kSequenceMask;
}

bool is_confirmable(const detail::ClientData& data, const Attributes& attributes) {
    if (attributes.has(Attributes::kCon)) {
        return attributes.con == 1;
    }
    // Default Notification Mode (/1/0/26): 0 NON, 1 CON.
    return data.server.default_notification_mode == 1;
}

// Writes the notification of `observation` into the out buffer. Returns its
// code: 2.05, or an error that ends the observation.
uint8_t write_notification(detail::ClientData& data, Observation& observation, Type type,
                           uint16_t message_id, MessageWriter& writer) {
    writer.header(type, code::kEmpty, message_id, {observation.token, observation.token_length});
    writer.add_uint_option(option::kObserve, observation_sequence(observation));
    const uint8_t result =
        observation.has_crossing
            ? dm::encode_notification_value(observation.path, observation.crossing,
                                            observation.format, writer)
            : dm::read_notification(observation.path, observation.format, data, writer);
    if (result != code::kContent || writer.overflow()) {
        // RFC 7641, 3.2: an error response ends the observation; it has no Observe.
        writer.header(type, result == code::kContent ? code::kInternalServerError : result,
                      message_id, {observation.token, observation.token_length});
        return result == code::kContent ? code::kInternalServerError : result;
    }
    writer.set_code(code::kContent);
    return code::kContent;
}

}  // namespace

uint8_t handle_observe(core::Context& ctx, const Message& request, const Path& path,
                       MessageWriter& response) {
    detail::ClientData& data = ctx.data;
    uint32_t observe = 0;
    const bool valid = request.find_uint(option::kObserve, observe, 3);
    Observation* existing = find_by_token(data, request.token_view());
    if (valid && observe == 1 && existing != nullptr) {
        // RFC 7641, 3.6: a GET with Observe 1 ends the observation.
        LWM2M_LOG_INFO("observation ended by the server (message %u)", request.message_id);
        end_observation(data, *existing);
    }
    if (!valid || observe != 0 || path.length == 0) {
        return dm::handle_request(request, path, data, ctx.clock, response);
    }

    Observation* slot = existing != nullptr ? existing : free_slot(data);
    if (slot == nullptr) {
        // RFC 7641, 4.1: a server that cannot add an observer answers the GET
        // without Observe.
        LWM2M_LOG_WARNING("no room for another observation (LWM2M_MAX_OBSERVATIONS %u)",
                          static_cast<unsigned>(LWM2M_MAX_OBSERVATIONS));
        return dm::handle_request(request, path, data, ctx.clock, response);
    }
    const uint32_t sequence = data.next_observe_sequence;
    response.add_uint_option(option::kObserve, sequence & kSequenceMask);
    const uint8_t result = dm::handle_request(request, path, data, ctx.clock, response);
    if (result != code::kContent || response.overflow()) {
        // The response goes without Observe, and no observation is made.
        if (existing != nullptr) {
            end_observation(data, *existing);
        }
        core::start_response(ctx, request, response);
        return result == code::kContent
                   ? dm::handle_request(request, path, data, ctx.clock, response)
                   : result;
    }

    // The response is complete but for its code, which decode() needs.
    response.set_code(result);
    Message written;
    uint32_t format = 0;
    if (coap::decode(response.bytes(), written) != coap::DecodeResult::kOk ||
        !written.find_uint(option::kContentFormat, format, 2)) {
        format = coap::format::kTextPlain;
    }
    *slot = Observation();
    slot->active = true;
    slot->path = path;
    slot->token_length = request.token_length;
    std::memcpy(slot->token, request.token, request.token_length);
    slot->format = static_cast<uint16_t>(format);
    slot->sequence = sequence;
    data.next_observe_sequence = (sequence + 1) & kSequenceMask;
    slot->last_notify_ms = ctx.now_ms;
    slot->last_evaluation_ms = ctx.now_ms;
    slot->last_message_id = written.message_id;
    record_reported(data, *slot);
    LWM2M_LOG_INFO("observation %u added (%u in use)", static_cast<unsigned>(index_of(data, *slot)),
                   static_cast<unsigned>(observation_count(data)));
    return result;
}

bool handle_notification_reply(core::Context& ctx, uint16_t message_id, bool reset) {
    detail::ClientData& data = ctx.data;
    detail::PendingNotification& pending = data.pending_notification;
    if (!reset && pending.active && pending.message_id == message_id) {
        pending.active = false;
        return true;
    }
    if (!reset) {
        return false;
    }
    for (Observation& observation : data.observations) {
        if (observation.active && observation.last_message_id == message_id) {
            // RFC 7641, 3.6: the server rejected a notification and forgot the token.
            LWM2M_LOG_INFO("observation %u ended: notification %u rejected with RST",
                           static_cast<unsigned>(index_of(data, observation)), message_id);
            end_observation(data, observation);
            return true;
        }
    }
    return false;
}

void value_changed(core::Context& ctx, const Path& path) {
    for (Observation& observation : ctx.data.observations) {
        if (!observation.active ||
            !(observation.path.contains(path) || path.contains(observation.path))) {
            continue;
        }
        const Attributes attributes = dm::effective_attributes(ctx.data, observation.path);
        const uint64_t epmin_ms =
            attributes.has(Attributes::kEpmin) ? uint64_t{attributes.epmin_s} * 1000 : 0;
        if (ctx.now_ms < observation.last_evaluation_ms + epmin_ms) {
            observation.evaluation_due = true;
            continue;
        }
        evaluate(ctx, observation);
    }
}

void end_observations(detail::ClientData& data) {
    const uint8_t count = observation_count(data);
    if (count > 0) {
        LWM2M_LOG_INFO("%u observations ended with the registration", static_cast<unsigned>(count));
    }
    for (Observation& observation : data.observations) {
        observation = Observation();
    }
    data.pending_notification = {};
}

uint8_t observation_count(const detail::ClientData& data) {
    uint8_t count = 0;
    for (const Observation& observation : data.observations) {
        count += observation.active ? 1 : 0;
    }
    return count;
}

// Notifications ----------------------------------------------------------------

namespace {

struct Deadlines {
    uint64_t notify_ms = UINT64_MAX;
    uint64_t evaluate_ms = UINT64_MAX;
};

// When `observation` is next due for a notification and for an evaluation.
Deadlines deadlines_of(const detail::ClientData& data, const Observation& observation) {
    const Attributes attributes = dm::effective_attributes(data, observation.path);
    const uint64_t pmin_ms =
        attributes.has(Attributes::kPmin) ? uint64_t{attributes.pmin_s} * 1000 : 0;
    Deadlines deadlines;
    if (observation.changed) {
        deadlines.notify_ms = observation.last_notify_ms + pmin_ms;
    }
    // NOTE: a pmax of 0, or below pmin, is taken as no pmax.
    if (attributes.has(Attributes::kPmax) && attributes.pmax_s > 0 &&
        uint64_t{attributes.pmax_s} * 1000 >= pmin_ms) {
        const uint64_t pmax_at = observation.last_notify_ms + uint64_t{attributes.pmax_s} * 1000;
        deadlines.notify_ms = pmax_at < deadlines.notify_ms ? pmax_at : deadlines.notify_ms;
    }
    if (observation.evaluation_due) {
        const uint64_t epmin_ms =
            attributes.has(Attributes::kEpmin) ? uint64_t{attributes.epmin_s} * 1000 : 0;
        deadlines.evaluate_ms = observation.last_evaluation_ms + epmin_ms;
    }
    if (attributes.has(Attributes::kEpmax) && attributes.epmax_s > 0) {
        const uint64_t epmax_at =
            observation.last_evaluation_ms + uint64_t{attributes.epmax_s} * 1000;
        deadlines.evaluate_ms = epmax_at < deadlines.evaluate_ms ? epmax_at : deadlines.evaluate_ms;
    }
    return deadlines;
}

bool can_notify(const detail::ClientData& data) {
    return data.state == RegistrationState::kRegistered;
}

// Sends the notification of `observation`. Returns false if the transport
// cannot take it now.
bool send_notification(core::Context& ctx, Observation& observation) {
    detail::ClientData& data = ctx.data;
    if (core::ensure_online(ctx) != Status::kOk) {
        return false;
    }
    const Attributes attributes = dm::effective_attributes(data, observation.path);
    const bool confirmable = is_confirmable(data, attributes);
    if (confirmable && data.pending_notification.active) {
        // One confirmable notification at a time; this one waits for the ACK.
        return false;
    }
    observation.sequence = data.next_observe_sequence;
    data.next_observe_sequence = (data.next_observe_sequence + 1) & kSequenceMask;
    const uint16_t message_id = core::next_message_id(ctx);
    MessageWriter writer(data.out_buffer);
    const Type type = confirmable ? Type::kConfirmable : Type::kNonConfirmable;
    const uint8_t result = write_notification(data, observation, type, message_id, writer);
    const Status sent = core::send_datagram(ctx, writer.bytes());
    if (sent == Status::kWouldBlock) {
        return false;
    }
    data.last_exchange_ms = ctx.now_ms;
    if (result != code::kContent) {
        LWM2M_LOG_INFO("observation %u ended with %u.%02u",
                       static_cast<unsigned>(index_of(data, observation)), coap::code_class(result),
                       coap::code_detail(result));
        end_observation(data, observation);
        return true;
    }
    LWM2M_LOG_DEBUG("notification %lu of observation %u sent as message %u",
                    static_cast<unsigned long>(observation_sequence(observation)),
                    static_cast<unsigned>(index_of(data, observation)), message_id);
    record_reported(data, observation);
    observation.last_message_id = message_id;
    observation.last_notify_ms = ctx.now_ms;
    observation.changed = observation.has_next_crossing;
    observation.has_crossing = observation.has_next_crossing;
    observation.crossing = observation.next_crossing;
    observation.has_next_crossing = false;
    if (confirmable) {
        detail::PendingNotification& pending = data.pending_notification;
        pending.active = true;
        pending.observation = index_of(data, observation);
        pending.message_id = message_id;
        pending.retransmissions = 0;
        pending.timeout_ms = core::initial_ack_timeout_ms(ctx);
        pending.deadline_ms = ctx.now_ms + pending.timeout_ms;
    }
    return true;
}

// RFC 7641, 4.5: a confirmable notification is retransmitted like any CON;
// with no ACK after the last one, the server is taken to have lost interest.
void check_pending_notification(core::Context& ctx) {
    detail::ClientData& data = ctx.data;
    detail::PendingNotification& pending = data.pending_notification;
    if (!pending.active || ctx.now_ms < pending.deadline_ms) {
        return;
    }
    Observation& observation = data.observations[pending.observation];
    if (pending.retransmissions >= data.config.coap.max_retransmit) {
        LWM2M_LOG_WARNING("observation %u ended: confirmable notification %u not acknowledged",
                          static_cast<unsigned>(pending.observation), pending.message_id);
        end_observation(data, observation);
        return;
    }
    ++pending.retransmissions;
    pending.timeout_ms *= 2;
    pending.deadline_ms = ctx.now_ms + pending.timeout_ms;
    if (core::ensure_online(ctx) != Status::kOk) {
        return;
    }
    // The same message ID and Observe value; the body is the current value,
    // as RFC 7641, 4.5.2 allows.
    MessageWriter writer(data.out_buffer);
    (void)write_notification(data, observation, Type::kConfirmable, pending.message_id, writer);
    (void)core::send_datagram(ctx, writer.bytes());
    data.last_exchange_ms = ctx.now_ms;
}

}  // namespace

void step_notifications(core::Context& ctx) {
    detail::ClientData& data = ctx.data;
    check_pending_notification(ctx);
    if (!can_notify(data)) {
        return;
    }
    for (Observation& observation : data.observations) {
        if (!observation.active) {
            continue;
        }
        if (ctx.now_ms < observation.retry_at_ms) {
            continue;
        }
        Deadlines deadlines = deadlines_of(data, observation);
        if (ctx.now_ms >= deadlines.evaluate_ms) {
            evaluate(ctx, observation);
            deadlines = deadlines_of(data, observation);
        }
        if (ctx.now_ms >= deadlines.notify_ms && !send_notification(ctx, observation)) {
            observation.retry_at_ms = ctx.now_ms + kSendRetryMs;
        }
    }
}

uint64_t next_notification_ms(const detail::ClientData& data) {
    uint64_t next = UINT64_MAX;
    if (data.pending_notification.active) {
        next = data.pending_notification.deadline_ms;
    }
    if (!can_notify(data)) {
        return next;
    }
    for (const Observation& observation : data.observations) {
        if (!observation.active) {
            continue;
        }
        const Deadlines deadlines = deadlines_of(data, observation);
        uint64_t due = deadlines.notify_ms < deadlines.evaluate_ms ? deadlines.notify_ms
                                                                   : deadlines.evaluate_ms;
        due = observation.retry_at_ms > due ? observation.retry_at_ms : due;
        next = due < next ? due : next;
    }
    return next;
}

}  // namespace lwm2m::report
