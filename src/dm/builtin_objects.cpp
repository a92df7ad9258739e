// Security (/0) and Device (/3) objects.
#include "lwm2m/detail/builtin_objects.hpp"

#include <cstring>

#include "dm/builtin_values.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("dm");

namespace lwm2m::detail {
namespace {

using enum Operations;

// Security object 1.1 (urn:oma:lwm2m:oma:0:1.1): every resource of the
// definition, 0 to 17. IDs, types and multiplicity agree between the OMA
// registry file 0.xml and a second, independent implementation. Only a
// Bootstrap-Server may access them, hence no operations for an LwM2M Server.
// NOTE: the 1.2 additions (18 to 30) are left out: only the registry file
// lists them, so they could not be checked in a second source.
constexpr ResourceDefinition kSecurityResources[] = {
    {0, kNone, DataType::kString, false, true},             // LwM2M Server URI
    {1, kNone, DataType::kBoolean, false, true},            // Bootstrap-Server
    {2, kNone, DataType::kInteger, false, true},            // Security Mode
    {3, kNone, DataType::kOpaque, false, true},             // Public Key or Identity
    {4, kNone, DataType::kOpaque, false, true},             // Server Public Key
    {5, kNone, DataType::kOpaque, false, true},             // Secret Key
    {6, kNone, DataType::kInteger, false, false},           // SMS Security Mode
    {7, kNone, DataType::kOpaque, false, false},            // SMS Binding Key Parameters
    {8, kNone, DataType::kOpaque, false, false},            // SMS Binding Secret Key(s)
    {9, kNone, DataType::kString, false, false},            // LwM2M Server SMS Number
    {10, kNone, DataType::kInteger, false, false},          // Short Server ID
    {11, kNone, DataType::kInteger, false, false},          // Client Hold Off Time
    {12, kNone, DataType::kInteger, false, false},          // Bootstrap-Server Account Timeout
    {13, kNone, DataType::kUnsignedInteger, false, false},  // Matching Type
    {14, kNone, DataType::kString, false, false},           // SNI
    {15, kNone, DataType::kUnsignedInteger, false, false},  // Certificate Usage
    {16, kNone, DataType::kUnsignedInteger, true, false},   // DTLS/TLS Ciphersuite
    {17, kNone, DataType::kObjlnk, false, false},           // OSCORE Security Mode
};

// Device object 1.1 (urn:oma:lwm2m:oma:3:1.1). IDs, types and multiplicity
// agree between the OMA registry file 3.xml and a second, independent object
// table. Version 1.2 of the object adds no resource.
constexpr ResourceDefinition kDeviceResources[] = {
    {0, kRead, DataType::kString, false, false},        // Manufacturer
    {1, kRead, DataType::kString, false, false},        // Model Number
    {2, kRead, DataType::kString, false, false},        // Serial Number
    {3, kRead, DataType::kString, false, false},        // Firmware Version
    {4, kExecute, DataType::kNone, false, true},        // Reboot
    {5, kExecute, DataType::kNone, false, false},       // Factory Reset
    {6, kRead, DataType::kInteger, true, false},        // Available Power Sources
    {7, kRead, DataType::kInteger, true, false},        // Power Source Voltage
    {8, kRead, DataType::kInteger, true, false},        // Power Source Current
    {9, kRead, DataType::kInteger, false, false},       // Battery Level
    {10, kRead, DataType::kInteger, false, false},      // Memory Free
    {11, kRead, DataType::kInteger, true, true},        // Error Code
    {12, kExecute, DataType::kNone, false, false},      // Reset Error Code
    {13, kReadWrite, DataType::kTime, false, false},    // Current Time
    {14, kReadWrite, DataType::kString, false, false},  // UTC Offset
    {15, kReadWrite, DataType::kString, false, false},  // Timezone
    {16, kRead, DataType::kString, false, true},        // Supported Binding and Modes
    {17, kRead, DataType::kString, false, false},       // Device Type
    {18, kRead, DataType::kString, false, false},       // Hardware Version
    {19, kRead, DataType::kString, false, false},       // Software Version
    {20, kRead, DataType::kInteger, false, false},      // Battery Status
    {21, kRead, DataType::kInteger, false, false},      // Memory Total
    {22, kRead, DataType::kObjlnk, true, false},        // ExtDevInfo
};

// Error Code values: 1 to 8 are defined, 9 to 15 reserved, 16 to 32 device specific.
constexpr uint8_t kMaxErrorCode = 32;

// True if `value`, read from the application for provided resource
// `resource_id`, has the resource's type and lies in its range.
bool valid_provided_value(uint16_t resource_id, const Value& value) {
    if (resource_id == 22) {
        return value.type == DataType::kObjlnk;
    }
    if (value.type != DataType::kInteger) {
        return false;
    }
    switch (resource_id) {
        case 6:
            return value.integer >= 0 && value.integer <= 7;
        case 9:
            return value.integer >= 0 && value.integer <= 100;
        case 20:
            return value.integer >= 0 && value.integer <= 6;
    }
    return true;
}

}  // namespace

SecurityObjectHandler::SecurityObjectHandler() : Object(0, kSecurityResources, "1.1") {}

SecurityInstance* SecurityObjectHandler::find(uint16_t instance_id) const {
    for (SecurityInstance& instance : data_->security) {
        if (instance.id == instance_id && instance_id != kNoInstance) {
            return &instance;
        }
    }
    return nullptr;
}

int32_t SecurityObjectHandler::next_instance(int32_t after) const {
    int32_t next = -1;
    for (const SecurityInstance& instance : data_->security) {
        if (instance.id != kNoInstance && instance.id > after && (next < 0 || instance.id < next)) {
            next = instance.id;
        }
    }
    return next;
}

bool SecurityObjectHandler::has_resource(uint16_t instance_id, uint16_t resource_id) const {
    // No SMS, OSCORE or cipher suite settings yet. Hold-off and account
    // timeout concern the Bootstrap-Server account.
    const SecurityInstance* instance = find(instance_id);
    if (resource_id == 11 || resource_id == 12) {
        return instance != nullptr && instance->bootstrap_server;
    }
    if (resource_id == 14 || resource_id == 15) {
        return instance != nullptr && instance->security_mode != kSecurityModeNoSec;
    }
    return resource_id <= 5 || resource_id == 10;
}

Status SecurityObjectHandler::read(uint16_t instance_id, uint16_t resource_id, uint16_t,
                                   Value& value) {
    const SecurityInstance* instance = find(instance_id);
    if (instance == nullptr) {
        return Status::kNotFound;
    }
    switch (resource_id) {
        case 0:
            value = text_value(instance->uri);
            return Status::kOk;
        case 1:
            value = Value::make_boolean(instance->bootstrap_server);
            return Status::kOk;
        case 2:
            value = Value::make_integer(instance->security_mode);
            return Status::kOk;
        case 3:
            value = Value::make_bytes(DataType::kOpaque,
                                      {instance->identity, instance->identity_length});
            return Status::kOk;
        case 4:
            value = Value::make_bytes(DataType::kOpaque,
                                      {instance->server_key, instance->server_key_length});
            return Status::kOk;
        case 5:
            value = Value::make_bytes(DataType::kOpaque,
                                      {instance->secret_key, instance->secret_key_length});
            return Status::kOk;
        case 10:
            value = Value::make_integer(instance->short_server_id);
            return Status::kOk;
        case 11:
            value = Value::make_integer(instance->client_hold_off_s);
            return Status::kOk;
        case 12:
            value = Value::make_integer(instance->account_timeout_s);
            return Status::kOk;
        case 14:
            value = text_value(instance->sni);
            return Status::kOk;
        case 15:
            value = Value::make_integer(instance->certificate_usage);
            return Status::kOk;
    }
    return Status::kNotFound;
}

namespace {

// Copies an opaque value into a key field; kNoSpace if it is too long.
template <size_t N>
Status copy_key(const Value& value, uint8_t (&out)[N], uint16_t& length) {
    return copy_key_bytes(value.bytes, out, length) ? Status::kOk : Status::kNoSpace;
}

}  // namespace

Status SecurityObjectHandler::write(uint16_t instance_id, uint16_t resource_id, uint16_t,
                                    const Value& value) {
    SecurityInstance* instance = find(instance_id);
    if (instance == nullptr) {
        return Status::kNotFound;
    }
    uint32_t number = 0;
    switch (resource_id) {
        case 0:
            return copy_text(value, instance->uri) ? Status::kOk : Status::kNoSpace;
        case 1:
            instance->bootstrap_server = value.boolean;
            return Status::kOk;
        case 2:
            // 0 PSK, 1 RPK, 2 certificate, 3 NoSec, 4 certificate with EST.
            if (!to_uint32(value, number) || number > 4) {
                return Status::kInvalidArgument;
            }
            instance->security_mode = static_cast<uint8_t>(number);
            return Status::kOk;
        case 3:
            return copy_key(value, instance->identity, instance->identity_length);
        case 4:
            return copy_key(value, instance->server_key, instance->server_key_length);
        case 5:
            return copy_key(value, instance->secret_key, instance->secret_key_length);
        case 10:
            if (!to_uint32(value, number) || number > 65535) {
                return Status::kInvalidArgument;
            }
            instance->short_server_id = static_cast<uint16_t>(number);
            return Status::kOk;
        case 11:
            return to_uint32(value, instance->client_hold_off_s) ? Status::kOk
                                                                 : Status::kInvalidArgument;
        case 12:
            return to_uint32(value, instance->account_timeout_s) ? Status::kOk
                                                                 : Status::kInvalidArgument;
        case 14:
            return copy_text(value, instance->sni) ? Status::kOk : Status::kNoSpace;
        case 15:
            if (!to_uint32(value, number) || number > 3) {
                return Status::kInvalidArgument;
            }
            instance->certificate_usage = static_cast<uint8_t>(number);
            return Status::kOk;
    }
    // SMS, OSCORE and cipher suite settings are not kept.
    LWM2M_LOG_DEBUG("Security resource %u not kept", resource_id);
    return Status::kOk;
}

Status SecurityObjectHandler::create_instance(uint16_t instance_id) {
    if (find(instance_id) != nullptr) {
        return Status::kInvalidArgument;
    }
    for (SecurityInstance& instance : data_->security) {
        if (instance.id == kNoInstance) {
            instance = {};
            instance.id = instance_id;
            return Status::kOk;
        }
    }
    LWM2M_LOG_WARNING("no room for Security instance %u (LWM2M_MAX_SECURITY_INSTANCES is %u)",
                      instance_id, LWM2M_MAX_SECURITY_INSTANCES);
    return Status::kNoSpace;
}

Status SecurityObjectHandler::delete_instance(uint16_t instance_id) {
    SecurityInstance* instance = find(instance_id);
    if (instance == nullptr) {
        return Status::kNotFound;
    }
    // Keys do not linger in RAM after their account is gone.
    *instance = {};
    return Status::kOk;
}

#if LWM2M_WITH_BOOTSTRAP
Status SecurityObjectHandler::begin_transaction() {
    std::memcpy(saved_, data_->security, sizeof(saved_));
    return Status::kOk;
}

void SecurityObjectHandler::commit_transaction() {
    if (std::memcmp(saved_, data_->security, sizeof(saved_)) != 0) {
        data_->state_save_due = true;
    }
    clear_saved();
}

void SecurityObjectHandler::rollback_transaction() {
    std::memcpy(data_->security, saved_, sizeof(saved_));
    clear_saved();
}

void SecurityObjectHandler::clear_saved() {
    // Keys do not linger in the copy either.
    for (SecurityInstance& instance : saved_) {
        instance = {};
    }
}
#else
// Without a Bootstrap-Server nothing writes the object (servers get 4.01).
Status SecurityObjectHandler::begin_transaction() { return Status::kOk; }
void SecurityObjectHandler::commit_transaction() {}
void SecurityObjectHandler::rollback_transaction() {}
void SecurityObjectHandler::clear_saved() {}
#endif

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
    if ((kDeviceProvidableResources & device_resource_bit(resource_id)) != 0) {
        return (device.provided_resources & device_resource_bit(resource_id)) != 0;
    }
    return true;
}

