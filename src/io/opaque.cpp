#include "io/opaque.hpp"

namespace lwm2m::io {

Status encode_opaque(const Path& request_path, const RecordSource& source, PayloadSink& sink) {
    OutputRecord record;
    const Status status = get_single_record(request_path, source, record);
    if (status != Status::kOk) {
        return status;
    }
    if (record.value.type != DataType::kOpaque) {
        return Status::kInvalidArgument;
    }
    sink.write(record.value.bytes);
    return Status::kOk;
}

Status OpaqueDecoder::next_entry(Path& path) {
    return entry_.next(request_path_, path);
}

Status OpaqueDecoder::read_value(DataType type, Value& value) {
    if (!entry_.current()) {
        return Status::kInvalidState;
    }
    if (type != DataType::kOpaque) {
        return Status::kMalformed;
    }
    value = Value::make_bytes(DataType::kOpaque, payload_);
    return Status::kOk;
}

}  // namespace lwm2m::io
