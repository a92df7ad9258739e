// The data model API: an application describes each LwM2M object with a table
// of resource definitions and implements the callbacks it needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lwm2m/status.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m {

namespace detail {
class ObjectTask;
}

/// Operations a resource allows (LwM2M Core, appendix D).
enum class Operations : uint8_t {
    kNone = 0,
    kRead = 1,
    kWrite = 2,
    kReadWrite = 3,
    kExecute = 4,
};

constexpr bool allows(Operations allowed, Operations requested) {
    return (static_cast<uint8_t>(allowed) & static_cast<uint8_t>(requested)) != 0;
}

/// One resource of an object definition.
struct ResourceDefinition {
    uint16_t id;
    Operations operations;
    DataType type;
    /// Multiple-instance resource: its values are resource instances.
    bool multiple = false;
    bool mandatory = false;
};

/// Resource-instance ID used for a single-instance resource.
inline constexpr uint16_t kNoResourceInstance = 0xffff;

/// An LwM2M object: its definition and the callbacks that serve its values.
///
/// The client calls these from Client::step() only. Every callback returns at
/// once. Statuses map to CoAP response codes in one place: kNotFound 4.04,
/// kUnsupported 4.05, kInvalidArgument and kMalformed 4.00, kNoSpace 4.13,
/// anything else 5.00.
///
/// The defaults describe one instance (ID 0) with every defined resource
/// present and no value: override what the object needs.
class Object {
  public:
    /// `resources` must be sorted by ID and outlive the object. `version` is
    /// the object version for the registration payload ("1.1"), or nullptr
    /// for 1.0.
    constexpr Object(uint16_t object_id, std::span<const ResourceDefinition> resources,
                     const char* version = nullptr)
        : id_(object_id), resources_(resources), version_(version) {}

    uint16_t id() const { return id_; }
    const char* version() const { return version_; }
    std::span<const ResourceDefinition> resources() const { return resources_; }

    /// Returns the definition of resource `resource_id`, or nullptr.
    const ResourceDefinition* find_resource(uint16_t resource_id) const;

    /// Returns the lowest instance ID greater than `after` (-1 to start), or -1
    /// if there is none. Instance IDs are below 65535.
    virtual int32_t next_instance(int32_t after) const { return after < 0 ? 0 : -1; }

    /// True if optional resource `resource_id` is present in the instance.
    virtual bool has_resource(uint16_t instance_id, uint16_t resource_id) const {
        (void)instance_id;
        (void)resource_id;
        return true;
    }

    /// For a multiple resource: the lowest resource-instance ID greater than
    /// `after` (-1 to start), or -1 if there is none.
    virtual int32_t next_resource_instance(uint16_t instance_id, uint16_t resource_id,
                                           int32_t after) const {
        (void)instance_id;
        (void)resource_id;
        (void)after;
        return -1;
    }

    /// Reads one value; `resource_instance_id` is kNoResourceInstance for a
    /// single resource. String and opaque views must stay valid until the
    /// next call into this object.
    virtual Status read(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                        Value& value) {
        (void)instance_id;
        (void)resource_id;
        (void)resource_instance_id;
        (void)value;
        return Status::kNotFound;
    }

    /// Writes one value, already converted to the resource's type. Byte views
    /// are valid only during the call: copy what must be kept.
    virtual Status write(uint16_t instance_id, uint16_t resource_id, uint16_t resource_instance_id,
                         const Value& value) {
        (void)instance_id;
        (void)resource_id;
        (void)resource_instance_id;
        (void)value;
        return Status::kUnsupported;
    }

    /// Writes a piece of a string, opaque or corelnk value that arrives in
    /// Block1 blocks and is too long to pass whole (LWM2M_BLOCK1_CARRY_SIZE).
    /// `value` holds the bytes from `offset` of the whole value. `last` is
    /// true for the final piece, which may be empty. The pieces come in order
    /// inside one transaction, so a rollback discards them. Byte views are
    /// valid only during the call. The default returns kNoSpace (4.13), so an
    /// object takes such values only by overriding this.
    virtual Status write_chunk(uint16_t instance_id, uint16_t resource_id,
                               uint16_t resource_instance_id, const Value& value, size_t offset,
                               bool last) {
        (void)instance_id;
        (void)resource_id;
        (void)resource_instance_id;
        (void)value;
        (void)offset;
        (void)last;
        return Status::kNoSpace;
    }

    /// Removes every instance of a multiple resource before a Write replaces it.
    virtual Status clear_resource(uint16_t instance_id, uint16_t resource_id) {
        (void)instance_id;
        (void)resource_id;
        return Status::kOk;
    }

    /// Runs an executable resource. `arguments` is the Execute payload
    /// (LwM2M Core, 5.4.5), valid only during the call.
    virtual Status execute(uint16_t instance_id, uint16_t resource_id,
                           std::span<const uint8_t> arguments) {
        (void)instance_id;
        (void)resource_id;
        (void)arguments;
        return Status::kUnsupported;
    }

    /// Creates an instance with every resource at its default value.
    virtual Status create_instance(uint16_t instance_id) {
        (void)instance_id;
        return Status::kUnsupported;
    }

    virtual Status delete_instance(uint16_t instance_id) {
        (void)instance_id;
        return Status::kUnsupported;
    }

    /// Transactions: a Write, Create or Write-Composite calls begin, then the
    /// writes, then validate; commit if validate returned kOk, rollback
    /// otherwise or if a write failed. An object that supports rollback keeps
    /// the old values from begin until commit or rollback. A Write or Create
    /// that arrives in Block1 blocks stays in its transaction from the first
    /// block to the last, across calls of Client::step(), and other requests
    /// may read the object meanwhile.
    virtual Status begin_transaction() { return Status::kOk; }
    virtual Status validate_transaction() { return Status::kOk; }
    virtual void commit_transaction() {}
    virtual void rollback_transaction() {}

    /// Work of its own that the object does in Client::step(), such as the
    /// Firmware Update object's downloads; nullptr for most objects.
    virtual detail::ObjectTask* task() { return nullptr; }

  protected:
    ~Object() = default;

    /// Replaces the definition given to the constructor, for an object whose
    /// resources and version depend on configuration. Same rules as there.
    void set_definition(std::span<const ResourceDefinition> resources, const char* version) {
        resources_ = resources;
        version_ = version;
    }

  private:
    uint16_t id_;
    std::span<const ResourceDefinition> resources_;
    const char* version_;
};

}  // namespace lwm2m
