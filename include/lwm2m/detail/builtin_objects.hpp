// The objects every client has: Security (/0), Server (/1) and Device (/3).
// Part of the Client's state; not part of the API.
#pragma once

#include "lwm2m/client_config.hpp"
#include "lwm2m/config.hpp"
#include "lwm2m/object.hpp"
#include "lwm2m/platform.hpp"

namespace lwm2m::detail {

struct ClientData;
struct ServerSession;

/// A resource instance of Alternate APN Links (/1/0/24).
struct ApnLinkInstance {
    uint16_t id = 0;
    Objlnk link;

    bool operator==(const ApnLinkInstance&) const = default;
};

/// A resource instance of Supported Server Versions (/1/0/25), such as "1.2.1".
struct ServerVersionInstance {
    uint16_t id = 0;
    char text[12] = {};

    bool operator==(const ServerVersionInstance&) const = default;
};

/// Instance ID of an unused slot.
inline constexpr uint16_t kNoInstance = 0xffff;

/// Security Mode (/0/x/2) NoSec, the only mode without (D)TLS.
inline constexpr uint8_t kSecurityModeNoSec = 3;

/// One Security object instance (/0/x): an LwM2M Server account or the
/// Bootstrap-Server account.
struct SecurityInstance {
    /// Instance ID, or kNoInstance for an unused slot.
    uint16_t id = kNoInstance;
    bool bootstrap_server = false;
    uint8_t security_mode = kSecurityModeNoSec;
    /// Short Server ID (10); 0 for the Bootstrap-Server account.
    uint16_t short_server_id = 0;
    /// Certificate Usage (15), 0 to 3 (net::CertificateUsage).
    uint8_t certificate_usage = 3;
    uint16_t identity_length = 0;
    uint16_t server_key_length = 0;
    uint16_t secret_key_length = 0;
    /// Client Hold Off Time (11) and Bootstrap-Server Account Timeout (12).
    uint32_t client_hold_off_s = 0;
    uint32_t account_timeout_s = 0;
    /// LwM2M Server URI (0), NUL-terminated.
    char uri[LWM2M_MAX_URI_LENGTH + 16] = {};
    /// Public Key or Identity (3), Server Public Key (4), Secret Key (5).
    uint8_t identity[LWM2M_SECURITY_IDENTITY_SIZE] = {};
    uint8_t server_key[LWM2M_SECURITY_KEY_SIZE] = {};
    uint8_t secret_key[LWM2M_SECURITY_KEY_SIZE] = {};
    /// SNI (14), NUL-terminated; empty if not set.
    char sni[LWM2M_SECURITY_SNI_SIZE] = {};

