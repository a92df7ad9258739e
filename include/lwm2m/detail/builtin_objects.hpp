// The objects every client has: Security (/0), Server (/1) and Device (/3),
// each with one instance. Part of the Client's state; not part of the API.
#pragma once

#include "lwm2m/object.hpp"
#include "lwm2m/platform.hpp"

namespace lwm2m::detail {

struct ClientData;

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

private:
    ClientData* data_ = nullptr;
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

private:
    ClientData* data_ = nullptr;
    Clock* clock_ = nullptr;
};

}  // namespace lwm2m::detail
