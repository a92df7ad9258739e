// Application objects of the CPU benchmarks: ten writable integers for the
// TLV Write, and sensor instances for the observations.
#pragma once

#include <cstdint>

#include "lwm2m/object.hpp"

namespace bench {

/// Object 32770, one instance with ten writable integer resources (0 to 9),
/// the target of the Write of ten resources in TLV.
class TenIntegers final : public lwm2m::Object {
  public:
    static constexpr uint16_t kObjectId = 32770;
    static constexpr uint16_t kResourceCount = 10;

    TenIntegers();

    lwm2m::Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                       lwm2m::Value& value) override;
    lwm2m::Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                        const lwm2m::Value& value) override;

  private:
    int64_t values_[kResourceCount] = {};
};

/// Object 32771 with instances 0 to `count` - 1, each with one readable float
/// (resource 0), so that a server can observe `count` different paths.
/// bump() changes the value of one instance.
class SensorArray final : public lwm2m::Object {
  public:
    static constexpr uint16_t kObjectId = 32771;
    static constexpr uint16_t kMaxInstances = 50;

    /// `count` is clamped to kMaxInstances.
    explicit SensorArray(uint16_t count);

    void bump(uint16_t instance_id);

    int32_t next_instance(int32_t after) const override;
    lwm2m::Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                       lwm2m::Value& value) override;

  private:
    uint16_t count_;
    double values_[kMaxInstances] = {};
};

}  // namespace bench
