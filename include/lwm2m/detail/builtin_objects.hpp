// The objects every client has: Security (/0), Server (/1) and Device (/3),
// each with one instance. Part of the Client's state; not part of the API.
#pragma once

#include "lwm2m/client_config.hpp"
#include "lwm2m/object.hpp"
#include "lwm2m/platform.hpp"

namespace lwm2m::detail {

struct ClientData;

/// Values of the Server object instance (/1/0) that the server may write.
struct ServerObject {
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

/// Security object (/0): the server account the client was configured with.
/// Reserved to a Bootstrap-Server; LwM2M servers get 4.01.
class SecurityObjectHandler final : public Object {
public:
    SecurityObjectHandler();
    void bind(ClientData* data) { data_ = data; }
    Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                Value& value) override;

private:
    ClientData* data_ = nullptr;
};

/// Server object (/1), version 1.1, for the one server account.
class ServerObjectHandler final : public Object {
public:
    ServerObjectHandler();
    void bind(ClientData* data) { data_ = data; }
    Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                Value& value) override;
    Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                 const Value& value) override;
    Status execute(uint16_t instance_id, uint16_t resource_id,
                   std::span<const uint8_t> arguments) override;
    Status begin_transaction() override;
    void rollback_transaction() override;

private:
    ClientData* data_ = nullptr;
    // Values before the transaction, restored by rollback.
    ServerObjectSnapshot saved_;
};

/// Device object (/3), version 1.1.
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

private:
    ClientData* data_ = nullptr;
    Clock* clock_ = nullptr;
    DeviceObject saved_;
};

}  // namespace lwm2m::detail
