#include "io/codec.hpp"

namespace lwm2m::io {

Status SingleEntry::next(const Path& request_path, Path& path) {
    if (started_) {
        current_ = false;
        return Status::kNotFound;
    }
    started_ = true;
    current_ = true;
    path = request_path;
    return Status::kOk;
}

Status get_single_record(const Path& request_path, const RecordSource& source,
                         OutputRecord& record) {
    if (source.count != 1) {
        return Status::kInvalidArgument;
    }
    if (source.get == nullptr || !source.get(source.context, 0, record)) {
        return Status::kInvalidState;
    }
    // The payload carries no path, so the value must be the requested one.
    return record.path == request_path ? Status::kOk : Status::kInvalidArgument;
}

}  // namespace lwm2m::io
