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
class OpaqueDecoder final : public Decoder {
  public:
    OpaqueDecoder(std::span<const uint8_t> payload, const Path& request_path)
        : payload_(payload), request_path_(request_path) {}

    Status next_entry(Path& path) override;
    Status read_value(DataType type, Value& value) override;

  private:
    std::span<const uint8_t> payload_;
    Path request_path_;
    SingleEntry entry_;
};

}  // namespace lwm2m::io
