#include "lwm2m/client.hpp"

#include <cstring>

#include "core/account.hpp"
#include "core/block1.hpp"
#include "core/bootstrap.hpp"
#include "core/context.hpp"
#include "dm/attributes.hpp"
#include "dm/data_model.hpp"
#include "lwm2m/detail/object_task.hpp"
#include "lwm2m/log.hpp"
#include "persist/client_state.hpp"
#include "persist/state_store.hpp"
#include "report/observe.hpp"
#include "report/send.hpp"

LWM2M_LOG_MODULE("client");

namespace lwm2m {
namespace {

bool copy_string(const char* text, std::span<char> out) {
    const size_t length = std::strlen(text);
    if (length >= out.size()) {
        return false;
    }
    std::memcpy(out.data(), text, length + 1);
    return true;
}

// Upper bounds on the CoAP parameters keep every timeout, doubled
// MAX_RETRANSMIT times, within 32 bits: 300 s * 4 * 2^8 < 2^32 ms.
constexpr uint32_t kMaxAckTimeoutMs = 300000;
constexpr uint16_t kMaxAckRandomFactorPercent = 400;
constexpr uint8_t kMaxRetransmit = 8;

// Returns a description of the first invalid setting, or nullptr.
const char* find_invalid_setting(const ClientConfig& config) {
    if (config.endpoint_name == nullptr || config.endpoint_name[0] == '\0') {
        return "endpoint name missing";
    }
    if (config.lifetime_s == 0) {
        return "lifetime is 0";
    }
    if (config.server_uri == nullptr && config.bootstrap_server_uri == nullptr) {
        return "neither a server URI nor a Bootstrap-Server URI";
    }
    if (!LWM2M_WITH_BOOTSTRAP && config.bootstrap_server_uri != nullptr) {
        return "a Bootstrap-Server URI, but the client is built without LWM2M_WITH_BOOTSTRAP";
    }
    if (config.short_server_id == 0 || config.short_server_id == 65535) {
        return "Short Server ID must be 1 to 65534";
    }
    if (config.coap.ack_timeout_ms == 0 || config.coap.ack_timeout_ms > kMaxAckTimeoutMs) {
        return "ACK_TIMEOUT must be 1 ms to 300 s";
    }
    if (config.coap.ack_random_factor_percent < 100 ||
        config.coap.ack_random_factor_percent > kMaxAckRandomFactorPercent) {
        return "ACK_RANDOM_FACTOR must be 100 to 400 percent";
    }
    if (config.coap.max_retransmit > kMaxRetransmit) {
        return "MAX_RETRANSMIT must be 0 to 8";
    }
    if (config.retry.retry_count == 0 || config.retry.sequence_retry_count == 0) {
        return "retry counts must be at least 1";
    }
    const DeviceInfo& device = config.device;
    if ((device.provided_resources & ~kDeviceProvidableResources) != 0) {
        return "provided Device resources must be among 6 to 10 and 20 to 22";
    }
    if (device.provided_resources != 0 && device.read_resource == nullptr) {
        return "provided Device resources need a read_resource callback";
    }
    return nullptr;
}

// Treats a missing Device string as empty, so that Read never reads a null pointer.
void replace_null(const char*& text) {
    if (text == nullptr) {
        text = "";
    }
}

}  // namespace

Client::Client(net::Transport& transport, Clock& clock, Random& random)
    : clock_(clock), random_(random) {
    data_.sessions[0].transport = &transport;
    dm::register_builtin_objects(data_, clock_);
}

Client::Client(std::span<net::Transport* const> transports, Clock& clock, Random& random)
    : clock_(clock), random_(random) {
    for (size_t i = 0; i < transports.size() && i < LWM2M_MAX_SERVERS; ++i) {
        data_.sessions[i].transport = transports[i];
    }
    dm::register_builtin_objects(data_, clock_);
}

template <typename Visit>
void Client::for_each_session(uint64_t now_ms, Visit visit) {
    // A callback of the application may call in while step() serves a
    // session, so the session being served is restored afterwards.
    detail::ServerSession* const served = data_.session;
    for (detail::ServerSession& session : data_.sessions) {
        if (session.transport == nullptr) {
            continue;
        }
        data_.session = &session;
        core::Context ctx{*session.transport, clock_, random_, data_, now_ms};
        visit(ctx);
    }
    data_.session = served;
}

Status Client::add_object(Object& object) {
    detail::ClientData& data = data_;
    if (data.object_count == LWM2M_MAX_OBJECTS) {
        LWM2M_LOG_ERROR("cannot add object %u: LWM2M_MAX_OBJECTS (%u) reached", object.id(),
                        LWM2M_MAX_OBJECTS);
        return Status::kNoSpace;
    }
    // Keep the list sorted by object ID, so that payloads list objects in order.
    uint8_t position = data.object_count;
    for (uint8_t i = 0; i < data.object_count; ++i) {
        if (data.objects[i]->id() == object.id()) {
            return Status::kInvalidArgument;
        }
        if (data.objects[i]->id() > object.id() && position == data.object_count) {
            position = i;
        }
    }
    for (uint8_t i = data.object_count; i > position; --i) {
        data.objects[i] = data.objects[i - 1];
    }
    data.objects[position] = &object;
    ++data.object_count;
    if (detail::ObjectTask* task = object.task(); task != nullptr) {
        task->attach(*this, data, clock_, random_);
    }
    instances_changed(object.id());
    return Status::kOk;
}

Status Client::remove_object(uint16_t object_id) {
    detail::ClientData& data = data_;
    for (uint8_t i = dm::kBuiltinObjectCount; i < data.object_count; ++i) {
        if (data.objects[i]->id() != object_id) {
            continue;
        }
        // A streamed write may hold the object's transaction open.
        core::end_block1_transfer(data, "an object was removed");
        for (uint8_t j = i; j + 1 < data.object_count; ++j) {
            data.objects[j] = data.objects[j + 1];
        }
        --data.object_count;
        instances_changed(object_id);
        return Status::kOk;
    }
    return Status::kNotFound;
}

void Client::instances_changed(uint16_t object_id) {
    for (detail::ServerSession& session : data_.sessions) {
        if (session.state == RegistrationState::kRegistered ||
            session.state == RegistrationState::kRegistering) {
            LWM2M_LOG_DEBUG("instances of object %u changed: the next Update lists them",
                            object_id);
            session.changed_parameters |= detail::changed::kObjects;
        }
    }
}

void Client::value_changed(const Path& path) {
    if (!data_.configured) {
        return;
    }
    // Each server's observations are evaluated, and notified, on its own session.
    for_each_session(clock_.monotonic_ms(),
                     [&](core::Context& ctx) { report::value_changed(ctx, path); });
}

Attributes Client::effective_attributes(const Path& path) const {
    return dm::effective_attributes(data_, path);
}

Status Client::configure(const ClientConfig& config) {
    detail::ClientData& data = data_;
    const RegistrationState state = registration_state();
    if (state != RegistrationState::kUnconfigured && state != RegistrationState::kDeregistered &&
        state != RegistrationState::kFailed) {
        return Status::kInvalidState;
    }
    const char* invalid = find_invalid_setting(config);
    if (invalid == nullptr && data.sessions[0].transport == nullptr) {
        invalid = "no transport for the first server session";
    }
    if (invalid != nullptr) {
        LWM2M_LOG_ERROR("invalid configuration: %s", invalid);
        return Status::kInvalidArgument;
    }
    if (!copy_string(config.endpoint_name, data.endpoint_name)) {
        LWM2M_LOG_ERROR("invalid endpoint name: longer than %u characters", LWM2M_MAX_URI_LENGTH);
        return Status::kNoSpace;
    }
    for (detail::ServerSession& session : data.sessions) {
        if (session.transport == nullptr) {
            continue;
        }
        if (data.configured) {
            (void)session.transport->cleanup();  // reconfiguring: start from a fresh transport
        }
        const Status created = session.transport->create();
        if (created != Status::kOk) {
            LWM2M_LOG_ERROR("transport create failed: %s", to_string(created));
            data.configured = false;
            return created;
        }
    }

    data.config = config;
    replace_null(data.config.device.manufacturer);
    replace_null(data.config.device.model_number);
    replace_null(data.config.device.serial_number);
    replace_null(data.config.device.firmware_version);
    data.config.endpoint_name = data.endpoint_name;
    const Status accounts = core::install_factory_accounts(data);
    if (accounts != Status::kOk) {
        LWM2M_LOG_ERROR(
            "invalid factory account: the URI must be coap[s]://host[:port] of at most %u "
            "characters, the identity at most %u bytes, the keys at most %u bytes and the "
            "SNI at most %u characters (%s)",
            LWM2M_MAX_URI_LENGTH, LWM2M_SECURITY_IDENTITY_SIZE, LWM2M_SECURITY_KEY_SIZE,
            LWM2M_SECURITY_SNI_SIZE - 1, to_string(accounts));
        for (detail::ServerSession& session : data.sessions) {
            if (session.transport != nullptr) {
                (void)session.transport->cleanup();
            }
        }
        data.configured = false;
        return accounts;
    }
#if LWM2M_WITH_PERSISTENCE
    data.factory_checksum = persist::factory_checksum(config);
#else
    if (config.storage != nullptr) {
        LWM2M_LOG_WARNING(
            "built without LWM2M_WITH_PERSISTENCE: the client saves nothing in "
            "ClientConfig::storage");
    }
#endif
    // The URIs are copied into the Security instances; the application's
    // strings need not outlive configure().
    data.config.server_uri = nullptr;
    data.config.bootstrap_server_uri = nullptr;
    data.server_object.select_version(config.version);
    for (detail::ServerSession& session : data.sessions) {
        // Keep the transport and the account's Server instance; start the rest afresh.
        net::Transport* transport = session.transport;
        const detail::ServerObject server = session.server;
        const RegistrationRetry retry = session.retry;
        session = {};
        session.transport = transport;
        session.server = server;
        session.retry = retry;
        session.next_message_id = static_cast<uint16_t>(random_.next_u32());
    }
    data.session = data.sessions;
    data.reboot_requested = false;
    data.factory_reset_requested = false;
    data.state_save_due = false;
    data.save_blocked = false;
    data.bootstrap_pack_refused = false;
    data.device = {};
    data.response_cache.clear();
    data.bootstrap = {};
    data.configured = true;
    const uint64_t now_ms = clock_.monotonic_ms();
#if LWM2M_WITH_PERSISTENCE
    persist::load_client_state(data, clock_, now_ms);
#endif
    // Initial Registration Delay Timer (/1/x/14) holds back the first Register only.
    const uint8_t servers =
        core::start_sessions(data, now_ms + uint64_t{config.initial_registration_delay_s} * 1000);
    if (servers > 0) {
        for (const detail::ServerSession& session : data.sessions) {
            if (session.state != RegistrationState::kUnconfigured) {
                LWM2M_LOG_INFO(
                    "configured endpoint '%s', server %s:%u, lifetime %lu s, Queue Mode %s",
                    data.endpoint_name, session.host, session.port,
                    static_cast<unsigned long>(session.server.lifetime_s),
                    config.queue_mode ? "on" : "off");
            }
        }
        return Status::kOk;
    }
    // No usable server account: the Bootstrap-Server provides one, after the
    // Client Hold Off Time (/0/x/11).
    const detail::SecurityInstance* bootstrap = core::find_bootstrap_account(data);
    const uint32_t hold_off_s = bootstrap != nullptr ? bootstrap->client_hold_off_s : 0;
    core::Context ctx{*data.sessions[0].transport, clock_, random_, data, now_ms};
    core::start_bootstrap(ctx, now_ms + uint64_t{hold_off_s} * 1000, "no server account");
    return Status::kOk;
}

void Client::run_device_callbacks() {
    // The callbacks run after the response to the Execute has been sent.
    const DeviceInfo& device = data_.config.device;
    if (data_.reboot_requested) {
        data_.reboot_requested = false;
        if (device.reboot != nullptr) {
            device.reboot(device.reboot_context);
        }
    }
    if (data_.factory_reset_requested) {
        data_.factory_reset_requested = false;
        device.factory_reset(device.factory_reset_context);
    }
}

void Client::step() {
    if (!data_.configured) {
        return;
    }
    const uint64_t now_ms = clock_.monotonic_ms();
    for_each_session(now_ms, [&](core::Context& ctx) {
        core::receive_datagrams(ctx);
        run_device_callbacks();
        core::check_retransmission(ctx);
        core::step_block1(ctx);
        if (ctx.data.session == ctx.data.sessions) {
            core::step_bootstrap(ctx);
        }
        core::step_registration(ctx);
        report::step_notifications(ctx);
#if LWM2M_WITH_SEND
        if (ctx.data.session_index() == ctx.data.send_session) {
            report::step_send(ctx);
        }
#endif
    });
    for (uint8_t i = 0; i < data_.object_count; ++i) {
        if (detail::ObjectTask* task = data_.objects[i]->task(); task != nullptr) {
            task->step(now_ms);
        }
    }
#if LWM2M_WITH_PERSISTENCE
    persist::save_client_state(data_, clock_, now_ms);
#endif
    for_each_session(now_ms, [](core::Context& ctx) { core::step_queue_mode(ctx); });
}

uint32_t Client::time_until_next_step_ms() const {
    if (!data_.configured) {
        return UINT32_MAX;
    }
    uint64_t next = core::next_block1_event_ms(data_);
    auto earliest = [&next](uint64_t deadline) { next = deadline < next ? deadline : next; };
    detail::ServerSession* const served = data_.session;
    for (detail::ServerSession& session : data_.sessions) {
        if (session.transport == nullptr) {
            continue;
        }
        data_.session = &session;
        earliest(core::next_registration_event_ms(data_));
        earliest(core::queue_mode_deadline_ms(data_));
        earliest(report::next_notification_ms(data_));
#if LWM2M_WITH_SEND
        if (data_.session_index() == data_.send_session) {
            earliest(report::next_send_event_ms(data_));
        }
#endif
    }
    data_.session = data_.sessions;
    earliest(core::next_bootstrap_event_ms(data_));
    data_.session = served;
    for (uint8_t i = 0; i < data_.object_count; ++i) {
        if (const detail::ObjectTask* task = data_.objects[i]->task(); task != nullptr) {
            earliest(task->next_step_ms());
        }
    }
    if (data_.reboot_requested || data_.factory_reset_requested) {
        next = 0;
    }
    const uint64_t now = clock_.monotonic_ms();
    if (next <= now) {
        return 0;
    }
    const uint64_t wait = next - now;
    return wait > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(wait);
}

void Client::request_update() {
    for (detail::ServerSession& session : data_.sessions) {
        if (session.state == RegistrationState::kRegistered) {
            session.update_requested = true;
        }
    }
}

Status Client::send(std::span<const Path> paths, SendCallback callback, void* context,
                    SendFormat format) {
#if !LWM2M_WITH_SEND
    (void)paths;
    (void)callback;
    (void)context;
    (void)format;
    return Status::kUnsupported;
#else
    // The Send goes to the first server the client is registered with.
    if (!data_.send.queued &&
        data_.sessions[data_.send_session].pending.kind != detail::PendingRequest::Kind::kSend) {
        for (uint8_t i = 0; i < LWM2M_MAX_SERVERS; ++i) {
            if (data_.sessions[i].state == RegistrationState::kRegistered) {
                data_.send_session = i;
                break;
            }
        }
    }
    detail::ServerSession* const served = data_.session;
    data_.session = &data_.sessions[data_.send_session];
    const Status queued = report::queue_send(data_, paths, format, callback, context);
    data_.session = served;
    return queued;
#endif
}

void Client::deregister() {
    if (data_.bootstrapping()) {
        // No registration to end: stop bootstrapping at once.
        detail::ServerSession& session = data_.sessions[0];
        session.pending.kind = detail::PendingRequest::Kind::kNone;
        data_.bootstrap = {};
        (void)session.transport->close();
        session.state = RegistrationState::kDeregistered;
        // What the session wrote was never accepted: keep the saved state.
        data_.save_blocked = true;
        data_.state_save_due = false;
        LWM2M_LOG_INFO("bootstrap stopped by the application");
        return;
    }
    for (detail::ServerSession& session : data_.sessions) {
        switch (session.state) {
            case RegistrationState::kRegistered:
            case RegistrationState::kNotRegistered:
            case RegistrationState::kRegistering:
                // A Register in flight may already have created a registration
                // on the server, so its outcome decides: De-register after a
                // success, nothing after a failure.
                session.deregister_requested = true;
                break;
            default:
                break;
        }
    }
}

RegistrationState Client::registration_state() const {
    if (data_.bootstrapping()) {
        return RegistrationState::kBootstrapping;
    }
    // The most advanced state first.
    static constexpr RegistrationState kOrder[] = {
        RegistrationState::kRegistered,    RegistrationState::kRegistering,
        RegistrationState::kDeregistering, RegistrationState::kNotRegistered,
        RegistrationState::kFailed,        RegistrationState::kDeregistered,
    };
    for (RegistrationState state : kOrder) {
        for (const detail::ServerSession& session : data_.sessions) {
            if (session.state == state) {
                return state;
            }
        }
    }
    return RegistrationState::kUnconfigured;
}

RegistrationState Client::registration_state(uint8_t index) const {
    return index < LWM2M_MAX_SERVERS ? data_.sessions[index].state
                                     : RegistrationState::kUnconfigured;
}

bool Client::is_offline() const {
    bool any_registered = false;
    for (const detail::ServerSession& session : data_.sessions) {
        if (session.state == RegistrationState::kRegistered) {
            any_registered = true;
            if (!session.offline) {
                return false;
            }
        }
    }
    return any_registered;
}

Status Client::set_error_code(uint8_t error_code) {
    const Status status = data_.device_object.set_error_code(error_code);
    if (status == Status::kOk) {
        value_changed(Path::resource(3, 0, 11));
    }
    return status;
}

Status Client::clear_error_code(uint8_t error_code) {
    const Status status = data_.device_object.clear_error_code(error_code);
    if (status == Status::kOk) {
        value_changed(Path::resource(3, 0, 11));
    }
    return status;
}

const char* Client::location() const {
    return data_.sessions[0].location;
}

}  // namespace lwm2m
