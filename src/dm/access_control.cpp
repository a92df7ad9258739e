// The Access Control object (/2) and the access checks it drives.
#include "dm/access_control.hpp"

#include <cstring>

#include "dm/builtin_values.hpp"
#include "dm/operations.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("acl");

#if LWM2M_WITH_ACCESS_CONTROL

namespace lwm2m::detail {
namespace {

using enum Operations;

// Access Control object 1.0 (urn:oma:lwm2m:oma:2), as in the OMA registry
// file 2.xml: resources 0 to 3.
constexpr ResourceDefinition kAccessControlResources[] = {
    {0, kRead, DataType::kInteger, false, true},       // Object ID
    {1, kRead, DataType::kInteger, false, true},       // Object Instance ID
    {2, kReadWrite, DataType::kInteger, true, false},  // ACL
    {3, kReadWrite, DataType::kInteger, false, true},  // Access Control Owner
};

constexpr uint16_t kMaxId = 65535;

}  // namespace

AccessControlObjectHandler::AccessControlObjectHandler() : Object(2, kAccessControlResources) {}

AclInstance* AccessControlObjectHandler::find(uint16_t instance_id) const {
    for (AclInstance& instance : data_->acl) {
        if (instance.id == instance_id && instance_id != kNoInstance) {
            return &instance;
        }
    }
    return nullptr;
}

int32_t AccessControlObjectHandler::next_instance(int32_t after) const {
    int32_t next = -1;
    for (const AclInstance& instance : data_->acl) {
        if (instance.id != kNoInstance && instance.id > after && (next < 0 || instance.id < next)) {
            next = instance.id;
        }
    }
    return next;
}

int32_t AccessControlObjectHandler::next_resource_instance(uint16_t instance_id,
                                                           uint16_t resource_id,
                                                           int32_t after) const {
    const AclInstance* instance = find(instance_id);
    if (instance == nullptr || resource_id != 2) {
        return -1;
    }
    for (uint8_t i = 0; i < instance->entry_count; ++i) {
        if (instance->entries[i].short_server_id > after) {
            return instance->entries[i].short_server_id;
        }
    }
    return -1;
}

Status AccessControlObjectHandler::read(uint16_t instance_id, uint16_t resource_id,
                                        uint16_t resource_instance_id, Value& value) {
    const AclInstance* instance = find(instance_id);
    if (instance == nullptr) {
        return Status::kNotFound;
    }
    switch (resource_id) {
        case 0:
            value = Value::make_integer(instance->object_id);
            return Status::kOk;
        case 1:
            value = Value::make_integer(instance->instance_id);
            return Status::kOk;
        case 2:
            for (uint8_t i = 0; i < instance->entry_count; ++i) {
                if (instance->entries[i].short_server_id == resource_instance_id) {
                    value = Value::make_integer(instance->entries[i].rights);
                    return Status::kOk;
                }
            }
            return Status::kNotFound;
        case 3:
            value = Value::make_integer(instance->owner);
            return Status::kOk;
    }
    return Status::kNotFound;
}

Status AccessControlObjectHandler::write(uint16_t instance_id, uint16_t resource_id,
                                         uint16_t resource_instance_id, const Value& value) {
    AclInstance* instance = find(instance_id);
    uint32_t number = 0;
    if (instance == nullptr) {
        return Status::kNotFound;
    }
    if (!to_uint32(value, number) || number > kMaxId) {
        return Status::kInvalidArgument;
    }
    switch (resource_id) {
        case 0:
            // Read-only for an LwM2M Server: only a Bootstrap-Write gets here.
            if (number == 0 || number == kMaxId) {
                return Status::kInvalidArgument;
            }
            instance->object_id = static_cast<uint16_t>(number);
            return Status::kOk;
        case 1:
            instance->instance_id = static_cast<uint16_t>(number);
            return Status::kOk;
        case 2: {
            if (resource_instance_id == kNoResourceInstance || number > access::kAll) {
                return Status::kInvalidArgument;
            }
            // Keep the entries in ascending Short Server ID order.
            uint8_t position = 0;
            while (position < instance->entry_count &&
                   instance->entries[position].short_server_id < resource_instance_id) {
                ++position;
            }
            AclEntry& slot = instance->entries[position];
            if (position < instance->entry_count && slot.short_server_id == resource_instance_id) {
                slot.rights = static_cast<uint16_t>(number);
                return Status::kOk;
            }
            if (instance->entry_count == LWM2M_MAX_ACL_ENTRIES) {
                return Status::kNoSpace;
            }
            for (uint8_t i = instance->entry_count; i > position; --i) {
                instance->entries[i] = instance->entries[i - 1];
            }
            instance->entries[position] = {resource_instance_id, static_cast<uint16_t>(number)};
            ++instance->entry_count;
            return Status::kOk;
        }
        case 3:
            instance->owner = static_cast<uint16_t>(number);
            return Status::kOk;
    }
    return Status::kUnsupported;
}

Status AccessControlObjectHandler::clear_resource(uint16_t instance_id, uint16_t resource_id) {
    AclInstance* instance = find(instance_id);
    if (instance != nullptr && resource_id == 2) {
        instance->entry_count = 0;
    }
    return Status::kOk;
}

Status AccessControlObjectHandler::create_instance(uint16_t instance_id) {
    if (find(instance_id) != nullptr) {
        return Status::kInvalidArgument;
    }
    for (AclInstance& instance : data_->acl) {
        if (instance.id == kNoInstance) {
            instance = {};
            instance.id = instance_id;
            return Status::kOk;
        }
    }
    LWM2M_LOG_WARNING("no room for Access Control instance %u (LWM2M_MAX_ACL_INSTANCES is %u)",
                      instance_id, LWM2M_MAX_ACL_INSTANCES);
    return Status::kNoSpace;
}

Status AccessControlObjectHandler::delete_instance(uint16_t instance_id) {
    AclInstance* instance = find(instance_id);
    if (instance == nullptr) {
        return Status::kNotFound;
    }
    *instance = {};
    return Status::kOk;
}

Status AccessControlObjectHandler::begin_transaction() {
    std::memcpy(saved_, data_->acl, sizeof(saved_));
    return Status::kOk;
}

void AccessControlObjectHandler::commit_transaction() {
    if (std::memcmp(saved_, data_->acl, sizeof(saved_)) != 0) {
        data_->state_save_due = true;
    }
}

void AccessControlObjectHandler::rollback_transaction() {
    std::memcpy(data_->acl, saved_, sizeof(saved_));
}

}  // namespace lwm2m::detail