    bool operator==(const SecurityInstance&) const = default;
};

/// Access rights in an ACL resource instance (LwM2M Core 1.1, E.3): one bit
/// per operation.
namespace access {
inline constexpr uint16_t kRead = 1 << 0;  // Read, Observe, Write-Attributes
inline constexpr uint16_t kWrite = 1 << 1;
inline constexpr uint16_t kExecute = 1 << 2;
inline constexpr uint16_t kDelete = 1 << 3;
inline constexpr uint16_t kCreate = 1 << 4;
inline constexpr uint16_t kAll = kRead | kWrite | kExecute | kDelete | kCreate;
}  // namespace access

/// One ACL resource instance: the rights of the server with `short_server_id`
/// (0 for the default rights of every other server).
struct AclEntry {
    uint16_t short_server_id = 0;
    uint16_t rights = 0;
};

/// One Access Control object instance (/2/x): the rights on object instance
/// /object_id/instance_id (instance 65535: the right to create instances).
struct AclInstance {
    /// Instance ID, or kNoInstance for an unused slot.
    uint16_t id = kNoInstance;
    uint16_t object_id = 0;
    uint16_t instance_id = 0;
    /// Access Control Owner (3): the Short Server ID that manages this
    /// instance; 65535 for one that only a Bootstrap-Server changes.
    uint16_t owner = 0;
    /// ACL (2), in ascending Short Server ID order.
    uint8_t entry_count = 0;
    AclEntry entries[LWM2M_MAX_ACL_ENTRIES];
};

/// Values of the Server object instance (/1/x) that the server may write.
struct ServerObject {
    /// Instance ID, or kNoInstance while there is no Server instance.
    uint16_t instance_id = kNoInstance;
    uint16_t short_server_id = 0;
    uint32_t lifetime_s = 0;
    /// Default Minimum and Maximum Period (resources 2 and 3); 0 means unset.
    uint32_t default_pmin_s = 0;
    uint32_t default_pmax_s = 0;
    /// Disable Timeout (resource 5): how long Execute Disable keeps the client off.
    uint32_t disable_timeout_s = 86400;
    bool notification_storing = true;
    bool mute_send = false;
    /// Binding as sent in `b`, for example "U".
    char binding[4] = {};
    /// APN Link (resource 10). The null link 65535:65535 means none.
    Objlnk apn_link = {0xffff, 0xffff};
    /// Last Bootstrapped (resource 12): when Bootstrap-Finish was accepted, in
    /// seconds since 1970; 0 (absent) for an instance from the factory.
    int64_t last_bootstrapped_s = 0;
    /// Initial Registration Delay Timer (resource 14).
    uint32_t initial_registration_delay_s = 0;
    /// Registration Failure Block (15) and Bootstrap on Registration Failure
    /// (16, true by default). Read-only for an LwM2M Server; written by a
    /// Bootstrap-Server.
    bool registration_failure_block = false;
    bool bootstrap_on_registration_failure = true;
    /// Trigger (21): true if the client is reachable over SMS.
    bool sms_trigger = false;
    /// Preferred Transport (22): one binding letter.
    char preferred_transport = 'U';
    /// Default Notification Mode (26): 0 non-confirmable, 1 confirmable.
    uint8_t default_notification_mode = 0;
    /// Profile ID Hash Algorithm (27): an RFC 6920 suite ID. RFC 6920 reserves
    /// 0, so 0 means no preference.
    uint8_t profile_id_hash_algorithm = 0;
    uint8_t alternate_apn_link_count = 0;
    uint8_t server_version_count = 0;
    /// Alternate APN Links (24) and Supported Server Versions (25), in
    /// ascending resource-instance ID order.
    ApnLinkInstance alternate_apn_links[LWM2M_MAX_ALTERNATE_APN_LINKS];
    ServerVersionInstance server_versions[LWM2M_MAX_SERVER_VERSIONS];

    bool operator==(const ServerObject&) const = default;
};

/// Values of the Device object instance (/3/0) that the server may write or
/// that change at run time.
struct DeviceObject {
    /// Added to the clock's real time for Current Time (/3/0/13) after a write.
    int64_t time_offset_s = 0;
    /// UTC Offset (/3/0/14) and Timezone (/3/0/15), NUL-terminated.
    char utc_offset[8] = {};
    char timezone[32] = {};
    /// Error Code (/3/0/11): 0 means no error.
    uint8_t error_codes[4] = {};
    uint8_t error_code_count = 0;
};

/// Values a Server object transaction may change, kept for rollback.
struct ServerObjectSnapshot {
    ServerObject server;
    RegistrationRetry retry;
    uint8_t changed_parameters = 0;
};

/// Security object (/0), version 1.1: the server accounts in
/// ClientData::security. Reserved to a Bootstrap-Server, which creates,
/// writes and deletes its instances; LwM2M servers get 4.01.
class SecurityObjectHandler final : public Object {
  public:
    SecurityObjectHandler();
    void bind(ClientData* data) { data_ = data; }
    int32_t next_instance(int32_t after) const override;
    bool has_resource(uint16_t instance_id, uint16_t resource_id) const override;
    Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                Value& value) override;
    Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                 const Value& value) override;
    Status create_instance(uint16_t instance_id) override;
    Status delete_instance(uint16_t instance_id) override;
    Status begin_transaction() override;
    void commit_transaction() override;
    void rollback_transaction() override;

  private:
    SecurityInstance* find(uint16_t instance_id) const;
    void clear_saved();

    ClientData* data_ = nullptr;
