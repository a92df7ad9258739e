// Server object (/1) instance of the server account in use, versions 1.0 to 1.2.
#include <array>
#include <cstddef>
#include <cstring>

#include "core/account.hpp"
#include "dm/builtin_values.hpp"
#include "lwm2m/detail/builtin_objects.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("dm");

namespace lwm2m::detail {
namespace {

using enum Operations;

// Server object 1.2 (urn:oma:lwm2m:oma:1:1.2). IDs, operations and
// multiplicity agree between the OMA registry file 1.xml and a second,
// independent object table. Operations of 13 to 20 follow 1.2, because the
// registry file of 1.1 leaves them empty.
constexpr ResourceDefinition kServerResources12[] = {
    {0, kRead, DataType::kInteger, false, true},                 // Short Server ID
    {1, kReadWrite, DataType::kUnsignedInteger, false, true},    // Lifetime
    {2, kReadWrite, DataType::kInteger, false, false},           // Default Minimum Period
    {3, kReadWrite, DataType::kInteger, false, false},           // Default Maximum Period
    {4, kExecute, DataType::kNone, false, false},                // Disable
    {5, kReadWrite, DataType::kInteger, false, false},           // Disable Timeout
    {6, kReadWrite, DataType::kBoolean, false, true},            // Notification Storing
    {7, kReadWrite, DataType::kString, false, true},             // Binding
    {8, kExecute, DataType::kNone, false, true},                 // Registration Update Trigger
    {9, kExecute, DataType::kNone, false, false},                // Bootstrap-Request Trigger
    {10, kReadWrite, DataType::kObjlnk, false, false},           // APN Link
    {11, kRead, DataType::kUnsignedInteger, false, false},       // TLS-DTLS Alert Code
    {12, kRead, DataType::kTime, false, false},                  // Last Bootstrapped
    {13, kRead, DataType::kUnsignedInteger, false, false},       // Registration Priority Order
    {14, kReadWrite, DataType::kUnsignedInteger, false, false},  // Initial Registration Delay
    {15, kRead, DataType::kBoolean, false, false},               // Registration Failure Block
    {16, kRead, DataType::kBoolean, false, false},  // Bootstrap on Registration Failure
    {17, kReadWrite, DataType::kUnsignedInteger, false, false},  // Communication Retry Count
    {18, kReadWrite, DataType::kUnsignedInteger, false, false},  // Communication Retry Timer
    {19, kReadWrite, DataType::kUnsignedInteger, false, false},  // Sequence Delay Timer
    {20, kReadWrite, DataType::kUnsignedInteger, false, false},  // Sequence Retry Count
    {21, kReadWrite, DataType::kBoolean, false, false},          // Trigger
    {22, kReadWrite, DataType::kString, false, false},           // Preferred Transport
    {23, kReadWrite, DataType::kBoolean, false, false},          // Mute Send
    {24, kReadWrite, DataType::kObjlnk, true, false},            // Alternate APN Links
    {25, kReadWrite, DataType::kString, true, false},            // Supported Server Versions
    {26, kReadWrite, DataType::kInteger, false, false},          // Default Notification Mode
    {27, kReadWrite, DataType::kUnsignedInteger, false, false},  // Profile ID Hash Algorithm
};

// Server object 1.1: resources 0 to 23 of 1.2, where Lifetime is still an
// Integer. Its first 9 resources make up Server object 1.0.
constexpr size_t kServerResourceCount11 = 24;
constexpr size_t kServerResourceCount10 = 9;
constexpr auto kServerResources11 = [] {
    std::array<ResourceDefinition, kServerResourceCount11> table{};
    for (size_t i = 0; i < table.size(); ++i) {
        table[i] = kServerResources12[i];
    }
    table[1].type = DataType::kInteger;
    return table;
}();

// APN connection profile object (OMA registry ID 11), the target of APN Link
// and Alternate APN Links.
constexpr uint16_t kApnConnectionProfileObject = 11;
constexpr uint16_t kNullLinkId = 0xffff;

// True for the null link or a link to an APN connection profile instance.
bool valid_apn_link(const Value& value) {
    const Objlnk link = value.objlnk;
    if (link.object_id == kNullLinkId) {
        return link.instance_id == kNullLinkId;
    }
    return link.object_id == kApnConnectionProfileObject && link.instance_id != kNullLinkId;
}

// Binding letters of LwM2M 1.1 (UDP, TCP, SMS and Non-IP) and those 1.2 adds
// (MQTT and HTTP). NOTE: the list was not checked against the LwM2M Core
// text, so a valid Preferred Transport may still be rejected with 4.00.
bool known_binding_letter(uint8_t letter, Lwm2mVersion version) {
    switch (letter) {
        case 'U':
        case 'T':
        case 'S':
        case 'N':
            return true;
        case 'M':
        case 'H':
            return version == Lwm2mVersion::k1_2;
    }
    return false;
}

// Supported Server Versions: 1*DIGIT "." 1*DIGIT, optionally "." 1*DIGIT.
bool valid_server_version(std::span<const uint8_t> text) {
    int dots = 0;
    bool digit_before = false;
    for (uint8_t c : text) {
        if (c >= '0' && c <= '9') {
            digit_before = true;
        } else if (c == '.' && digit_before && dots < 2) {
            ++dots;
            digit_before = false;
        } else {
            return false;
        }
    }
    return dots >= 1 && digit_before;
}

// Returns the entry of resource instance `id` in `items`, sorted by ID, or
// nullptr.
template <typename Item, size_t N>
const Item* find_item(const Item (&items)[N], uint8_t count, uint16_t id) {
    for (uint8_t i = 0; i < count; ++i) {
        if (items[i].id == id) {
            return &items[i];
        }
    }
    return nullptr;
}

// Returns the entry of resource instance `id`, inserted in ID order if it is
// new, or nullptr if `items` is full.
template <typename Item, size_t N>
Item* find_or_insert(Item (&items)[N], uint8_t& count, uint16_t id) {
    uint8_t position = 0;
    while (position < count && items[position].id < id) {
        ++position;
    }
    if (position < count && items[position].id == id) {
        return &items[position];
    }
    if (count == N) {
        return nullptr;
    }
    for (uint8_t i = count; i > position; --i) {
        items[i] = items[i - 1];
    }
    ++count;
    items[position] = Item{};
    items[position].id = id;
    return &items[position];
}

// Returns the lowest resource-instance ID above `after`, or -1.
template <typename Item, size_t N>
int32_t next_item(const Item (&items)[N], uint8_t count, int32_t after) {
    for (uint8_t i = 0; i < count; ++i) {
        if (items[i].id > after) {
            return items[i].id;
        }
    }
    return -1;
}

}  // namespace

ServerObjectHandler::ServerObjectHandler()
    : Object(1, std::span<const ResourceDefinition>(kServerResources11), "1.1") {}

void ServerObjectHandler::select_version(Lwm2mVersion version) {
    switch (version) {
        case Lwm2mVersion::k1_0:
            set_definition(std::span(kServerResources11).first(kServerResourceCount10), nullptr);
            return;
        case Lwm2mVersion::k1_1:
            set_definition(kServerResources11, "1.1");
            return;
        case Lwm2mVersion::k1_2:
            set_definition(kServerResources12, "1.2");
            return;
    }
}

ServerSession* ServerObjectHandler::session_of(uint16_t instance_id) const {
    for (ServerSession& session : data_->sessions) {
        if (session.server.instance_id == instance_id && instance_id != kNoInstance) {
            return &session;
        }
    }
    return nullptr;
}

int32_t ServerObjectHandler::next_instance(int32_t after) const {
    int32_t next = -1;
    for (const ServerSession& session : data_->sessions) {
        const uint16_t id = session.server.instance_id;
        if (id != kNoInstance && id > after && (next < 0 || id < next)) {
            next = id;
        }
    }
    return next;
}

Status ServerObjectHandler::create_instance(uint16_t instance_id) {
    if (session_of(instance_id) != nullptr) {
        return Status::kInvalidArgument;
    }
    // Each Server instance lives in the session of its account.
    ServerSession* free_session = nullptr;
    for (ServerSession& session : data_->sessions) {
        if (free_session == nullptr && session.server.instance_id == kNoInstance) {
            free_session = &session;
        }
    }
    if (free_session == nullptr) {
        LWM2M_LOG_WARNING("no room for Server instance %u (LWM2M_MAX_SERVERS is %u)", instance_id,
                          LWM2M_MAX_SERVERS);
        return Status::kNoSpace;
    }
    ServerObject& server = free_session->server;
    server = {};
    server.instance_id = instance_id;
    // Defaults of the Server object's optional resources.
    server.disable_timeout_s = 86400;
    server.binding[0] = 'U';
    // Lifetime is mandatory; a Bootstrap-Server that leaves it out gets the configured one.
    server.lifetime_s = data_->config.lifetime_s;
    free_session->retry = data_->config.retry;
    return Status::kOk;
}

Status ServerObjectHandler::delete_instance(uint16_t instance_id) {
    ServerSession* session = session_of(instance_id);
    if (session == nullptr) {
        return Status::kNotFound;
    }
    session->server = {};
    return Status::kOk;
}

bool ServerObjectHandler::has_resource(uint16_t instance_id, uint16_t resource_id) const {
    const ServerSession* session = session_of(instance_id);
    switch (resource_id) {
        case 12:
            // Present once a Bootstrap-Finish has written this instance.
            return session != nullptr && session->server.last_bootstrapped_s != 0;
        case 11:
            // NOTE: absent because the client has no DTLS, so no alert is ever received.
        case 13:
            // Absent: with one server account there is no registration order.
            return false;
    }
    return true;
}

int32_t ServerObjectHandler::next_resource_instance(uint16_t instance_id, uint16_t resource_id,
                                                    int32_t after) const {
    const ServerSession* session = session_of(instance_id);
    if (session == nullptr) {
        return -1;
    }
    const ServerObject& server = session->server;
    switch (resource_id) {
        case 24:
            return next_item(server.alternate_apn_links, server.alternate_apn_link_count, after);
        case 25:
            return next_item(server.server_versions, server.server_version_count, after);
    }
    return -1;
}

Status ServerObjectHandler::read(uint16_t instance_id, uint16_t resource_id,
                                 uint16_t resource_instance_id, Value& value) {
    const ServerSession* session = session_of(instance_id);
    if (session == nullptr) {
        return Status::kNotFound;
    }
    const ServerObject& server = session->server;
    const RegistrationRetry& retry = session->retry;
    switch (resource_id) {
        case 0:
            value = Value::make_integer(server.short_server_id);
            return Status::kOk;
        case 1:
            value = data_->config.version == Lwm2mVersion::k1_2
                        ? Value::make_unsigned(server.lifetime_s)
                        : Value::make_integer(server.lifetime_s);
            return Status::kOk;
        case 2:
            value = Value::make_integer(server.default_pmin_s);
            return Status::kOk;
        case 3:
            value = Value::make_integer(server.default_pmax_s);
            return Status::kOk;
        case 5:
            value = Value::make_integer(server.disable_timeout_s);
            return Status::kOk;
        case 6:
            value = Value::make_boolean(server.notification_storing);
            return Status::kOk;
        case 7:
            value = text_value(server.binding);
            return Status::kOk;
        case 10:
            value = Value::make_objlnk(server.apn_link.object_id, server.apn_link.instance_id);
            return Status::kOk;
        case 12:
            value = Value::make_time(server.last_bootstrapped_s);
            return Status::kOk;
        case 14:
            value = Value::make_unsigned(server.initial_registration_delay_s);
            return Status::kOk;
        case 15:
            value = Value::make_boolean(server.registration_failure_block);
            return Status::kOk;
        case 16:
            value = Value::make_boolean(server.bootstrap_on_registration_failure);
            return Status::kOk;
        case 17:
            value = Value::make_unsigned(retry.retry_count);
            return Status::kOk;
        case 18:
            value = Value::make_unsigned(retry.retry_timer_s);
            return Status::kOk;
        case 19:
            value = Value::make_unsigned(retry.sequence_delay_s);
            return Status::kOk;
        case 20:
            value = Value::make_unsigned(retry.sequence_retry_count);
            return Status::kOk;
        case 21:
            value = Value::make_boolean(server.sms_trigger);
            return Status::kOk;
        case 22:
            value = Value::make_bytes(
                DataType::kString,
                {reinterpret_cast<const uint8_t*>(&server.preferred_transport), 1});
            return Status::kOk;
        case 23:
            value = Value::make_boolean(server.mute_send);
            return Status::kOk;
        case 24: {
            const ApnLinkInstance* item = find_item(
                server.alternate_apn_links, server.alternate_apn_link_count, resource_instance_id);
            if (item == nullptr) {
                return Status::kNotFound;
            }
            value = Value::make_objlnk(item->link.object_id, item->link.instance_id);
            return Status::kOk;
        }
        case 25: {
            const ServerVersionInstance* item = find_item(
                server.server_versions, server.server_version_count, resource_instance_id);
            if (item == nullptr) {
                return Status::kNotFound;
            }
            value = text_value(item->text);
            return Status::kOk;
        }
        case 26:
            value = Value::make_integer(server.default_notification_mode);
            return Status::kOk;
        case 27:
            value = Value::make_unsigned(server.profile_id_hash_algorithm);
            return Status::kOk;
    }
    return Status::kNotFound;
}

Status ServerObjectHandler::write(uint16_t instance_id, uint16_t resource_id,
                                  uint16_t resource_instance_id, const Value& value) {
    ServerSession* session = session_of(instance_id);
    if (session == nullptr) {
        return Status::kNotFound;
    }
    ServerObject& server = session->server;
    RegistrationRetry& retry = session->retry;
    uint32_t number = 0;
    switch (resource_id) {
        case 0:
            // Read-only for an LwM2M Server: only a Bootstrap-Write gets here.
            if (!to_uint32(value, number) || number == 0 || number >= 65535) {
                return Status::kInvalidArgument;
            }
            server.short_server_id = static_cast<uint16_t>(number);
            return Status::kOk;
        case 15:
            server.registration_failure_block = value.boolean;
            return Status::kOk;
        case 16:
            server.bootstrap_on_registration_failure = value.boolean;
            return Status::kOk;
        case 1:
            if (!to_uint32(value, number) || number == 0) {
                return Status::kInvalidArgument;
            }
            if (number != server.lifetime_s) {
                server.lifetime_s = number;
                session->changed_parameters |= changed::kLifetime;
                LWM2M_LOG_INFO("lifetime set to %lu s", static_cast<unsigned long>(number));
            }
            return Status::kOk;
        case 2:
            return to_uint32(value, server.default_pmin_s) ? Status::kOk : Status::kInvalidArgument;
        case 3:
            return to_uint32(value, server.default_pmax_s) ? Status::kOk : Status::kInvalidArgument;
        case 5:
            return to_uint32(value, server.disable_timeout_s) ? Status::kOk
                                                              : Status::kInvalidArgument;
        case 6:
            server.notification_storing = value.boolean;
            return Status::kOk;
        case 7:
            // Only the UDP binding exists so far.
            if (value.bytes.size() != 1 || value.bytes[0] != 'U') {
                return Status::kInvalidArgument;
            }
            return Status::kOk;
        case 10:
            if (!valid_apn_link(value)) {
                return Status::kInvalidArgument;
            }
            server.apn_link = value.objlnk;
            return Status::kOk;
        case 14:
            // Stored only: the delay applies to the first Register after
            // configure(), which has already happened when a server writes this.
            return to_uint32(value, server.initial_registration_delay_s) ? Status::kOk
                                                                         : Status::kInvalidArgument;
        case 17:
        case 20:
            if (!to_uint32(value, number) || number == 0 || number > 255) {
                return Status::kInvalidArgument;
            }
            (resource_id == 17 ? retry.retry_count : retry.sequence_retry_count) =
                static_cast<uint8_t>(number);
            return Status::kOk;
        case 18:
            return to_uint32(value, retry.retry_timer_s) ? Status::kOk : Status::kInvalidArgument;
        case 19:
            return to_uint32(value, retry.sequence_delay_s) ? Status::kOk
                                                            : Status::kInvalidArgument;
        case 21:
            // Without the SMS binding the client is never reachable over SMS.
            return value.boolean ? Status::kInvalidArgument : Status::kOk;
        case 22:
            if (value.bytes.size() != 1 ||
                !known_binding_letter(value.bytes[0], data_->config.version)) {
                return Status::kInvalidArgument;
            }
            server.preferred_transport = static_cast<char>(value.bytes[0]);
            return Status::kOk;
        case 23:
            server.mute_send = value.boolean;
            return Status::kOk;
        case 24: {
            if (!valid_apn_link(value)) {
                return Status::kInvalidArgument;
            }
            ApnLinkInstance* item = find_or_insert(
                server.alternate_apn_links, server.alternate_apn_link_count, resource_instance_id);
            if (item == nullptr) {
                return Status::kNoSpace;
            }
            item->link = value.objlnk;
            return Status::kOk;
        }
        case 25: {
            if (!valid_server_version(value.bytes) ||
                value.bytes.size() >= sizeof(ServerVersionInstance::text)) {
                return Status::kInvalidArgument;
            }
            ServerVersionInstance* item = find_or_insert(
                server.server_versions, server.server_version_count, resource_instance_id);
            if (item == nullptr) {
                return Status::kNoSpace;
            }
            return copy_text(value, item->text) ? Status::kOk : Status::kInvalidArgument;
        }
        case 26:
            // NOTE: stored only; observations, which would send notifications
            // in this mode, do not exist yet.
            if (value.integer != 0 && value.integer != 1) {
                return Status::kInvalidArgument;
            }
            server.default_notification_mode = static_cast<uint8_t>(value.integer);
            return Status::kOk;
        case 27:
            // Stored only: the client sends no Profile ID in Register.
            if (!to_uint32(value, number) || number > 255) {
                return Status::kInvalidArgument;
            }
            server.profile_id_hash_algorithm = static_cast<uint8_t>(number);
            return Status::kOk;
    }
    return Status::kUnsupported;
}

Status ServerObjectHandler::clear_resource(uint16_t instance_id, uint16_t resource_id) {
    ServerSession* session = session_of(instance_id);
    if (session == nullptr) {
        return Status::kNotFound;
    }
    switch (resource_id) {
        case 24:
            session->server.alternate_apn_link_count = 0;
            return Status::kOk;
        case 25:
            session->server.server_version_count = 0;
            return Status::kOk;
    }
    return Status::kOk;
}

Status ServerObjectHandler::execute(uint16_t instance_id, uint16_t resource_id,
                                    std::span<const uint8_t>) {
    ServerSession* session = session_of(instance_id);
    if (session == nullptr) {
        return Status::kNotFound;
    }
    switch (resource_id) {
        case 4:
            LWM2M_LOG_INFO("Disable executed on /1/%u: off for %lu s", instance_id,
                           static_cast<unsigned long>(session->server.disable_timeout_s));
            session->disable_requested = true;
            return Status::kOk;
        case 8:
            LWM2M_LOG_INFO("Registration Update Trigger executed on /1/%u", instance_id);
            session->update_requested = true;
            return Status::kOk;
        case 9:
            // Without a Bootstrap-Server account the Execute is not allowed
            // on this target: 4.05. 4.04 would deny that the resource
            // exists, and 2.04 would claim a bootstrap had started.
            if (core::find_bootstrap_account(*data_) == nullptr) {
                LWM2M_LOG_WARNING(
                    "Bootstrap-Request Trigger rejected: no Bootstrap-Server account");
                return Status::kUnsupported;
            }
            LWM2M_LOG_INFO("Bootstrap-Request Trigger executed: de-registering to bootstrap");
            data_->bootstrap.requested = true;
            return Status::kOk;
    }
    return Status::kUnsupported;
}

Status ServerObjectHandler::begin_transaction() {
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; ++i) {
        const ServerSession& session = data_->sessions[i];
        saved_[i] = {session.server, session.retry, session.changed_parameters};
    }
    return Status::kOk;
}

void ServerObjectHandler::commit_transaction() {
    // memcmp rather than operator==, which costs about 400 bytes of flash. A
    // difference in padding alone would only cause one needless save.
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; ++i) {
        const ServerSession& session = data_->sessions[i];
        if (std::memcmp(&session.server, &saved_[i].server, sizeof(saved_[i].server)) != 0 ||
            std::memcmp(&session.retry, &saved_[i].retry, sizeof(saved_[i].retry)) != 0) {
            data_->state_save_due = true;
        }
    }
}

void ServerObjectHandler::rollback_transaction() {
    // Only what a Write changes: a transaction applied block by block stays
    // open across steps, in which the sessions go on and may set other flags.
    constexpr uint8_t kWrittenFlags = changed::kLifetime | changed::kBinding;
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; ++i) {
        ServerSession& session = data_->sessions[i];
        session.server = saved_[i].server;
        session.retry = saved_[i].retry;
        session.changed_parameters =
            static_cast<uint8_t>((session.changed_parameters & ~kWrittenFlags) |
                                 (saved_[i].changed_parameters & kWrittenFlags));
    }
}

}  // namespace lwm2m::detail
