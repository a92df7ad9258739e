#include "demo_objects.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

namespace demo {
namespace {

using lwm2m::DataType;
using lwm2m::Operations;
using lwm2m::ResourceDefinition;
using lwm2m::Status;
using lwm2m::Value;

lwm2m::Value text(const char* value) {
    return Value::make_bytes(DataType::kString,
                             {reinterpret_cast<const uint8_t*>(value), std::strlen(value)});
}

// IPSO Temperature 3303 resources.
constexpr ResourceDefinition kTemperatureResources[] = {
    {5601, Operations::kRead, DataType::kFloat},               // Min Measured Value
    {5602, Operations::kRead, DataType::kFloat},               // Max Measured Value
    {5603, Operations::kRead, DataType::kFloat},               // Min Range Value
    {5604, Operations::kRead, DataType::kFloat},               // Max Range Value
    {5605, Operations::kExecute, DataType::kNone},             // Reset Min and Max Measured Values
    {5700, Operations::kRead, DataType::kFloat, false, true},  // Sensor Value
    {5701, Operations::kRead, DataType::kString},              // Sensor Units
    {5750, Operations::kReadWrite, DataType::kString},         // Application Type
};

// Connectivity Monitoring 4 resources.
constexpr ResourceDefinition kConnectivityResources[] = {
    {0, Operations::kRead, DataType::kInteger, false, true},  // Network Bearer
    {1, Operations::kRead, DataType::kInteger, true, true},   // Available Network Bearer
    {2, Operations::kRead, DataType::kInteger, false, true},  // Radio Signal Strength
    {3, Operations::kRead, DataType::kInteger},               // Link Quality
    {4, Operations::kRead, DataType::kString, true, true},    // IP Addresses
    {8, Operations::kRead, DataType::kInteger},               // Cell ID
};

// Binary App Data Container 19 resources.
constexpr ResourceDefinition kAppDataResources[] = {
    {0, Operations::kReadWrite, DataType::kOpaque, true, true},  // Data
};

constexpr double kPi = 3.14159265358979323846;

// Interval between two samples of the sine wave.
constexpr uint32_t kSamplePeriodMs = 1000;

}  // namespace

TemperatureSensor::TemperatureSensor(lwm2m::Clock& clock)
    : Object(kObjectId, kTemperatureResources, "1.1"), clock_(clock) {
    (void)update();
}

void TemperatureSensor::set_sequence(std::vector<double> values, uint32_t period_ms) {
    sequence_ = std::move(values);
    sequence_period_ms_ = period_ms;
    sequence_started_ = false;
    value_ = sequence_.front();
    reported_ = value_;
    min_ = value_;
    max_ = value_;
}

void TemperatureSensor::set_value(double value) {
    value_ = value;
    min_ = value_ < min_ ? value_ : min_;
    max_ = value_ > max_ ? value_ : max_;
}

void TemperatureSensor::sample() {
    const uint64_t now_ms = clock_.monotonic_ms();
    if (sequence_.empty()) {
        // One full swing of ±3 °C every 10 minutes, rounded to 0.1 °C.
        const double seconds = static_cast<double>(now_ms) / 1000.0;
        set_value(std::round((21.0 + 3.0 * std::sin(2.0 * kPi * seconds / 600.0)) * 10.0) / 10.0);
        return;
    }
    if (!sequence_started_) {
        return;
    }
    const uint64_t step = (now_ms - sequence_start_ms_) / sequence_period_ms_;
    set_value(sequence_[step < sequence_.size() ? step : sequence_.size() - 1]);
}

bool TemperatureSensor::update() {
    sample();
    next_sample_ms_ = clock_.monotonic_ms() + kSamplePeriodMs;
    // Compared in whole tenths: the difference of two values rounded to 0.1
    // can come out just below 0.1 in binary floating point.
    if (std::lround(value_ * 10) == std::lround(reported_ * 10)) {
        return false;
    }
    reported_ = value_;
    return true;
}

uint32_t TemperatureSensor::time_until_next_sample_ms() const {
    const uint64_t now_ms = clock_.monotonic_ms();
    uint64_t next_ms = next_sample_ms_;
    if (!sequence_.empty()) {
        const uint64_t step =
            sequence_started_ ? (now_ms - sequence_start_ms_) / sequence_period_ms_ : 0;
        if (!sequence_started_ || step + 1 >= sequence_.size()) {
            return UINT32_MAX;
        }
        next_ms = sequence_start_ms_ + (step + 1) * sequence_period_ms_;
    }
    return next_ms > now_ms ? static_cast<uint32_t>(next_ms - now_ms) : 0;
}

Status TemperatureSensor::read(uint16_t, uint16_t resource_id, uint16_t, Value& value) {
    if (!sequence_.empty() && !sequence_started_) {
        sequence_started_ = true;
        sequence_start_ms_ = clock_.monotonic_ms();
    }
    // The sample is not reported here, so the next update() still returns
    // true for a change that a Read saw first.
    sample();
    switch (resource_id) {
        case 5601:
            value = Value::make_float(min_);
            return Status::kOk;
        case 5602:
            value = Value::make_float(max_);
            return Status::kOk;
        case 5603:
            value = Value::make_float(-40.0);
            return Status::kOk;
        case 5604:
            value = Value::make_float(85.0);
            return Status::kOk;
        case 5700:
            value = Value::make_float(value_);
            return Status::kOk;
        case 5701:
            value = text("Cel");
            return Status::kOk;
        case 5750:
            value = text(application_type_);
            return Status::kOk;
    }
    return Status::kNotFound;
}

Status TemperatureSensor::write(uint16_t, uint16_t resource_id, uint16_t, const Value& value) {
    if (resource_id != 5750 || value.bytes.size() >= sizeof(application_type_)) {
        return resource_id == 5750 ? Status::kInvalidArgument : Status::kUnsupported;
    }
    std::memcpy(application_type_, value.bytes.data(), value.bytes.size());
    application_type_[value.bytes.size()] = '\0';
    return Status::kOk;
}

Status TemperatureSensor::execute(uint16_t, uint16_t resource_id, std::span<const uint8_t>) {
    if (resource_id != 5605) {
        return Status::kUnsupported;
    }
    min_ = value_;
    max_ = value_;
    return Status::kOk;
}

ConnectivityMonitoring::ConnectivityMonitoring() : Object(4, kConnectivityResources, "1.1") {}

int32_t ConnectivityMonitoring::next_resource_instance(uint16_t, uint16_t resource_id,
                                                       int32_t after) const {
    // Available Network Bearer lists two bearers; IP Addresses one address.
    const int32_t count = resource_id == 1 ? 2 : (resource_id == 4 ? 1 : 0);
    return after + 1 < count ? after + 1 : -1;
}

Status ConnectivityMonitoring::read(uint16_t, uint16_t resource_id, uint16_t resource_instance_id,
                                    Value& value) {
    switch (resource_id) {
        case 0:
            value = Value::make_integer(41);
            return Status::kOk;  // 41: Ethernet
        case 1:
            // 41: Ethernet, 42: DSL (LwM2M object 4, Network Bearer values).
            value = Value::make_integer(resource_instance_id == 0 ? 41 : 42);
            return Status::kOk;
        case 2:
            value = Value::make_integer(-60);
            return Status::kOk;
        case 3:
            value = Value::make_integer(100);
            return Status::kOk;
        case 4:
            value = text("127.0.0.1");
            return Status::kOk;
        case 8:
            value = Value::make_integer(0);
            return Status::kOk;
    }
    return Status::kNotFound;
}

AppDataContainer::AppDataContainer() : Object(19, kAppDataResources) {
    // A pattern that a reader can check: byte i is i modulo 251.
    for (size_t i = 0; i < kDataSize; ++i) {
        data_[i] = static_cast<uint8_t>(i % 251);
    }
}

int32_t AppDataContainer::next_resource_instance(uint16_t, uint16_t resource_id,
                                                 int32_t after) const {
    return resource_id == 0 && after < 0 ? 0 : -1;
}

Status AppDataContainer::read(uint16_t, uint16_t resource_id, uint16_t resource_instance_id,
                              Value& value) {
    if (resource_id != 0 || resource_instance_id != 0) {
        return Status::kNotFound;
    }
    value = Value::make_bytes(DataType::kOpaque, {data_, size_});
    return Status::kOk;
}

Status AppDataContainer::write(uint16_t instance_id, uint16_t resource_id,
                               uint16_t resource_instance_id, const Value& value) {
    return write_chunk(instance_id, resource_id, resource_instance_id, value, 0, true);
}

Status AppDataContainer::write_chunk(uint16_t, uint16_t resource_id, uint16_t resource_instance_id,
                                     const Value& value, size_t offset, bool) {
    if (resource_id != 0 || resource_instance_id != 0) {
        return Status::kInvalidArgument;
    }
    if (offset > kDataSize || value.bytes.size() > kDataSize - offset) {
        return Status::kNoSpace;
    }
    std::memcpy(staged_ + offset, value.bytes.data(), value.bytes.size());
    staged_size_ = offset + value.bytes.size();
    staged_written_ = true;
    return Status::kOk;
}

Status AppDataContainer::begin_transaction() {
    staged_written_ = false;
    return Status::kOk;
}

void AppDataContainer::commit_transaction() {
    if (staged_written_) {
        std::memcpy(data_, staged_, staged_size_);
        size_ = staged_size_;
    }
}

InstanceList::InstanceList(uint32_t count) : Object(kObjectId, {}) {
    for (uint32_t id = 0; id < count && id < 65535; ++id) {
        instances_.insert(static_cast<uint16_t>(id));
    }
}

int32_t InstanceList::next_instance(int32_t after) const {
    const auto next = after < 0 ? instances_.begin() : instances_.upper_bound(after);
    return next == instances_.end() ? -1 : *next;
}

Status InstanceList::create_instance(uint16_t instance_id) {
    instances_.insert(instance_id);
    return Status::kOk;
}

Status InstanceList::delete_instance(uint16_t instance_id) {
    return instances_.erase(instance_id) == 1 ? Status::kOk : Status::kNotFound;
}

lwm2m::Status read_device_resource(void*, uint16_t resource_id, uint16_t, lwm2m::Value& value) {
    // Power source 1 is an internal battery, and Battery Status 0 is Normal.
    switch (resource_id) {
        case 6:
            value = lwm2m::Value::make_integer(1);
            return lwm2m::Status::kOk;
        case 7:
            value = lwm2m::Value::make_integer(3700);
            return lwm2m::Status::kOk;
        case 8:
            value = lwm2m::Value::make_integer(120);
            return lwm2m::Status::kOk;
        case 9:
            value = lwm2m::Value::make_integer(87);
            return lwm2m::Status::kOk;
        case 10:
            value = lwm2m::Value::make_integer(48);
            return lwm2m::Status::kOk;
        case 20:
            value = lwm2m::Value::make_integer(0);
            return lwm2m::Status::kOk;
        case 21:
            value = lwm2m::Value::make_integer(64);
            return lwm2m::Status::kOk;
    }
    return lwm2m::Status::kNotFound;
}

}  // namespace demo
