// The readable values under one or more paths as a RecordSource, shared by
// Read, Read-Composite and Send.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "dm/operations.hpp"
#include "io/codec.hpp"
#include "lwm2m/config.hpp"
#include "lwm2m/object.hpp"

namespace lwm2m::dm {

/// Walks the readable values under one or more targets, each in ascending
/// path order (Read names one target, Read-Composite and Send several).
struct ReadSource {
    struct Target {
        Object* object;
        Path path;
    };
    Target targets[std::max<size_t>(kMaxCompositePaths, LWM2M_MAX_SEND_PATHS)];
    uint8_t target_count = 0;
    /// The first failed Object::read(), which ends the walk.
    mutable Status error = Status::kOk;

    /// The place of a value in a walk: the target, the instance, the index of
    /// the resource in the object's definition table and the resource
    /// instance (-1 for a single resource).
    struct Position {
        uint8_t target = 0;
        int32_t instance = -1;
        size_t resource = 0;
        int32_t item = -1;
    };
    /// The value get_value() returned last, so that a call for the next
    /// index resumes after it instead of walking from the first value. An
    /// encoder requests the records in order, so each pass over n values
    /// reads n values rather than n * (n + 1) / 2.
    mutable bool has_last = false;
    mutable size_t last_index = 0;
    mutable Position last;
};

/// Counts the values of `source`; a read that fails stops the count and
/// sets source.error.
size_t count_values(const ReadSource& source);

/// RecordSource::get of a ReadSource passed as `context`: fills `record`
/// with the value at `index`, with timestamp 0.
bool get_value(const void* context, size_t index, io::OutputRecord& record);

}  // namespace lwm2m::dm
