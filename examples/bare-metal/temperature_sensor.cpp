#include "temperature_sensor.hpp"

namespace {

using lwm2m::DataType;
using lwm2m::Operations;

constexpr lwm2m::ResourceDefinition kResources[] = {
    {TemperatureSensor::kSensorValue, Operations::kRead, DataType::kFloat, false, true},
    {TemperatureSensor::kSensorUnits, Operations::kRead, DataType::kString},
};

constexpr char kUnits[] = "Cel";

}  // namespace

TemperatureSensor::TemperatureSensor() : Object(kObjectId, kResources, "1.1") {}

lwm2m::Status TemperatureSensor::read(uint16_t instance_id, uint16_t resource_id,
                                      uint16_t resource_instance_id, lwm2m::Value& value) {
    (void)resource_instance_id;
    if (instance_id != 0) {
        return lwm2m::Status::kNotFound;
    }
    if (resource_id == kSensorValue) {
        ++value_reads_;
        value = lwm2m::Value::make_float(celsius_);
        return lwm2m::Status::kOk;
    }
    if (resource_id == kSensorUnits) {
        value = lwm2m::Value::make_bytes(
            DataType::kString,
            std::span(reinterpret_cast<const uint8_t*>(kUnits), sizeof(kUnits) - 1));
        return lwm2m::Status::kOk;
    }
    return lwm2m::Status::kNotFound;
}
