// Notifications (RFC 7641, 4): when they are due, NON or CON delivery with
// retransmission, and storing while the server cannot be reached ("Notification
// Storing When Disabled or Offline"), with delivery in order once it can.
#include "dm/attributes.hpp"
#include "dm/formats.hpp"
#include "dm/operations.hpp"
#include "io/payload_sink.hpp"
#include "lwm2m/log.hpp"
#include "report/notification_store.hpp"
#include "report/observations.hpp"
#include "report/observe.hpp"

LWM2M_LOG_MODULE("obs");

#if LWM2M_WITH_OBSERVE

namespace lwm2m::report {
namespace {

using coap::MessageWriter;
using coap::Type;
using detail::Observation;
namespace code = coap::code;
namespace option = coap::option;

// Delay before trying again a notification that could not go out.
constexpr uint32_t kSendRetryMs = 100;

uint64_t seconds_to_ms(uint32_t seconds) {
    return uint64_t{seconds} * 1000;
}

struct Deadlines {
    uint64_t notify_ms = UINT64_MAX;
    uint64_t evaluate_ms = UINT64_MAX;
};

// When `observation` is next due for a notification and for an evaluation.
Deadlines deadlines_of(const detail::ClientData& data, const Observation& observation) {
    const Attributes attributes = observation_attributes(data, observation);
    const uint64_t pmin_ms =
        attributes.has(Attributes::kPmin) ? seconds_to_ms(attributes.pmin_s) : 0;
    Deadlines deadlines;
    if (observation.changed) {
        deadlines.notify_ms = observation.last_notify_ms + pmin_ms;
    }
    // NOTE: a pmax of 0, or below pmin, is taken as no pmax.
    if (attributes.has(Attributes::kPmax) && attributes.pmax_s > 0 &&
        seconds_to_ms(attributes.pmax_s) >= pmin_ms) {
        const uint64_t pmax_at = observation.last_notify_ms + seconds_to_ms(attributes.pmax_s);
        deadlines.notify_ms = pmax_at < deadlines.notify_ms ? pmax_at : deadlines.notify_ms;
    }
    if (observation.evaluation_due) {
        const uint64_t epmin_ms =
            attributes.has(Attributes::kEpmin) ? seconds_to_ms(attributes.epmin_s) : 0;
        deadlines.evaluate_ms = observation.last_evaluation_ms + epmin_ms;
    }
    if (attributes.has(Attributes::kEpmax) && attributes.epmax_s > 0) {
        const uint64_t epmax_at =
            observation.last_evaluation_ms + seconds_to_ms(attributes.epmax_s);
        deadlines.evaluate_ms = epmax_at < deadlines.evaluate_ms ? epmax_at : deadlines.evaluate_ms;
    }
    return deadlines;
}

bool is_registered(const detail::ClientData& data) {
    return data.session->state == RegistrationState::kRegistered;
}

bool can_deliver(const detail::ClientData& data) {
    return is_registered(data) && !data.session->reachability.unreachable;
}

bool is_senml(uint16_t format) {
    return format == coap::format::kSenmlJson || format == coap::format::kSenmlCbor;
}

void write_header(MessageWriter& writer, Observation& observation, Type type, uint16_t message_id) {
    writer.header(type, code::kEmpty, message_id, {observation.token, observation.token_length});
    writer.add_uint_option(option::kObserve, observation.sequence & kSequenceMask);
}

// Writes the current values of `observation` as the body of a notification.
uint8_t read_observed(detail::ClientData& data, const Observation& observation,
                      MessageWriter& writer) {
#if LWM2M_WITH_COMPOSITE
    if (observation.composite >= 0) {
        const detail::CompositePaths& composite = data.composites[observation.composite];
        const coap::Message no_block_request;
        return dm::read_paths(no_block_request, {composite.paths, composite.count},
                              observation.format, data, writer);
    }
#endif
    return dm::read_notification(observation.path, observation.format, data, writer);
}

// Writes the notification of `observation` with its current value, or the
// value that met a threshold. Returns 2.05, or an error that ends the
// observation.
uint8_t write_notification(detail::ClientData& data, Observation& observation, Type type,
                           uint16_t message_id, MessageWriter& writer) {
    write_header(writer, observation, type, message_id);
    const uint8_t result = observation.has_crossing ? dm::encode_notification_value(
                                                          observation.path, observation.crossing,
                                                          observation.format, writer)
                                                    : read_observed(data, observation, writer);
    if (result != code::kContent || writer.overflow()) {
        // RFC 7641, 3.2: an error response ends the observation; it has no Observe.
        const uint8_t error = result == code::kContent ? code::kInternalServerError : result;
        writer.header(type, error, message_id, {observation.token, observation.token_length});
        return error;
    }
    writer.set_code(code::kContent);
    return code::kContent;
}

// Writes a notification with stored values of `observation`. Returns false if
// they do not fit one message.
bool write_stored_notification(Observation& observation, Type type, uint16_t message_id,
                               const StoredRecords& records, MessageWriter& writer) {
    write_header(writer, observation, type, message_id);
    writer.add_uint_option(option::kContentFormat, observation.format);
    const io::EncodeFunction encode = dm::find_encoder(observation.format);
    const io::RecordSource source = record_source(records);
    io::PayloadSink sink(writer.free_space(1), 0);
    if (encode == nullptr || encode(observation.path, source, sink) != Status::kOk ||
        sink.overflowed()) {
        return false;
    }
    writer.append_payload(sink.kept());
    writer.set_code(code::kContent);
    return true;
}

void start_pending(core::Context& ctx, Observation& observation, uint16_t message_id,
                   const StoredRecords* records) {
    detail::PendingNotification& pending = ctx.data.session->pending_notification;
    pending = {};
    pending.active = true;
    pending.observation = index_of(ctx.data, observation);
    pending.message_id = message_id;
    if (records != nullptr) {
        pending.stored_count = static_cast<uint16_t>(records->count);
        pending.first_snapshot_only = records->first_snapshot_only;
    }
    pending.timeout_ms = core::initial_ack_timeout_ms(ctx);
    pending.deadline_ms = ctx.now_ms + pending.timeout_ms;
}

int64_t device_time_s(core::Context& ctx) {
    return ctx.clock.real_time_s() + ctx.data.device.time_offset_s;
}

struct SnapshotWriter {
    detail::ClientData* data;
    uint8_t observation;
    uint8_t snapshot;
    int64_t timestamp_s;
    size_t stored_count;
};

bool store_visited(void* context, const io::OutputRecord& record) {
    auto& writer = *static_cast<SnapshotWriter*>(context);
    const bool stored = store_record(writer.data->notification_store, writer.observation,
                                     writer.snapshot, writer.timestamp_s, record);
    writer.stored_count += stored ? 1 : 0;
    return stored;
}

// Stores the notification that `observation` has due, with the current time.
// Returns false if it stored no value, because the first one was too long
// for the store or the read failed.
bool store_snapshot(core::Context& ctx, Observation& observation) {
    detail::ClientData& data = ctx.data;
    const Attributes attributes = observation_attributes(data, observation);
    const uint32_t max_snapshots = attributes.has(Attributes::kHqmax) ? attributes.hqmax : 0;
    SnapshotWriter writer{&data, index_of(data, observation), 0, device_time_s(ctx), 0};
    writer.snapshot = begin_snapshot(data.notification_store, writer.observation, max_snapshots);
    if (observation.has_crossing) {
        io::OutputRecord record;
        record.path = observation.path;
        record.value = observation.crossing;
        (void)store_visited(&writer, record);
    } else if (observation.composite < 0) {
        (void)dm::visit_values(data, observation.path, store_visited, &writer);
    } else {
        const detail::CompositePaths& composite = data.composites[observation.composite];
        for (uint8_t i = 0; i < composite.count; ++i) {
            (void)dm::visit_values(data, composite.paths[i], store_visited, &writer);
        }
    }
    if (writer.stored_count == 0) {
        return false;
    }
    LWM2M_LOG_DEBUG("notification of observation %u stored (%lu bytes in use)",
                    static_cast<unsigned>(writer.observation),
                    static_cast<unsigned long>(data.notification_store.used));
    return true;
}

// The notification went or was stored: the next one counts from now.
void mark_notified(Observation& observation, uint64_t now_ms) {
    observation.last_notify_ms = now_ms;
    observation.changed = observation.has_next_crossing;
    observation.has_crossing = observation.has_next_crossing;
    observation.crossing = observation.next_crossing;
    observation.has_next_crossing = false;
}

// Defers notifications until the server replies to a CoAP ping.
void mark_unreachable(core::Context& ctx, const char* reason) {
    detail::ServerReachability& reachability = ctx.data.session->reachability;
    if (!reachability.unreachable) {
        LWM2M_LOG_WARNING("server unreachable for notifications: %s; %s", reason,
                          ctx.data.session->server.notification_storing
                              ? "storing them"
                              : "keeping the latest values");
    }
    reachability.unreachable = true;
    reachability.probe_sent = false;
    reachability.probe_interval_ms = core::initial_ack_timeout_ms(ctx);
    reachability.probe_at_ms = ctx.now_ms + reachability.probe_interval_ms;
}

// Holds back a notification that cannot go now: stored if Notification
// Storing is on, else only marked so that the latest value goes later.
void hold_notification(core::Context& ctx, Observation& observation) {
    if (ctx.data.session->server.notification_storing) {
        if (store_snapshot(ctx, observation)) {
            mark_notified(observation, ctx.now_ms);
            return;
        }
        // A value too long for the store goes later as the latest one. Storing
        // is tried again at the next probe, not at every step.
        // NOTE: a snapshot of several values keeps those stored before one
        // that does not fit, and the latest values are not sent for it.
        observation.retry_at_ms = ctx.data.session->reachability.probe_at_ms;
    }
    observation.changed = true;
}

// Schedules the next probe, backing off up to the Communication Retry Timer
// (/1/0/18).
void back_off_probe(core::Context& ctx) {
    detail::ServerReachability& reachability = ctx.data.session->reachability;
    const uint64_t limit = seconds_to_ms(ctx.data.session->retry.retry_timer_s);
    const uint64_t doubled = uint64_t{reachability.probe_interval_ms} * 2;
    reachability.probe_interval_ms =
        static_cast<uint32_t>(doubled < limit ? doubled : (limit > 0 ? limit : doubled));
    reachability.probe_at_ms = ctx.now_ms + reachability.probe_interval_ms;
}

// Sends a CoAP ping when the next probe is due; any reply makes the server
// reachable again (handle_notification_reply()).
void probe_server(core::Context& ctx) {
    detail::ServerReachability& reachability = ctx.data.session->reachability;
    if (ctx.now_ms < reachability.probe_at_ms) {
        return;
    }
    const Status online = core::ensure_online(ctx);
    if (online == Status::kInProgress || online == Status::kWouldBlock) {
        reachability.probe_at_ms = ctx.now_ms + kSendRetryMs;
        return;
    }
    if (online != Status::kOk) {
        // No connection counts as a probe without reply.
        back_off_probe(ctx);
        return;
    }
    reachability.probe_message_id = core::next_message_id(ctx);
    if (!reachability.probe_sent) {
        reachability.first_probe_message_id = reachability.probe_message_id;
    }
    reachability.probe_sent = true;
    core::send_empty(ctx, Type::kConfirmable, reachability.probe_message_id);
    // In Queue Mode, the client stays online for the reply.
    ctx.data.session->last_exchange_ms = ctx.now_ms;
    back_off_probe(ctx);
    LWM2M_LOG_DEBUG("CoAP ping %u sent to probe the server", reachability.probe_message_id);
}

// Sends the notification of `observation`. Returns false if it cannot go now.
bool send_notification(core::Context& ctx, Observation& observation) {
    detail::ClientData& data = ctx.data;
    const Attributes attributes = observation_attributes(data, observation);
    const bool confirmable = sends_confirmable(ctx, observation, attributes);
    if (confirmable && data.session->pending_notification.active) {
        // One confirmable notification at a time; this one waits for the ACK.
        return false;
    }
    const Status online = core::ensure_online(ctx);
    if (online == Status::kInProgress || online == Status::kWouldBlock) {
        return false;
    }
    if (online != Status::kOk) {
        mark_unreachable(ctx, "no connection");
        hold_notification(ctx, observation);
        return true;
    }
    observation.sequence = take_sequence(data);
    const uint16_t message_id = core::next_message_id(ctx);
    MessageWriter writer(data.out_buffer);
    const Type type = confirmable ? Type::kConfirmable : Type::kNonConfirmable;
    const uint8_t result = write_notification(data, observation, type, message_id, writer);
    if (core::send_datagram(ctx, writer.bytes()) == Status::kWouldBlock) {
        return false;
    }
    data.session->last_exchange_ms = ctx.now_ms;
    if (result != code::kContent) {
        LWM2M_LOG_INFO("observation %u ended with %u.%02u",
                       static_cast<unsigned>(index_of(data, observation)), coap::code_class(result),
                       coap::code_detail(result));
        end_observation(data, observation);
        return true;
    }
    LWM2M_LOG_DEBUG("notification %lu of observation %u sent as message %u",
                    static_cast<unsigned long>(observation.sequence),
                    static_cast<unsigned>(index_of(data, observation)), message_id);
    record_reported(data, observation);
    observation.last_message_id = message_id;
    observation.has_message_id = true;
    mark_notified(observation, ctx.now_ms);
    if (confirmable) {
        start_pending(ctx, observation, message_id, nullptr);
    }
    return true;
}

// Sends the stored values of the observation that has the oldest one: all of
// them in one SenML notification with their times, or the oldest snapshot
// alone in other formats. Returns false if nothing more can go now.
bool send_stored(core::Context& ctx) {
    detail::ClientData& data = ctx.data;
    if (data.notification_store.used == 0) {
        return false;  // the common case, checked before any scan
    }
    const int index = oldest_stored_observation(data.notification_store, owned_mask(data));
    if (index < 0 || data.session->pending_notification.active) {
        return false;
    }
    Observation& observation = data.observations[index];
    if (ctx.now_ms < observation.retry_at_ms) {
        return false;
    }
    const Attributes attributes = observation_attributes(data, observation);
    const bool confirmable = sends_confirmable(ctx, observation, attributes);
    const Status online = core::ensure_online(ctx);
    if (online == Status::kInProgress || online == Status::kWouldBlock) {
        observation.retry_at_ms = ctx.now_ms + kSendRetryMs;
        return false;
    }
    if (online != Status::kOk) {
        mark_unreachable(ctx, "no connection");
        return false;
    }
    observation.sequence = take_sequence(data);
    const uint16_t message_id = core::next_message_id(ctx);
    const Type type = confirmable ? Type::kConfirmable : Type::kNonConfirmable;
    MessageWriter writer(data.out_buffer);
    StoredRecords records = stored_records(data.notification_store, static_cast<uint8_t>(index),
                                           !is_senml(observation.format));
    if (!write_stored_notification(observation, type, message_id, records, writer)) {
        // Too long for one message with every time: the oldest alone.
        records = stored_records(data.notification_store, static_cast<uint8_t>(index), true);
        if (!write_stored_notification(observation, type, message_id, records, writer)) {
            LWM2M_LOG_WARNING("stored notification of observation %d does not fit a message",
                              index);
            remove_stored(data.notification_store, records);
            ++data.notification_store.dropped;
            return true;
        }
    }
    if (core::send_datagram(ctx, writer.bytes()) == Status::kWouldBlock) {
        observation.retry_at_ms = ctx.now_ms + kSendRetryMs;
        return false;
    }
    LWM2M_LOG_INFO("%lu stored values of observation %d sent as message %u",
                   static_cast<unsigned long>(records.count), index, message_id);
    data.session->last_exchange_ms = ctx.now_ms;
    observation.last_message_id = message_id;
    observation.has_message_id = true;
    observation.last_notify_ms = ctx.now_ms;
    if (confirmable) {
        // Removed from the store once acknowledged.
        start_pending(ctx, observation, message_id, &records);
    } else {
        remove_stored(data.notification_store, records);
    }
    return true;
}

// RFC 7641, 4.5: a confirmable notification is retransmitted like any CON.
// With no ACK after the last one, the server is taken as unreachable and the
// notification is kept (or, with storing off, its latest value).
void check_pending_notification(core::Context& ctx) {
    detail::ClientData& data = ctx.data;
    detail::PendingNotification& pending = data.session->pending_notification;
    if (!pending.active || ctx.now_ms < pending.deadline_ms) {
        return;
    }
    Observation& observation = data.observations[pending.observation];
    if (pending.retransmissions >= data.config.coap.max_retransmit) {
        LWM2M_LOG_WARNING("confirmable notification %u of observation %u not acknowledged",
                          pending.message_id, static_cast<unsigned>(pending.observation));
        const bool carried_stored = pending.stored_count > 0;
        pending = {};
        mark_unreachable(ctx, "no ACK to a confirmable notification");
        if (!carried_stored) {
            hold_notification(ctx, observation);
        }
        return;
    }
    ++pending.retransmissions;
    pending.timeout_ms *= 2;
    pending.deadline_ms = ctx.now_ms + pending.timeout_ms;
    if (core::ensure_online(ctx) != Status::kOk) {
        return;
    }
    // The same message ID and Observe value. A notification of the current
    // value carries it as it is now, which RFC 7641, 4.5.2 allows.
    MessageWriter writer(data.out_buffer);
    if (pending.stored_count > 0) {
        StoredRecords records = stored_records(data.notification_store, pending.observation,
                                               pending.first_snapshot_only);
        records.count = records.count < pending.stored_count ? records.count : pending.stored_count;
        if (!write_stored_notification(observation, Type::kConfirmable, pending.message_id, records,
                                       writer)) {
            return;
        }
    } else {
        (void)write_notification(data, observation, Type::kConfirmable, pending.message_id, writer);
    }
    (void)core::send_datagram(ctx, writer.bytes());
    data.session->last_exchange_ms = ctx.now_ms;
}

// True if `message_id` is that of a probe since the server became
// unreachable. Between two probes, only the client's own requests take
// message IDs, and a reply to one of them also comes from the server.
bool is_probe_reply(const detail::ServerReachability& reachability, uint16_t message_id) {
    const auto offset = static_cast<uint16_t>(message_id - reachability.first_probe_message_id);
    const auto span =
        static_cast<uint16_t>(reachability.probe_message_id - reachability.first_probe_message_id);
    return reachability.probe_sent && offset <= span;
}

}  // namespace

bool handle_notification_reply(core::Context& ctx, uint16_t message_id, bool reset) {
    detail::ClientData& data = ctx.data;
    detail::ServerReachability& reachability = data.session->reachability;
    if (is_probe_reply(reachability, message_id)) {
        // RFC 7252, 4.3: a CoAP ping gets an RST, which is all a probe needs.
        LWM2M_LOG_INFO("server reachable again, %lu bytes of stored notifications to send",
                       static_cast<unsigned long>(data.notification_store.used));
        reachability = {};
        // Notifications held until the next probe may go now.
        for (Observation& observation : data.observations) {
            if (owned(data, observation)) {
                observation.retry_at_ms = 0;
            }
        }
        return true;
    }
    detail::PendingNotification& pending = data.session->pending_notification;
    if (!reset && pending.active && pending.message_id == message_id) {
        if (pending.stored_count > 0) {
            // Exactly the values it carried: more may have been stored since.
            StoredRecords records = stored_records(data.notification_store, pending.observation,
                                                   pending.first_snapshot_only);
            records.count =
                records.count < pending.stored_count ? records.count : pending.stored_count;
            remove_stored(data.notification_store, records);
        }
        // The observer is still there: the next 24 hours may go NON.
        data.observations[pending.observation].last_confirmable_ms = ctx.now_ms;
        pending = {};
        // Notifications that waited for this ACK may go now.
        for (Observation& observation : data.observations) {
            if (owned(data, observation)) {
                observation.retry_at_ms = 0;
            }
        }
        return true;
    }
    if (!reset) {
        return false;
    }
    for (Observation& observation : data.observations) {
        if (owned(data, observation) && observation.has_message_id &&
            observation.last_message_id == message_id) {
            // RFC 7641, 3.6: the server rejected a notification and forgot the token.
            LWM2M_LOG_INFO("observation %u ended: notification %u rejected with RST",
                           static_cast<unsigned>(index_of(data, observation)), message_id);
            end_observation(data, observation);
            return true;
        }
    }
    return false;
}

void step_notifications(core::Context& ctx) {
    detail::ClientData& data = ctx.data;
    check_pending_notification(ctx);
    if (!is_registered(data)) {
        // NOTE: while not registered, due notifications wait; a new Register
        // ends the observations and drops what they stored.
        return;
    }
    if (data.session->reachability.unreachable) {
        probe_server(ctx);
    }
    // Each call sends or drops stored values, or returns false.
    while (can_deliver(data) && send_stored(ctx)) {
    }
    for (Observation& observation : data.observations) {
        if (!owned(data, observation) || ctx.now_ms < observation.retry_at_ms) {
            continue;
        }
        Deadlines deadlines = deadlines_of(data, observation);
        if (ctx.now_ms >= deadlines.evaluate_ms) {
            evaluate(ctx, observation);
            deadlines = deadlines_of(data, observation);
        }
        if (ctx.now_ms < deadlines.notify_ms) {
            continue;
        }
        if (data.session->reachability.unreachable) {
            hold_notification(ctx, observation);
            continue;
        }
        if (data.session->pending_notification.active &&
            (has_stored(data.notification_store, index_of(data, observation)) ||
             sends_confirmable(ctx, observation, observation_attributes(data, observation)))) {
            // Behind a confirmable notification: older values go first, and
            // one CON at a time. The ACK or the timeout lets it go.
            observation.retry_at_ms = data.session->pending_notification.deadline_ms;
            continue;
        }
        if (!send_notification(ctx, observation)) {
            observation.retry_at_ms = ctx.now_ms + kSendRetryMs;
        }
    }
}

uint64_t next_notification_ms(const detail::ClientData& data) {
    uint64_t next = UINT64_MAX;
    if (data.session->pending_notification.active) {
        next = data.session->pending_notification.deadline_ms;
    }
    if (!is_registered(data)) {
        return next;
    }
    if (data.session->reachability.unreachable) {
        const uint64_t probe = data.session->reachability.probe_at_ms;
        next = probe < next ? probe : next;
        if (!data.session->server.notification_storing) {
            // Changes wait for the server, and only the probe wakes the client.
            return next;
        }
    } else if (!data.session->pending_notification.active && data.notification_store.used > 0) {
        // Stored values go first, once a send that could not go may be retried.
        const int oldest = oldest_stored_observation(data.notification_store, owned_mask(data));
        if (oldest >= 0) {
            const uint64_t retry = data.observations[oldest].retry_at_ms;
            next = retry < next ? retry : next;
        }
    }
    for (const Observation& observation : data.observations) {
        if (!owned(data, observation)) {
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

#endif  // LWM2M_WITH_OBSERVE
