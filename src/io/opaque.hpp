// Opaque content format (Content-Format 42, application/octet-stream): the
// bytes of one opaque resource, such as a firmware image.
#pragma once

#include <cstdint>
#include <span>

#include "io/codec.hpp"
#include "io/payload_sink.hpp"
#include "lwm2m/status.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::io {

/// Writes the bytes of the one record of `source` (matches EncodeFunction).
/// Errors: kInvalidArgument (not exactly one record, a record path other than
/// the request path, or a value that is not opaque), kInvalidState (the source
/// failed).
[[nodiscard]] Status encode_opaque(const Path& request_path, const RecordSource& source,
                                   PayloadSink& sink);

/// Reads an opaque payload as one entry at the request path. read_value()
/// accepts only DataType::kOpaque (other types return kMalformed) and returns
/// a view of the whole payload, which must outlive the decoder.
///
/// The decoder streams (see Decoder): a payload longer than the whole-value
/// limit comes in pieces, each a view of the current window. So does a
/// payload of exactly that length whose last window is empty, because a
/// window that is not the last one and reaches the limit ends the wait.
class OpaqueDecoder final : public Decoder {
  public:
    OpaqueDecoder(std::span<const uint8_t> payload, const Path& request_path)
        : window_(payload), request_path_(request_path) {}

    Status next_entry(Path& path) override;
    Status read_value(DataType type, Value& value) override;
    ValueChunk value_chunk() const override { return chunk_; }

    bool can_stream() const override { return true; }
    void start_stream(size_t whole_value_limit) override;
    void feed(std::span<const uint8_t> window, bool last) override;
    size_t resume_offset() const override { return offset_; }

  private:
    std::span<const uint8_t> window_;
    size_t window_base_ = 0;
    bool final_window_ = true;
    size_t whole_value_limit_ = SIZE_MAX;
    // Offset of the first byte not returned yet.
    size_t offset_ = 0;
    ValueChunk chunk_;
    Path request_path_;
    SingleEntry entry_;
};

}  // namespace lwm2m::io
