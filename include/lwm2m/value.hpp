// LwM2M paths and resource values, shared by the data model and the content
// formats.
#pragma once

#include <cstdint>
#include <span>

namespace lwm2m {

/// Object, instance, resource and resource-instance IDs; `length` is the
/// number of IDs present (0 is the root path "/").
struct Path {
    uint16_t ids[4] = {};
    uint8_t length = 0;

    static constexpr Path object(uint16_t object_id) { return {{object_id}, 1}; }
    static constexpr Path instance(uint16_t object_id, uint16_t instance_id) {
        return {{object_id, instance_id}, 2};
    }
    static constexpr Path resource(uint16_t object_id, uint16_t instance_id, uint16_t resource_id) {
        return {{object_id, instance_id, resource_id}, 3};
    }
    static constexpr Path resource_instance(uint16_t object_id, uint16_t instance_id,
                                            uint16_t resource_id, uint16_t resource_instance_id) {
        return {{object_id, instance_id, resource_id, resource_instance_id}, 4};
    }

    /// True if `other` is this path or lies below it (/3/0 contains /3/0/1).
    constexpr bool contains(const Path& other) const {
        if (other.length < length) {
            return false;
        }
        for (uint8_t i = 0; i < length; ++i) {
            if (ids[i] != other.ids[i]) {
                return false;
            }
        }
        return true;
    }

    constexpr bool operator==(const Path& other) const {
        return length == other.length && contains(other);
    }
};

/// LwM2M data types (LwM2M Core 1.1, appendix C).
enum class DataType : uint8_t {
    kNone,
    kInteger,
    kUnsignedInteger,
    kFloat,
    kBoolean,
    kString,
    kOpaque,
    /// Seconds since 1970-01-01T00:00:00Z, signed.
    kTime,
    kObjlnk,
    kCorelnk,
};

/// Object link: a reference to an object instance.
struct Objlnk {
    uint16_t object_id = 0;
    uint16_t instance_id = 0;

    bool operator==(const Objlnk&) const = default;
};

/// One resource value. String, opaque and corelnk values are views into a
/// buffer owned by the producer of the Value, which states how long the view
/// stays valid.
struct Value {
    DataType type = DataType::kNone;
    union {
        int64_t integer;
        uint64_t unsigned_integer;
        double floating;
        bool boolean;
        /// Seconds since 1970-01-01T00:00:00Z.
        int64_t time;
        Objlnk objlnk;
    };
    std::span<const uint8_t> bytes;

    constexpr Value() : integer(0) {}

    static constexpr Value make_integer(int64_t value) {
        Value result;
        result.type = DataType::kInteger;
        result.integer = value;
        return result;
    }
    static constexpr Value make_unsigned(uint64_t value) {
        Value result;
        result.type = DataType::kUnsignedInteger;
        result.unsigned_integer = value;
        return result;
    }
    static constexpr Value make_float(double value) {
        Value result;
        result.type = DataType::kFloat;
        result.floating = value;
        return result;
    }
    static constexpr Value make_boolean(bool value) {
        Value result;
        result.type = DataType::kBoolean;
        result.boolean = value;
        return result;
    }
    static constexpr Value make_time(int64_t seconds) {
        Value result;
        result.type = DataType::kTime;
        result.time = seconds;
        return result;
    }
    static constexpr Value make_objlnk(uint16_t object_id, uint16_t instance_id) {
        Value result;
        result.type = DataType::kObjlnk;
        result.objlnk = {object_id, instance_id};
        return result;
    }
    /// String, opaque or corelnk value viewing `data`.
    static constexpr Value make_bytes(DataType type, std::span<const uint8_t> data) {
        Value result;
        result.type = type;
        result.bytes = data;
        return result;
    }
};

}  // namespace lwm2m
