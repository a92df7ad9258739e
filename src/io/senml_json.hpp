// SenML JSON (RFC 8428, Content-Format 110) as LwM2M 1.1 and 1.2 use it:
// one record per resource or resource instance, names that form paths
// ("/3/0/" + "1"), and the "vlo" field for object links.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/codec.hpp"
#include "io/json_reader.hpp"

namespace lwm2m::io {

/// Encodes the records as a SenML JSON pack (matches EncodeFunction). The
/// first record carries the base name: the request path with a trailing
/// slash, or its parent when a record's path equals the request path
/// ("/3/0/" + "0"). Later records carry only the name relative to it.
/// Value fields: "v" for integer, unsigned, float and time; "vb", "vs" for
/// string and corelnk, "vd" (base64url without padding) and "vlo"
/// ("object:instance"). A nonzero timestamp is written as an absolute "t".
/// Errors: kInvalidArgument (a record outside the request path or with a
/// path shorter than a resource, a NaN or infinite float, a string that is
/// not UTF-8), kInvalidState (the source failed).
Status encode_senml_json(const Path& request_path, const RecordSource& source, PayloadSink& sink);

/// Reads the records of a SenML JSON pack.
///
/// Accepts any valid JSON layout: whitespace, fields in any order, numbers
/// in any form. Base name and base time apply to later records until a
/// record changes them (RFC 8428, section 4.1). A record without a value
/// field (Read-Composite and Observe-Composite requests) yields an entry
/// whose read_value() returns a Value of type kNone.
///
/// Rejected as kMalformed: fields whose label ends with '_' (RFC 8428,
/// section 4.4), "bver" above 10, and "bv" (base values are not supported).
/// Also rejected: a field repeated in one record and more than one value
/// field. So are a name that is not a path "/o[/i[/r[/ri]]]" with IDs up to
/// 65534, a path outside the request path, and a value on a path shorter
/// than a resource. Other unknown fields are skipped.
///
/// Strings without escapes are returned as views into the payload. Strings
/// with escapes and every "vd" value are decoded into `scratch`; those views
/// stay valid until the next call of next_entry() or read_value(). A value
/// that does not fit `scratch` makes read_value() return kMessageTooLarge.
///
/// Times below 2^28 s are relative to "now" (RFC 8428, section 4.5.3) and
/// are resolved against `now_s`, the receiver's clock in seconds since 1970;
/// with the default 0 timestamp_s() reports them unchanged (negative means
/// in the past). Fractions of a second are dropped (rounded down).
class SenmlJsonDecoder final : public Decoder {
  public:
    SenmlJsonDecoder(std::span<const uint8_t> payload, const Path& request_path,
                     std::span<uint8_t> scratch = {}, int64_t now_s = 0);

    Status next_entry(Path& path) override;
    Status read_value(DataType type, Value& value) override;
    int64_t timestamp_s() const override { return timestamp_s_; }

  private:
    enum class ValueField : uint8_t { kNone, kNumber, kString, kBoolean, kData, kObjlnk };

    Status start();
    Status read_record(Path& path);
    Status read_field(std::span<const uint8_t> key, uint32_t& seen);
    Status read_value_field(const char* label, JsonToken token);
    Status resolve_path(Path& path) const;
    Status resolve_time();
    Status fail();

    JsonReader reader_;
    Path request_path_;
    std::span<uint8_t> scratch_;
    int64_t now_s_;

    // State carried from record to record.
    std::span<const uint8_t> base_name_;
    double base_time_ = 0;

    // The current record.
    std::span<const uint8_t> name_;
    double time_ = 0;
    ValueField value_field_ = ValueField::kNone;
    std::span<const uint8_t> value_text_;
    bool boolean_ = false;
    int64_t timestamp_s_ = 0;

    bool started_ = false;
    bool has_entry_ = false;
    bool finished_ = false;
    bool failed_ = false;
};

}  // namespace lwm2m::io
