#include "bench_objects.hpp"

namespace bench {

namespace {

constexpr lwm2m::ResourceDefinition kTenIntegerResources[] = {
    {0, lwm2m::Operations::kReadWrite, lwm2m::DataType::kInteger},
    {1, lwm2m::Operations::kReadWrite, lwm2m::DataType::kInteger},
    {2, lwm2m::Operations::kReadWrite, lwm2m::DataType::kInteger},
    {3, lwm2m::Operations::kReadWrite, lwm2m::DataType::kInteger},
    {4, lwm2m::Operations::kReadWrite, lwm2m::DataType::kInteger},
    {5, lwm2m::Operations::kReadWrite, lwm2m::DataType::kInteger},
    {6, lwm2m::Operations::kReadWrite, lwm2m::DataType::kInteger},
    {7, lwm2m::Operations::kReadWrite, lwm2m::DataType::kInteger},
    {8, lwm2m::Operations::kReadWrite, lwm2m::DataType::kInteger},
    {9, lwm2m::Operations::kReadWrite, lwm2m::DataType::kInteger},
};

constexpr lwm2m::ResourceDefinition kSensorResources[] = {
    {0, lwm2m::Operations::kRead, lwm2m::DataType::kFloat},
};

}  // namespace

TenIntegers::TenIntegers() : Object(kObjectId, kTenIntegerResources) {}

lwm2m::Status TenIntegers::read(uint16_t instance_id, uint16_t resource_id, uint16_t,
                                lwm2m::Value& value) {
    if (instance_id != 0 || resource_id >= kResourceCount) {
        return lwm2m::Status::kNotFound;
    }
    value = lwm2m::Value::make_integer(values_[resource_id]);
    return lwm2m::Status::kOk;
}

lwm2m::Status TenIntegers::write(uint16_t instance_id, uint16_t resource_id, uint16_t,
                                 const lwm2m::Value& value) {
    if (instance_id != 0 || resource_id >= kResourceCount) {
        return lwm2m::Status::kNotFound;
    }
    values_[resource_id] = value.integer;
    return lwm2m::Status::kOk;
}

SensorArray::SensorArray(uint16_t count)
    : Object(kObjectId, kSensorResources), count_(count < kMaxInstances ? count : kMaxInstances) {
    for (uint16_t i = 0; i < count_; ++i) {
        values_[i] = 20.0 + i;
    }
}

void SensorArray::bump(uint16_t instance_id) {
    if (instance_id < count_) {
        values_[instance_id] += 0.5;
    }
}

int32_t SensorArray::next_instance(int32_t after) const {
    return after + 1 < count_ ? after + 1 : -1;
}

lwm2m::Status SensorArray::read(uint16_t instance_id, uint16_t resource_id, uint16_t,
                                lwm2m::Value& value) {
    if (instance_id >= count_ || resource_id != 0) {
        return lwm2m::Status::kNotFound;
    }
    value = lwm2m::Value::make_float(values_[instance_id]);
    return lwm2m::Status::kOk;
}

}  // namespace bench
