// Objects of the demo device: a temperature sensor (3303) whose value moves,
// and Connectivity Monitoring (4). They use only the public data model API.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lwm2m/client_config.hpp"
#include "lwm2m/object.hpp"
#include "lwm2m/platform.hpp"

namespace demo {

/// IPSO Temperature (3303), one instance. The value follows a slow sine wave
/// around 21 °C so that reads and observations see it move.
class TemperatureSensor final : public lwm2m::Object {
  public:
    explicit TemperatureSensor(lwm2m::Clock& clock);

    /// Recomputes the value for the current time; returns true if it changed
    /// by at least 0.1 °C since the last call.
    bool update();

    lwm2m::Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                       lwm2m::Value& value) override;
    lwm2m::Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                        const lwm2m::Value& value) override;
    lwm2m::Status execute(uint16_t instance_id, uint16_t resource_id,
                          std::span<const uint8_t> arguments) override;

  private:
    lwm2m::Clock& clock_;
    double value_ = 21.0;
    double reported_ = 21.0;
    double min_ = 21.0;
    double max_ = 21.0;
    char application_type_[32] = "room";
};

/// Connectivity Monitoring (4), one instance describing a loopback link.
class ConnectivityMonitoring final : public lwm2m::Object {
  public:
    ConnectivityMonitoring();

    int32_t next_resource_instance(uint16_t instance_id, uint16_t resource_id,
                                   int32_t after) const override;
    lwm2m::Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                       lwm2m::Value& value) override;
};

/// Binary App Data Container (19), one instance whose Data resource (0) has
/// one 5000-byte opaque value: large enough that a Read of it needs Block2.
class AppDataContainer final : public lwm2m::Object {
  public:
    static constexpr size_t kDataSize = 5000;

    AppDataContainer();

    int32_t next_resource_instance(uint16_t instance_id, uint16_t resource_id,
                                   int32_t after) const override;
    lwm2m::Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                       lwm2m::Value& value) override;
    lwm2m::Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                        const lwm2m::Value& value) override;

  private:
    uint8_t data_[kDataSize] = {};
    size_t size_ = kDataSize;
};

/// Device resources the demo provides (DeviceInfo::provided_resources): one
/// power source, an internal battery of 3700 mV and 120 mA at 87 percent,
/// operating normally, and 48 of 64 kB of memory free.
inline constexpr uint32_t kDeviceResources =
    lwm2m::device_resource_bit(6) | lwm2m::device_resource_bit(7) | lwm2m::device_resource_bit(8) |
    lwm2m::device_resource_bit(9) | lwm2m::device_resource_bit(10) |
    lwm2m::device_resource_bit(20) | lwm2m::device_resource_bit(21);

/// DeviceInfo::read_resource of the demo: the fixed values of kDeviceResources.
lwm2m::Status read_device_resource(void* context, uint16_t resource_id,
                                   uint16_t resource_instance_id, lwm2m::Value& value);

}  // namespace demo