int32_t DeviceObjectHandler::next_resource_instance(uint16_t, uint16_t resource_id,
                                                    int32_t after) const {
    const DeviceInfo& info = data_->config.device;
    int32_t count = 0;
    switch (resource_id) {
        case 6:
        case 7:
        case 8:
            count = info.power_source_count;
            break;
        case 11:
            // With no error recorded, Error Code has one instance of value 0.
            count = data_->device.error_code_count == 0 ? 1 : data_->device.error_code_count;
            break;
        case 22:
            count = info.ext_dev_info_count;
            break;
    }
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
    return read_provided(resource_id, resource_instance_id, value);
}

Status DeviceObjectHandler::read_provided(uint16_t resource_id, uint16_t resource_instance_id,
                                          Value& value) const {
    const DeviceInfo& info = data_->config.device;
    if ((info.provided_resources & kDeviceProvidableResources & device_resource_bit(resource_id)) ==
        0) {
        return Status::kNotFound;
    }
    // The data model has checked that `resource_instance_id` exists.
    const Status status =
        info.read_resource(info.read_resource_context, resource_id, resource_instance_id, value);
    if (status != Status::kOk) {
        LWM2M_LOG_ERROR("application read of /3/0/%u failed: %s",
                        static_cast<unsigned>(resource_id), to_string(status));
        return Status::kInvalidState;
    }
    if (!valid_provided_value(resource_id, value)) {
        LWM2M_LOG_ERROR("application returned a value of the wrong type or range for /3/0/%u",
                        static_cast<unsigned>(resource_id));
        return Status::kInvalidState;
    }
    return Status::kOk;
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

Status DeviceObjectHandler::set_error_code(uint8_t error_code) {
    DeviceObject& device = data_->device;
    if (error_code == 0 || error_code > kMaxErrorCode) {
        return Status::kInvalidArgument;
    }
    for (uint8_t i = 0; i < device.error_code_count; ++i) {
        if (device.error_codes[i] == error_code) {
            return Status::kOk;
        }
    }
    if (device.error_code_count == sizeof(device.error_codes)) {
        return Status::kNoSpace;
    }
    device.error_codes[device.error_code_count++] = error_code;
    return Status::kOk;
}

Status DeviceObjectHandler::clear_error_code(uint8_t error_code) {
    DeviceObject& device = data_->device;
    for (uint8_t i = 0; i < device.error_code_count; ++i) {
        if (device.error_codes[i] != error_code) {
            continue;
        }
        for (uint8_t j = i; j + 1 < device.error_code_count; ++j) {
            device.error_codes[j] = device.error_codes[j + 1];
        }
        --device.error_code_count;
        return Status::kOk;
    }
    return Status::kNotFound;
}

Status DeviceObjectHandler::begin_transaction() {
    saved_ = data_->device;
    return Status::kOk;
}

void DeviceObjectHandler::rollback_transaction() {
    data_->device = saved_;
}

}  // namespace lwm2m::detail
