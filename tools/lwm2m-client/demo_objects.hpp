// Objects of the demo device: a temperature sensor (3303) whose value moves,
// Connectivity Monitoring (4), a data container (19) and a test object with
// many instances. They use only the public data model API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

#include "lwm2m/client_config.hpp"
#include "lwm2m/object.hpp"
#include "lwm2m/platform.hpp"

namespace demo {

/// IPSO Temperature (3303), one instance. By default the value follows a
/// slow sine wave around 21 °C, sampled once a second, so that reads and
/// observations see it move. set_sequence() replaces the wave with fixed
/// steps for tests.
class TemperatureSensor final : public lwm2m::Object {
  public:
    static constexpr uint16_t kObjectId = 3303;
    static constexpr uint16_t kSensorValue = 5700;

    explicit TemperatureSensor(lwm2m::Clock& clock);

    /// Replaces the sine wave with `values` (not empty). The first value
    /// stays until the first Read of the object, which includes the Read of
    /// an Observe. From then on the sensor takes the next value every
    /// `period_ms` and keeps the last one.
    void set_sequence(std::vector<double> values, uint32_t period_ms);

    /// Samples the value for the current time. Returns true if it changed
    /// by at least 0.1 °C since the last call.
    bool update();

    /// Returns the milliseconds until update() can see a new value, or
    /// UINT32_MAX when the value no longer changes.
    uint32_t time_until_next_sample_ms() const;

    lwm2m::Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                       lwm2m::Value& value) override;
    lwm2m::Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                        const lwm2m::Value& value) override;
    lwm2m::Status execute(uint16_t instance_id, uint16_t resource_id,
                          std::span<const uint8_t> arguments) override;

  private:
    void sample();
    void set_value(double value);

    lwm2m::Clock& clock_;
    double value_ = 21.0;
    double reported_ = 21.0;
    double min_ = 21.0;
    double max_ = 21.0;
    uint64_t next_sample_ms_ = 0;
    std::vector<double> sequence_;
    uint32_t sequence_period_ms_ = 0;
    uint64_t sequence_start_ms_ = 0;
    bool sequence_started_ = false;
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
/// one opaque value of up to 5000 bytes: large enough that a Read of it needs
/// Block2 and a Write Block1. A Write goes to a staging copy, which commit
/// keeps and rollback drops, so a failed block-wise Write changes nothing.
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
    lwm2m::Status write_chunk(uint16_t instance_id, uint16_t resource_id,
                              uint16_t resource_instance_id, const lwm2m::Value& value,
                              size_t offset, bool last) override;
    lwm2m::Status begin_transaction() override;
    void commit_transaction() override;

  private:
    uint8_t data_[kDataSize] = {};
    size_t size_ = kDataSize;
    uint8_t staged_[kDataSize] = {};
    size_t staged_size_ = 0;
    bool staged_written_ = false;
};

/// A test object (32769) with object instances and no resources. It makes the
/// Register payload as long as a test needs, and Create and Delete change its
/// instances so that the next Update carries the links again.
class InstanceList final : public lwm2m::Object {
  public:
    static constexpr uint16_t kObjectId = 32769;

    /// Starts with instances 0 to `count` - 1.
    explicit InstanceList(uint32_t count);

    int32_t next_instance(int32_t after) const override;
    lwm2m::Status create_instance(uint16_t instance_id) override;
    lwm2m::Status delete_instance(uint16_t instance_id) override;

  private:
    std::set<uint16_t> instances_;
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
