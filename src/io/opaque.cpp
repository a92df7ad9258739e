#include "io/opaque.hpp"

namespace lwm2m::io {

Status encode_opaque(const Path& request_path, const RecordSource& source, PayloadSink& sink) {
    if (source.count != 1) {
        return Status::kInvalidArgument;
    }
    OutputRecord record;
    if (source.get == nullptr || !source.get(source.context, 0, record)) {
        return Status::kInvalidState;
    }
    // The payload carries no path, so the value must be the requested one.
    if (!(record.path == request_path) || record.value.type != DataType::kOpaque) {
        return Status::kInvalidArgument;
    }
    sink.write(record.value.bytes);
    return Status::kOk;
}

Status OpaqueDecoder::next_entry(Path& path) {
    if (started_) {
        has_entry_ = false;
        return Status::kNotFound;
    }
    started_ = true;
    has_entry_ = true;
    path = request_path_;
    return Status::kOk;
}

Status OpaqueDecoder::read_value(DataType type, Value& value) {
    if (!has_entry_) {
        return Status::kInvalidState;
    }
    if (type != DataType::kOpaque) {
        return Status::kMalformed;
    }
    value = Value::make_bytes(DataType::kOpaque, payload_);
    return Status::kOk;
}

}  // namespace lwm2m::io