namespace lwm2m::dm {
namespace {

using detail::AclInstance;

constexpr uint16_t kAccessControlObject = 2;
constexpr uint16_t kCreateInstance = 65535;

const AclInstance* find_acl(const detail::ClientData& data, uint16_t object_id,
                            uint16_t instance_id) {
    for (const AclInstance& instance : data.acl) {
        if (instance.id != detail::kNoInstance && instance.object_id == object_id &&
            instance.instance_id == instance_id) {
            return &instance;
        }
    }
    return nullptr;
}

// The rights of the server with `short_server_id` on /object_id/instance_id
// (LwM2M Core 1.1, 7.3.1): its own ACL entry, else all rights for the
// owner, else the default entry (ID 0), else none. No ACL instance, no rights.
uint16_t rights_of(const detail::ClientData& data, uint16_t short_server_id, uint16_t object_id,
                   uint16_t instance_id) {
    const AclInstance* acl = find_acl(data, object_id, instance_id);
    if (acl == nullptr) {
        return 0;
    }
    const detail::AclEntry* fallback = nullptr;
    for (uint8_t i = 0; i < acl->entry_count; ++i) {
        if (acl->entries[i].short_server_id == short_server_id) {
            return acl->entries[i].rights;
        }
        if (acl->entries[i].short_server_id == 0) {
            fallback = &acl->entries[i];
        }
    }
    if (acl->owner == short_server_id) {
        return detail::access::kAll;
    }
    return fallback != nullptr ? fallback->rights : 0;
}

uint8_t check_instance(const detail::ClientData& data, uint16_t object_id, uint16_t instance_id,
                       uint16_t right) {
    const uint16_t short_server_id = data.session->server.short_server_id;
    if (object_id == kAccessControlObject) {
        // An Access Control instance is readable, and managed by its owner.
        const AclInstance* acl = nullptr;
        for (const AclInstance& instance : data.acl) {
            acl = instance.id == instance_id ? &instance : acl;
        }
        const bool owner = acl != nullptr && acl->owner == short_server_id;
        return right == detail::access::kRead || (owner && right == detail::access::kWrite)
                   ? 0
                   : coap::code::kUnauthorized;
    }
    if ((rights_of(data, short_server_id, object_id, instance_id) & right) != 0) {
        return 0;
    }
    LWM2M_LOG_WARNING("server %u lacks access right 0x%x on /%u/%u", short_server_id, right,
                      object_id, instance_id);
    return coap::code::kUnauthorized;
}

}  // namespace

bool access_control_applies(const detail::ClientData& data) {
    uint8_t servers = 0;
    for (const detail::ServerSession& session : data.sessions) {
        if (session.server.instance_id != detail::kNoInstance) {
            ++servers;
        }
    }
    if (servers < 2) {
        return false;
    }
    for (const AclInstance& instance : data.acl) {
        if (instance.id != detail::kNoInstance) {
            return true;
        }
    }
    return false;
}

uint8_t check_access(const detail::ClientData& data, const Path& path, uint16_t right) {
    if (right == 0 || path.length == 0 || !access_control_applies(data)) {
        return 0;
    }
    const uint16_t object_id = path.ids[0];
    if (right == detail::access::kCreate) {
        return check_instance(data, object_id, kCreateInstance, right);
    }
    if (path.length >= 2) {
        return check_instance(data, object_id, path.ids[1], right);
    }
    Object* object = find_object(const_cast<detail::ClientData&>(data), object_id);
    if (object == nullptr) {
        return 0;  // the request fails with 4.04 on its own
    }
    for (int32_t instance = object->next_instance(-1); instance >= 0;
         instance = object->next_instance(instance)) {
        const uint8_t denied =
            check_instance(data, object_id, static_cast<uint16_t>(instance), right);
        if (denied != 0) {
            return denied;
        }
    }
    return 0;
}

void add_owner_acl(detail::ClientData& data, uint16_t object_id, uint16_t instance_id) {
    if (!access_control_applies(data) || object_id == kAccessControlObject) {
        return;
    }
    uint16_t acl_id = 0;
    while (data.access_control_object.next_instance(acl_id - 1) == acl_id) {
        ++acl_id;
    }
    if (data.access_control_object.create_instance(acl_id) != Status::kOk) {
        LWM2M_LOG_WARNING(
            "no room for the Access Control instance of /%u/%u: no server may "
            "access it",
            object_id, instance_id);
        return;
    }
    for (AclInstance& instance : data.acl) {
        if (instance.id == acl_id) {
            instance.object_id = object_id;
            instance.instance_id = instance_id;
            instance.owner = data.session->server.short_server_id;
        }
    }
    data.state_save_due = true;
}

void remove_acl(detail::ClientData& data, uint16_t object_id, uint16_t instance_id) {
    for (AclInstance& instance : data.acl) {
        if (instance.id != detail::kNoInstance && instance.object_id == object_id &&
            instance.instance_id == instance_id) {
            instance = {};
            data.state_save_due = true;
        }
    }
}

}  // namespace lwm2m::dm

#endif  // LWM2M_WITH_ACCESS_CONTROL
