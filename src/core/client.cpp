#include "lwm2m/client.hpp"

#include <cstring>

#include "core/account.hpp"
#include "core/block1.hpp"
#include "core/bootstrap.hpp"
#include "core/context.hpp"
#include "dm/attributes.hpp"
#include "dm/data_model.hpp"
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
    : transport_(transport), clock_(clock), random_(random) {
    dm::register_builtin_objects(data_, clock_);
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
    instances_changed(object.id());
    return Status::kOk;
}

Status Client::remove_object(uint16_t object_id) {
    detail::ClientData& data = data_;
    for (uint8_t i = 3; i < data.object_count; ++i) {
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
    if (data_.session->state == RegistrationState::kRegistered ||
        data_.session->state == RegistrationState::kRegistering) {
        LWM2M_LOG_DEBUG("instances of object %u changed: the next Update lists them", object_id);
        data_.session->changed_parameters |= detail::changed::kObjects;
    }
}

void Client::value_changed(const Path& path) {
    if (data_.session->state == RegistrationState::kUnconfigured) {
        return;
    }
    core::Context ctx{transport_, clock_, random_, data_, clock_.monotonic_ms()};
    report::value_changed(ctx, path);
}

Attributes Client::effective_attributes(const Path& path) const {
    return dm::effective_attributes(data_, path);
}

Status Client::configure(const ClientConfig& config) {
    detail::ClientData& data = data_;
    if (data.session->state != RegistrationState::kUnconfigured &&
        data.session->state != RegistrationState::kDeregistered &&
        data.session->state != RegistrationState::kFailed) {
        return Status::kInvalidState;
    }
    const char* invalid = find_invalid_setting(config);
    if (invalid != nullptr) {
        LWM2M_LOG_ERROR("invalid configuration: %s", invalid);
        return Status::kInvalidArgument;
    }
    if (!copy_string(config.endpoint_name, data.endpoint_name)) {
        LWM2M_LOG_ERROR("invalid endpoint name: longer than %u characters", LWM2M_MAX_URI_LENGTH);
        return Status::kNoSpace;
    }
    if (data.session->state != RegistrationState::kUnconfigured) {
        (void)transport_.cleanup();  // reconfiguring: start from a fresh transport
    }
    const Status created = transport_.create();
    if (created != Status::kOk) {
        LWM2M_LOG_ERROR("transport create failed: %s", to_string(created));
        return created;
    }

    data.config = config;
    replace_null(data.config.device.manufacturer);
    replace_null(data.config.device.model_number);
    replace_null(data.config.device.serial_number);
    replace_null(data.config.device.firmware_version);
    data.config.endpoint_name = data.endpoint_name;
    const Status accounts = core::install_factory_accounts(data);
    if (accounts != Status::kOk) {
        LWM2M_LOG_ERROR("invalid server or Bootstrap-Server URI: expected coap://host[:port], "
                        "at most %u characters",
                        LWM2M_MAX_URI_LENGTH);
        data.session->state = RegistrationState::kUnconfigured;
        (void)transport_.cleanup();
        return accounts;
    }
    data.factory_checksum = persist::factory_checksum(config);
    // The URIs are copied into the Security instances; the application's
    // strings need not outlive configure().
    data.config.server_uri = nullptr;
    data.config.bootstrap_server_uri = nullptr;
    data.server_object.select_version(config.version);
    data.session->pending = {};
    data.session->location[0] = '\0';
    data.session->register_attempts = 0;
    data.session->register_sequences = 0;
    data.session->changed_parameters = 0;
    data.session->update_requested = false;
    data.session->deregister_requested = false;
    data.reboot_requested = false;
    data.factory_reset_requested = false;
    data.session->disable_requested = false;
    data.state_save_due = false;
    data.device = {};
    data.session->offline = false;
    data.session->connect_started_ms = 0;
    data.session->registered_lifetime_s = 0;
    data.response_cache.clear();
    data.session->next_message_id = static_cast<uint16_t>(random_.next_u32());
    // Initial Registration Delay Timer (/1/0/14) holds back the first Register only.
    data.session->retry_at_ms = clock_.monotonic_ms() + uint64_t{config.initial_registration_delay_s} * 1000;
    data.session->state = RegistrationState::kNotRegistered;
    data.bootstrap = {};
    persist::load_client_state(data, transport_, clock_, clock_.monotonic_ms());
    core::Context ctx{transport_, clock_, random_, data_, clock_.monotonic_ms()};
    const detail::SecurityInstance* account = core::find_server_account(data);
    if (account != nullptr && core::use_account(data, *account)) {
        LWM2M_LOG_INFO("configured endpoint '%s', server %s:%u, lifetime %lu s, Queue Mode %s",
                       data.endpoint_name, data.session->host, data.session->port,
                       static_cast<unsigned long>(data.session->server.lifetime_s),
                       config.queue_mode ? "on" : "off");
        return Status::kOk;
    }
    // No usable server account: the Bootstrap-Server provides one, after the
    // Client Hold Off Time (/0/x/11).
    const detail::SecurityInstance* bootstrap = core::find_bootstrap_account(data);
    const uint32_t hold_off_s = bootstrap != nullptr ? bootstrap->client_hold_off_s : 0;
    core::start_bootstrap(ctx, ctx.now_ms + uint64_t{hold_off_s} * 1000, "no server account");
    return Status::kOk;
}

void Client::step() {
    if (data_.session->state == RegistrationState::kUnconfigured) {
        return;
    }
    core::Context ctx{transport_, clock_, random_, data_, clock_.monotonic_ms()};
    core::receive_datagrams(ctx);
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
    core::check_retransmission(ctx);
    core::step_block1(ctx);
    core::step_bootstrap(ctx);
    core::step_registration(ctx);
    report::step_notifications(ctx);
    report::step_send(ctx);
    persist::save_client_state(data_, transport_, clock_, ctx.now_ms);
    core::step_queue_mode(ctx);
}

uint32_t Client::time_until_next_step_ms() const {
    if (data_.session->state == RegistrationState::kUnconfigured) {
        return UINT32_MAX;
    }
    uint64_t next = core::next_registration_event_ms(data_);
    const uint64_t bootstrap_event = core::next_bootstrap_event_ms(data_);
    next = bootstrap_event < next ? bootstrap_event : next;
    const uint64_t queue_deadline = core::queue_mode_deadline_ms(data_);
    next = queue_deadline < next ? queue_deadline : next;
    const uint64_t block1_deadline = core::next_block1_event_ms(data_);
    next = block1_deadline < next ? block1_deadline : next;
    const uint64_t notification_deadline = report::next_notification_ms(data_);
    next = notification_deadline < next ? notification_deadline : next;
    const uint64_t send_deadline = report::next_send_event_ms(data_);
    next = send_deadline < next ? send_deadline : next;
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
    if (data_.session->state == RegistrationState::kRegistered) {
        data_.session->update_requested = true;
    }
}

Status Client::send(std::span<const Path> paths, SendCallback callback, void* context,
                    SendFormat format) {
    return report::queue_send(data_, paths, format, callback, context);
}

void Client::deregister() {
    switch (data_.session->state) {
        case RegistrationState::kRegistered:
        case RegistrationState::kNotRegistered:
        case RegistrationState::kRegistering:
            // A Register in flight may already have created a registration on
            // the server, so its outcome decides: De-register after a success,
            // nothing after a failure.
            data_.session->deregister_requested = true;
            return;
        case RegistrationState::kBootstrapping:
            // No registration to end: stop bootstrapping at once.
            data_.session->pending.kind = detail::PendingRequest::Kind::kNone;
            data_.bootstrap = {};
            (void)transport_.close();
            data_.session->state = RegistrationState::kDeregistered;
            LWM2M_LOG_INFO("bootstrap stopped by the application");
            return;
        default:
            return;
    }
}

RegistrationState Client::registration_state() const {
    return data_.session->state;
}

bool Client::is_offline() const {
    return data_.session->offline;
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
    return data_.session->location;
}

}  // namespace lwm2m
