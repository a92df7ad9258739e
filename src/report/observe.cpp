#include "report/observe.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dm/attributes.hpp"
#include "dm/data_model.hpp"
#include "dm/operations.hpp"
#include "lwm2m/log.hpp"
#include "report/notification_store.hpp"
#include "report/observations.hpp"

LWM2M_LOG_MODULE("obs");

#if LWM2M_WITH_OBSERVE

namespace lwm2m::report {
namespace {

using coap::Message;
using coap::MessageWriter;
using coap::Type;
using detail::Observation;
namespace code = coap::code;
namespace option = coap::option;

Observation* find_by_token(detail::ClientData& data, std::span<const uint8_t> token) {
    for (Observation& observation : data.observations) {
        if (owned(data, observation) && observation.token_length == token.size() &&
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

bool has_value_attributes(const Attributes& attributes) {
    constexpr uint16_t kValueAttributes =
        Attributes::kGreaterThan | Attributes::kLessThan | Attributes::kStep | Attributes::kEdge;
    return (attributes.flags & kValueAttributes) != 0;
}

// True if `value` crossed `threshold` since `previous`, either way.
bool crossed(double previous, double value, double threshold) {
    return (previous > threshold) != (value > threshold);
}

}  // namespace

void end_observation(detail::ClientData& data, Observation& observation) {
    const uint8_t index = index_of(data, observation);
    if (data.session->pending_notification.active &&
        data.session->pending_notification.observation == index) {
        data.session->pending_notification = {};
    }
    const uint32_t dropped = drop_stored(data.notification_store, index);
    if (dropped > 0) {
        LWM2M_LOG_WARNING("%lu stored notifications of observation %u dropped: it ended",
                          static_cast<unsigned long>(dropped), static_cast<unsigned>(index));
    }
    if (observation.composite >= 0) {
        data.composites[observation.composite].count = 0;
    }
    observation = Observation();
}

Attributes observation_attributes(const detail::ClientData& data, const Observation& observation) {
    Attributes attributes;
    if (observation.composite >= 0) {
        // The Server object's defaults only: attributes written on a path
        // apply to observations of that path.
        attributes = dm::effective_attributes(data, Path{});
    } else {
        attributes = dm::effective_attributes(data, observation.path);
    }
    dm::merge_attributes(observation.request_attributes, attributes);
    return attributes;
}

bool touches(const detail::ClientData& data, const Observation& observation, const Path& path) {
    if (observation.composite < 0) {
        return observation.path.contains(path) || path.contains(observation.path);
    }
    const detail::CompositePaths& composite = data.composites[observation.composite];
    for (uint8_t i = 0; i < composite.count; ++i) {
        if (composite.paths[i].contains(path) || path.contains(composite.paths[i])) {
            return true;
        }
    }
    return false;
}

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

void evaluate(core::Context& ctx, Observation& observation) {
    const Attributes attributes = observation_attributes(ctx.data, observation);
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

bool is_confirmable(const detail::ClientData& data, const Attributes& attributes) {
    if (attributes.has(Attributes::kCon)) {
        return attributes.con == 1;
    }
    // Default Notification Mode (/1/0/26): 0 NON, 1 CON.
    return data.session->server.default_notification_mode == 1;
}

bool sends_confirmable(const core::Context& ctx, const detail::Observation& observation,
                       const Attributes& attributes) {
    constexpr uint64_t kConfirmableIntervalMs = 24 * 3600 * 1000;
    return is_confirmable(ctx.data, attributes) ||
           ctx.now_ms - observation.last_confirmable_ms >= kConfirmableIntervalMs;
}

namespace {

int8_t free_composite(const detail::ClientData& data) {
    for (int8_t i = 0; i < LWM2M_MAX_COMPOSITE_OBSERVATIONS; ++i) {
        if (data.composites[i].count == 0) {
            return i;
        }
    }
    return -1;
}

// Reads the attributes of an Observe request (LwM2M 1.2) into `attributes`.
// Returns false for an invalid one. Older versions take none.
bool request_attributes(const detail::ClientData& data, const Message& request, const Path& path,
                        Attributes& attributes) {
    if (data.config.version != Lwm2mVersion::k1_2 || request.find(option::kUriQuery) == nullptr) {
        return true;
    }
    if (!dm::apply_attribute_queries(request, data.config.version, attributes)) {
        return false;
    }
    if (path.length == 0) {
        // An Observe-Composite takes only the attributes that are not about values.
        constexpr uint16_t kValueAttributes = Attributes::kGreaterThan | Attributes::kLessThan |
                                              Attributes::kStep | Attributes::kEdge;
        return (attributes.flags & kValueAttributes) == 0;
    }
    Object* object = dm::find_object(const_cast<detail::ClientData&>(data), path.ids[0]);
    return object != nullptr && dm::valid_attributes(attributes, path, *object);
}

}  // namespace

uint8_t handle_observe(core::Context& ctx, const Message& request, const Path& path,
                       MessageWriter& response) {
    detail::ClientData& data = ctx.data;
    uint32_t observe = 0;
    const bool valid = request.find_uint(option::kObserve, observe, 3);
    // Without LWM2M_WITH_COMPOSITE a FETCH goes to dm::handle_request(), which
    // does not allow it.
    const bool composite = LWM2M_WITH_COMPOSITE && request.code == code::kFetch;
    Observation* existing = find_by_token(data, request.token_view());
    if (valid && observe == 1 && existing != nullptr) {
        // RFC 7641, 3.6: a GET (or FETCH) with Observe 1 ends the observation.
        LWM2M_LOG_INFO("observation %u ended by the server (message %u)",
                       static_cast<unsigned>(index_of(data, *existing)), request.message_id);
        end_observation(data, *existing);
    }
    if (!valid || observe != 0 || (path.length == 0) != composite ||
        (!LWM2M_WITH_COMPOSITE && request.code == code::kFetch)) {
        return dm::handle_request(request, path, data, ctx.clock, response);
    }
    Attributes attributes;
    if (!request_attributes(data, request, path, attributes)) {
        return code::kBadRequest;
    }
    Path paths[dm::kMaxCompositePaths];
    uint8_t path_count = 0;
#if LWM2M_WITH_COMPOSITE
    if (composite) {
        uint32_t format = 0;
        const uint8_t parsed = dm::parse_composite_request(request, paths, path_count, format);
        if (parsed != 0) {
            return parsed;
        }
    }
#endif

    if (existing != nullptr) {
        // The same token again: the observation starts over (RFC 7641, 4.1).
        end_observation(data, *existing);
    }
    Observation* slot = free_slot(data);
    const int8_t composite_slot = composite ? free_composite(data) : -1;
    if (slot == nullptr || (composite && composite_slot < 0)) {
        // RFC 7641, 4.1: a server that cannot add an observer responds without Observe.
        LWM2M_LOG_WARNING("no room for another observation (%u in use)",
                          static_cast<unsigned>(observation_count(data)));
        return dm::handle_request(request, path, data, ctx.clock, response);
    }
    const uint32_t sequence = data.next_observe_sequence & kSequenceMask;
    response.add_uint_option(option::kObserve, sequence);
    const uint8_t result = dm::handle_request(request, path, data, ctx.clock, response);
    if (result != code::kContent || response.overflow()) {
        // The response goes without Observe, and no observation is made.
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
    slot->request_attributes = attributes;
    slot->session = data.session_index();
    slot->last_confirmable_ms = ctx.now_ms;
    if (composite) {
        slot->composite = composite_slot;
        detail::CompositePaths& stored = data.composites[composite_slot];
        std::copy(paths, paths + path_count, stored.paths);
        stored.count = path_count;
    }
    slot->token_length = request.token_length;
    std::memcpy(slot->token, request.token, request.token_length);
    slot->format = static_cast<uint16_t>(format);
    slot->sequence = take_sequence(data);
    slot->last_notify_ms = ctx.now_ms;
    slot->last_evaluation_ms = ctx.now_ms;
    // An RST refers to a message ID of the client's: that of a NON response,
    // not that of the server's CON, which the ACK echoes.
    slot->has_message_id = written.type == Type::kNonConfirmable;
    slot->last_message_id = written.message_id;
    record_reported(data, *slot);
    LWM2M_LOG_INFO("observation %u added (%u in use)", static_cast<unsigned>(index_of(data, *slot)),
                   static_cast<unsigned>(observation_count(data)));
    return result;
}

void value_changed(core::Context& ctx, const Path& path) {
    for (Observation& observation : ctx.data.observations) {
        if (!owned(ctx.data, observation) || !touches(ctx.data, observation, path)) {
            continue;
        }
        const Attributes attributes = observation_attributes(ctx.data, observation);
        const uint64_t epmin_ms =
            attributes.has(Attributes::kEpmin) ? uint64_t{attributes.epmin_s} * 1000 : 0;
        if (ctx.now_ms < observation.last_evaluation_ms + epmin_ms) {
            observation.evaluation_due = true;
            continue;
        }
        evaluate(ctx, observation);
    }
}

void value_changed_elsewhere(detail::ClientData& data, const Path& path) {
    for (Observation& observation : data.observations) {
        if (observation.active && observation.session != data.session_index() &&
            touches(data, observation, path)) {
            observation.evaluation_due = true;
        }
    }
}

void end_observations(detail::ClientData& data) {
    const uint8_t count = observation_count(data);
    if (count > 0) {
        LWM2M_LOG_INFO("%u observations ended with the registration", static_cast<unsigned>(count));
    }
    for (Observation& observation : data.observations) {
        if (owned(data, observation)) {
            end_observation(data, observation);
        }
    }
    data.session->pending_notification = {};
    // The server responded to the Register (or the registration ended), so a
    // probe from before no longer defers new notifications.
    data.session->reachability = {};
}

void server_answered(detail::ClientData& data) {
    if (data.session->reachability.unreachable) {
        LWM2M_LOG_INFO("server reachable again: it answered a request");
    }
    data.session->reachability = {};
}

uint8_t observation_count(const detail::ClientData& data) {
    uint8_t count = 0;
    for (const Observation& observation : data.observations) {
        if (owned(data, observation)) {
            ++count;
        }
    }
    return count;
}

}  // namespace lwm2m::report

#endif  // LWM2M_WITH_OBSERVE
