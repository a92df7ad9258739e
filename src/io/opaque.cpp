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

void OpaqueDecoder::start_stream(size_t whole_value_limit) {
    final_window_ = false;
    whole_value_limit_ = whole_value_limit;
}

void OpaqueDecoder::feed(std::span<const uint8_t> window, bool last) {
    window_base_ = offset_;
    window_ = window;
    final_window_ = last;
}

Status OpaqueDecoder::read_value(DataType type, Value& value) {
    if (!entry_.current()) {
        return Status::kInvalidState;
    }
    if (type != DataType::kOpaque) {
        return Status::kMalformed;
    }
    const size_t window_end = window_base_ + window_.size();
    // A short value is returned whole once it is complete. A window that
    // reaches the limit before the last one cannot grow any further, so the
    // value goes on in pieces.
    if (!final_window_ && offset_ == 0 && window_end < whole_value_limit_) {
        return Status::kWouldBlock;
    }
    if (offset_ == window_end && !final_window_) {
        return Status::kWouldBlock;
    }
    chunk_ = {offset_, final_window_};
    value = Value::make_bytes(DataType::kOpaque, window_.subspan(offset_ - window_base_));
    offset_ = window_end;
    return Status::kOk;
}

}  // namespace lwm2m::io
