// The example's sensor: an IPSO Temperature object (3303) with one instance,
// whose value the firmware sets. It counts the reads it serves, so that the
// firmware can check that the server read it.
#pragma once

#include "lwm2m/object.hpp"

class TemperatureSensor final : public lwm2m::Object {
  public:
    static constexpr uint16_t kObjectId = 3303;
    static constexpr uint16_t kSensorValue = 5700;
    static constexpr uint16_t kSensorUnits = 5701;

    TemperatureSensor();

    void set_celsius(double celsius) { celsius_ = celsius; }

    /// Reads of Sensor Value served, alone or as part of the instance.
    unsigned value_reads() const { return value_reads_; }

    lwm2m::Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                       lwm2m::Value& value) override;

  private:
    double celsius_ = 21.5;
    unsigned value_reads_ = 0;
};
