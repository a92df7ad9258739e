// CBOR content format (Content-Format 60, LwM2M 1.1): one resource or
// resource instance value as a single CBOR data item.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/cbor_reader.hpp"
#include "io/cbor_writer.hpp"
#include "io/codec.hpp"

namespace lwm2m::io {

/// Encodes the one record of `source` as a single CBOR data item: integers as
/// major type 0 or 1, floats as the shortest exact float, strings and
/// corelnk as text strings, opaque as a byte string, time as tag 1 on an
/// integer, objlnk as the text "object:instance". Errors: kInvalidArgument
/// (not exactly one record, or a value of type kNone), kInvalidState (the
/// source failed).
[[nodiscard]] Status encode_cbor(const Path& request_path, const RecordSource& source,
                                 PayloadSink& sink);

/// Decodes a CBOR payload carrying one value, reported at the request path.
/// Indefinite-length strings are copied into a 64-byte scratch buffer inside
/// the decoder, so their views stay valid while the decoder lives. Longer
/// ones make read_value() return kMessageTooLarge. Other byte views
/// point into the payload.
class CborValueDecoder final : public Decoder {
  public:
    static constexpr size_t kScratchSize = 64;

    CborValueDecoder(std::span<const uint8_t> payload, const Path& request_path)
        : payload_(payload), request_path_(request_path) {}

    Status next_entry(Path& path) override;
    Status read_value(DataType type, Value& value) override;

  private:
    enum class State : uint8_t { kStart, kEntry, kDone, kFailed };

    std::span<const uint8_t> payload_;
    Path request_path_;
    State state_ = State::kStart;
    uint8_t scratch_[kScratchSize] = {};
};

namespace cbor {

/// Writes `value` as the CBOR data item that Content-Format 60 and LwM2M
/// CBOR use for its type. Returns false for a value of type kNone.
bool write_value(CborWriter& writer, const Value& value);

/// Reads one data item from `reader` and converts it to `type`: any number
/// for kFloat, integers or floats with no fraction for the integer types and
/// kTime (with or without tag 1), text strings for kString, kCorelnk and
/// kObjlnk ("object:instance"), byte strings for kOpaque. Indefinite-length
/// strings are copied into `scratch`. Errors: kMalformed (invalid or of
/// another type), kMessageTooLarge (a chunked string longer than `scratch`).
[[nodiscard]] Status read_value(CborReader& reader, DataType type, std::span<uint8_t> scratch,
                                Value& value);

/// Converts a number to an integer, unsigned, float or time value.
/// Errors: kMalformed (out of range, a fraction for an integer type, or
/// `type` is not numeric).
[[nodiscard]] Status number_to_value(const Number& number, DataType type, Value& value);

/// Parses an objlnk in the text form "object:instance", each ID 0 to 65535.
bool parse_objlnk(std::span<const uint8_t> text, Objlnk& objlnk);

/// Formats an ID in decimal into `buffer` (at least 5 bytes); returns the
/// length.
size_t format_id(uint16_t id, char* buffer);

/// Formats an objlnk as "object:instance" into `buffer` (at least 12 bytes);
/// returns the length.
size_t format_objlnk(const Objlnk& objlnk, char* buffer);

}  // namespace cbor
}  // namespace lwm2m::io
