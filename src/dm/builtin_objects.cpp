// Security (/0), Server (/1) and Device (/3) object instances.
#include "lwm2m/detail/builtin_objects.hpp"

#include <cstring>

#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("dm");

namespace lwm2m::detail {
namespace {

using enum Operations;

std::span<const uint8_t> text_view(const char* text) {
    return {reinterpret_cast<const uint8_t*>(text), std::strlen(text)};
}

Value text_value(const char* text) {
    return Value::make_bytes(DataType::kString, text_view(text));
}

// Copies a string value into `out` (NUL-terminated); false if it does not fit.
bool copy_text(const Value& value, std::span<char> out) {
    if (value.bytes.size() >= out.size()) {
        return false;
    }
    std::memcpy(out.data(), value.bytes.data(), value.bytes.size());
    out[value.bytes.size()] = '\0';
    return true;
}

// Security object, LwM2M 1.1 resources that describe a NoSec account.
constexpr ResourceDefinition kSecurityResources[] = {
    {0, kNone, DataType::kString, false, true},     // LwM2M Server URI
    {1, kNone, DataType::kBoolean, false, true},    // Bootstrap-Server
    {2, kNone, DataType::kInteger, false, true},    // Security Mode
    {3, kNone, DataType::kOpaque, false, true},     // Public Key or Identity
    {4, kNone, DataType::kOpaque, false, true},     // Server Public Key
    {5, kNone, DataType::kOpaque, false, true},     // Secret Key
    {10, kNone, DataType::kInteger, false, false},  // Short Server ID
};

// Server object 1.1. Optional resources not listed here are absent.
constexpr ResourceDefinition kServerResources[] = {
    {0, kRead, DataType::kInteger, false, true},         // Short Server ID
    {1, kReadWrite, DataType::kInteger, false, true},    // Lifetime
    {2, kReadWrite, DataType::kInteger, false, false},   // Default Minimum Period
    {3, kReadWrite, DataType::kInteger, false, false},   // Default Maximum Period
    {4, kExecute, DataType::kNone, false, false},        // Disable
    {5, kReadWrite, DataType::kInteger, false, false},   // Disable Timeout
    {6, kReadWrite, DataType::kBoolean, false, true},    // Notification Storing
    {7, kReadWrite, DataType::kString, false, true},     // Binding
    {8, kExecute, DataType::kNone, false, true},         // Registration Update Trigger
    {16, kReadWrite, DataType::kBoolean, false, false},  // Bootstrap on Registration Failure
    {17, kReadWrite, DataType::kUnsignedInteger, false, false},  // Communication Retry Count
    {18, kReadWrite, DataType::kUnsignedInteger, false, false},  // Communication Retry Timer
    {19, kReadWrite, DataType::kUnsignedInteger, false, false},  // Sequence Delay Timer
    {20, kReadWrite, DataType::kUnsignedInteger, false, false},  // Sequence Retry Count
    {23, kReadWrite, DataType::kBoolean, false, false},          // Mute Send
};

// Device object 1.1.
constexpr ResourceDefinition kDeviceResources[] = {
    {0, kRead, DataType::kString, false, false},        // Manufacturer
    {1, kRead, DataType::kString, false, false},        // Model Number
    {2, kRead, DataType::kString, false, false},        // Serial Number
    {3, kRead, DataType::kString, false, false},        // Firmware Version
    {4, kExecute, DataType::kNone, false, true},        // Reboot
    {5, kExecute, DataType::kNone, false, false},       // Factory Reset
    {11, kRead, DataType::kInteger, true, true},        // Error Code
    {12, kExecute, DataType::kNone, false, false},      // Reset Error Code
    {13, kReadWrite, DataType::kTime, false, false},    // Current Time
    {14, kReadWrite, DataType::kString, false, false},  // UTC Offset
    {15, kReadWrite, DataType::kString, false, false},  // Timezone
    {16, kRead, DataType::kString, false, true},        // Supported Binding and Modes
    {17, kRead, DataType::kString, false, false},       // Device Type
    {18, kRead, DataType::kString, false, false},       // Hardware Version
    {19, kRead, DataType::kString, false, false},       // Software Version
};

// Reads a non-negative integer value of any integer type into `out`.
bool to_uint32(const Value& value, uint32_t& out) {
    if (value.type == DataType::kInteger && value.integer >= 0 && value.integer <= UINT32_MAX) {
        out = static_cast<uint32_t>(value.integer);
        return true;
    }
    if (value.type == DataType::kUnsignedInteger && value.unsigned_integer <= UINT32_MAX) {
        out = static_cast<uint32_t>(value.unsigned_integer);
        return true;
    }
    return false;
}

}  // namespace

SecurityObjectHandler::SecurityObjectHandler() : Object(0, kSecurityResources, "1.1") {}

Status SecurityObjectHandler::read(uint16_t, uint16_t resource_id, uint16_t, Value& value) {
    switch (resource_id) {
        case 0:
            value = text_value(data_->server_uri);
            return Status::kOk;
        case 1:
            value = Value::make_boolean(false);
            return Status::kOk;
        case 2:
            value = Value::make_integer(3);
            return Status::kOk;  // NoSec
        case 3:
        case 4:
        case 5:
            value = Value::make_bytes(DataType::kOpaque, {});
            return Status::kOk;
        case 10:
            value = Value::make_integer(data_->config.short_server_id);
            return Status::kOk;
    }
    return Status::kNotFound;
}

ServerObjectHandler::ServerObjectHandler() : Object(1, kServerResources, "1.1") {}

Status ServerObjectHandler::read(uint16_t, uint16_t resource_id, uint16_t, Value& value) {
    const ServerObject& server = data_->server;
    const RegistrationRetry& retry = data_->config.retry;
    switch (resource_id) {
        case 0:
            value = Value::make_integer(data_->config.short_server_id);
            return Status::kOk;
        case 1:
            value = Value::make_integer(server.lifetime_s);
            return Status::kOk;
        case 2:
            value = Value::make_integer(server.default_pmin_s);
            return Status::kOk;
        case 3:
            value = Value::make_integer(server.default_pmax_s);
            return Status::kOk;
        case 5:
            value = Value::make_integer(server.disable_timeout_s);
            return Status::kOk;
        case 6:
            value = Value::make_boolean(server.notification_storing);
            return Status::kOk;
        case 7:
            value = text_value(server.binding);
            return Status::kOk;
        case 16:
            value = Value::make_boolean(false);
            return Status::kOk;
        case 17:
            value = Value::make_unsigned(retry.retry_count);
            return Status::kOk;
        case 18:
            value = Value::make_unsigned(retry.retry_timer_s);
            return Status::kOk;
        case 19:
            value = Value::make_unsigned(retry.sequence_delay_s);
            return Status::kOk;
        case 20:
            value = Value::make_unsigned(retry.sequence_retry_count);
            return Status::kOk;
        case 23:
            value = Value::make_boolean(server.mute_send);
            return Status::kOk;
    }
    return Status::kUnsupported;
}

Status ServerObjectHandler::write(uint16_t, uint16_t resource_id, uint16_t, const Value& value) {
    ServerObject& server = data_->server;
    RegistrationRetry& retry = data_->config.retry;
    uint32_t number = 0;
    switch (resource_id) {
        case 1:
            if (!to_uint32(value, number) || number == 0) {
                return Status::kInvalidArgument;
            }
            if (number != server.lifetime_s) {
                server.lifetime_s = number;
                data_->changed_parameters |= changed::kLifetime;
                LWM2M_LOG_INFO("lifetime set to %lu s", static_cast<unsigned long>(number));
            }
            return Status::kOk;
        case 2:
            return to_uint32(value, server.default_pmin_s) ? Status::kOk : Status::kInvalidArgument;
        case 3:
            return to_uint32(value, server.default_pmax_s) ? Status::kOk : Status::kInvalidArgument;
        case 5:
            return to_uint32(value, server.disable_timeout_s) ? Status::kOk
                                                              : Status::kInvalidArgument;
        case 6:
            server.notification_storing = value.boolean;
            return Status::kOk;
        case 7:
            // Only the UDP binding exists so far.
            if (value.bytes.size() != 1 || value.bytes[0] != 'U') {
                return Status::kInvalidArgument;
            }
            return Status::kOk;
        case 16:
            // Bootstrap is not implemented, so the client never bootstraps on failure.
            return value.boolean ? Status::kInvalidArgument : Status::kOk;
        case 17:
        case 20:
            if (!to_uint32(value, number) || number == 0 || number > 255) {
                return Status::kInvalidArgument;
            }
            (resource_id == 17 ? retry.retry_count : retry.sequence_retry_count) =
                static_cast<uint8_t>(number);
            return Status::kOk;
        case 18:
            return to_uint32(value, retry.retry_timer_s) ? Status::kOk : Status::kInvalidArgument;
        case 19:
            return to_uint32(value, retry.sequence_delay_s) ? Status::kOk
                                                            : Status::kInvalidArgument;
        case 23:
            server.mute_send = value.boolean;
            return Status::kOk;
    }
    return Status::kUnsupported;
}

Status ServerObjectHandler::execute(uint16_t, uint16_t resource_id, std::span<const uint8_t>) {
    switch (resource_id) {
        case 4:
            LWM2M_LOG_INFO("Disable executed: off for %lu s",
                           static_cast<unsigned long>(data_->server.disable_timeout_s));
            data_->disable_requested = true;
            return Status::kOk;
        case 8:
            LWM2M_LOG_INFO("Registration Update Trigger executed");
            data_->update_requested = true;
            return Status::kOk;
    }
    return Status::kUnsupported;
}

Status ServerObjectHandler::begin_transaction() {
    saved_ = {data_->server, data_->config.retry, data_->changed_parameters};
    return Status::kOk;
}

void ServerObjectHandler::rollback_transaction() {
    data_->server = saved_.server;
    data_->config.retry = saved_.retry;
    data_->changed_parameters = saved_.changed_parameters;
}

DeviceObjectHandler::DeviceObjectHandler() : Object(3, kDeviceResources, "1.1") {}

bool DeviceObjectHandler::has_resource(uint16_t, uint16_t resource_id) const {
    const DeviceInfo& device = data_->config.device;
    switch (resource_id) {
        case 5:
            return device.factory_reset != nullptr;
        case 17:
            return device.device_type[0] != '\0';
        case 18:
            return device.hardware_version[0] != '\0';
        case 19:
            return device.software_version[0] != '\0';
    }
    return true;
}

int32_t DeviceObjectHandler::next_resource_instance(uint16_t, uint16_t resource_id,
                                                    int32_t after) const {
    if (resource_id != 11) {
        return -1;
    }
    // With no error recorded, Error Code has one instance of value 0.
    const int32_t count = data_->device.error_code_count == 0 ? 1 : data_->device.error_code_count;
    return after + 1 < count ? after + 1 : -1;
}

Status DeviceObjectHandler::read(uint16_t, uint16_t resource_id, uint16_t resource_instance_id,
                                 Value& value) {
    const DeviceInfo& info = data_->config.device;
    const DeviceObject& device = data_->device;
    switch (resource_id) {
        case 0:
            value = text_value(info.manufacturer);
            return Status::kOk;
        case 1:
            value = text_value(info.model_number);
            return Status::kOk;
        case 2:
            value = text_value(info.serial_number);
            return Status::kOk;
        case 3:
            value = text_value(info.firmware_version);
            return Status::kOk;
        case 11:
            if (resource_instance_id >=
                (device.error_code_count == 0 ? 1 : device.error_code_count)) {
                return Status::kNotFound;
            }
            value = Value::make_integer(
                device.error_code_count == 0 ? 0 : device.error_codes[resource_instance_id]);
            return Status::kOk;
        case 13:
            value = Value::make_time(clock_->real_time_s() + device.time_offset_s);
            return Status::kOk;
        case 14:
            value = text_value(device.utc_offset);
            return Status::kOk;
        case 15:
            value = text_value(device.timezone);
            return Status::kOk;
        case 16:
            value = text_value("U");
            return Status::kOk;
        case 17:
            value = text_value(info.device_type);
            return Status::kOk;
        case 18:
            value = text_value(info.hardware_version);
            return Status::kOk;
        case 19:
            value = text_value(info.software_version);
            return Status::kOk;
    }
    return Status::kUnsupported;
}

Status DeviceObjectHandler::write(uint16_t, uint16_t resource_id, uint16_t, const Value& value) {
    DeviceObject& device = data_->device;
    switch (resource_id) {
        case 13:
            device.time_offset_s = value.time - clock_->real_time_s();
            return Status::kOk;
        case 14:
            return copy_text(value, device.utc_offset) ? Status::kOk : Status::kInvalidArgument;
        case 15:
            return copy_text(value, device.timezone) ? Status::kOk : Status::kInvalidArgument;
    }
    return Status::kUnsupported;
}

Status DeviceObjectHandler::execute(uint16_t, uint16_t resource_id, std::span<const uint8_t>) {
    switch (resource_id) {
        case 4:
            LWM2M_LOG_INFO("Reboot executed");
            data_->reboot_requested = true;
            return Status::kOk;
        case 5:
            if (data_->config.device.factory_reset == nullptr) {
                return Status::kUnsupported;
            }
            LWM2M_LOG_INFO("Factory Reset executed");
            data_->factory_reset_requested = true;
            return Status::kOk;
        case 12:
            data_->device.error_code_count = 0;
            return Status::kOk;
    }
    return Status::kUnsupported;
}

Status DeviceObjectHandler::begin_transaction() {
    saved_ = data_->device;
    return Status::kOk;
}

void DeviceObjectHandler::rollback_transaction() {
    data_->device = saved_;
}

}  // namespace lwm2m::detail