#if LWM2M_WITH_BOOTSTRAP
    // Instances before the transaction, restored by rollback. Only a
    // Bootstrap-Server writes the object.
    SecurityInstance saved_[LWM2M_MAX_SECURITY_INSTANCES];
#endif
};

/// Access Control object (/2), version 1.0: the instances in
/// ClientData::acl. Applied only with more than one server account
/// (dm/access_control.hpp).
class AccessControlObjectHandler final : public Object {
  public:
    AccessControlObjectHandler();
    void bind(ClientData* data) { data_ = data; }
    int32_t next_instance(int32_t after) const override;
    int32_t next_resource_instance(uint16_t instance_id, uint16_t resource_id,
                                   int32_t after) const override;
    Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                Value& value) override;
    Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                 const Value& value) override;
    Status clear_resource(uint16_t instance_id, uint16_t resource_id) override;
    Status create_instance(uint16_t instance_id) override;
    Status delete_instance(uint16_t instance_id) override;
    Status begin_transaction() override;
    void commit_transaction() override;
    void rollback_transaction() override;

  private:
    AclInstance* find(uint16_t instance_id) const;

    ClientData* data_ = nullptr;
    AclInstance saved_[LWM2M_MAX_ACL_INSTANCES];
};

/// Server object (/1): one instance in each ServerSession that has one, in
/// the version that goes with the configured LwM2M version: 1.0, 1.1 or 1.2.
class ServerObjectHandler final : public Object {
  public:
    ServerObjectHandler();
    void bind(ClientData* data) { data_ = data; }
    /// Selects the object version and its resources for `version`.
    void select_version(Lwm2mVersion version);
    int32_t next_instance(int32_t after) const override;
    Status create_instance(uint16_t instance_id) override;
    Status delete_instance(uint16_t instance_id) override;
    bool has_resource(uint16_t instance_id, uint16_t resource_id) const override;
    int32_t next_resource_instance(uint16_t instance_id, uint16_t resource_id,
                                   int32_t after) const override;
    Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                Value& value) override;
    Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                 const Value& value) override;
    Status clear_resource(uint16_t instance_id, uint16_t resource_id) override;
    Status execute(uint16_t instance_id, uint16_t resource_id,
                   std::span<const uint8_t> arguments) override;
    Status begin_transaction() override;
    /// Marks the state for saving if the transaction changed a persisted value.
    void commit_transaction() override;
    void rollback_transaction() override;

  private:
    /// The session whose Server instance has `instance_id`, or nullptr.
    ServerSession* session_of(uint16_t instance_id) const;

    ClientData* data_ = nullptr;
    // Values before the transaction, restored by rollback.
    ServerObjectSnapshot saved_[LWM2M_MAX_SERVERS];
};

/// Device object (/3), version 1.1. Optional resources 6 to 10 and 20 to 22
/// come from DeviceInfo::read_resource.
class DeviceObjectHandler final : public Object {
  public:
    DeviceObjectHandler();
    void bind(ClientData* data, Clock* clock) {
        data_ = data;
        clock_ = clock;
    }
    bool has_resource(uint16_t instance_id, uint16_t resource_id) const override;
    int32_t next_resource_instance(uint16_t instance_id, uint16_t resource_id,
                                   int32_t after) const override;
    Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                Value& value) override;
    Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                 const Value& value) override;
    Status execute(uint16_t instance_id, uint16_t resource_id,
                   std::span<const uint8_t> arguments) override;
    Status begin_transaction() override;
    void rollback_transaction() override;

    /// Adds `error_code` (1 to 32) to Error Code (/3/0/11); kOk if it is
    /// already there. Errors: kInvalidArgument, kNoSpace (4 codes at once).
    Status set_error_code(uint8_t error_code);
    /// Removes `error_code`, keeping the others in order. Error: kNotFound.
    Status clear_error_code(uint8_t error_code);

  private:
    Status read_provided(uint16_t resource_id, uint16_t resource_instance_id, Value& value) const;

    ClientData* data_ = nullptr;
    Clock* clock_ = nullptr;
    DeviceObject saved_;
};

}  // namespace lwm2m::detail
