// SenML CBOR content format (RFC 8428, section 6; Content-Format 112) as
// LwM2M 1.1 uses it: an array of records, each a map with integer labels,
// plus the LwM2M label "vlo" for object links.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/cbor_reader.hpp"
#include "io/codec.hpp"

namespace lwm2m::io {

/// Encodes the records of `source` as a SenML CBOR pack. The first record
/// carries the base name (bn, label -2): the request path, or its parent
/// when the only record is the request path itself. Each record then has
/// the rest of its path as name (n, 0) and its timestamp as time (t, 6) when
/// non-zero. Its value goes in v (2, numbers and time), vs (3, strings and
/// corelnk), vb (4), vd (8, opaque) or "vlo" (objlnk, "object:instance").
/// Errors: kInvalidArgument (a record outside the request path or of type
/// kNone), kInvalidState (the source failed).
[[nodiscard]] Status encode_senml_cbor(const Path& request_path, const RecordSource& source,
                                       PayloadSink& sink);

/// Decodes a SenML CBOR pack. Base name, base time and base value carry over
/// to later records. Labels may come in any order, and arrays, maps and
/// strings may have indefinite length.
///
/// Time (RFC 8428, 4.5.3): bt + t at or above 2^28 is seconds since 1970;
/// below that it is relative to `now_s`, the caller's current time in
/// seconds since 1970, which the constructor takes. A caller without a clock
/// passes 0 and gets the relative offset itself.
///
/// Rejected as kMalformed: a name that is not an absolute path within the
/// request path, a record with two values, a duplicate label, an integer
/// label that RFC 8428 does not define (its table of integer labels is
/// closed), a text label ending in '_' (must-understand, RFC 8428, 4.4), and
/// bver above 10. Unused labels (bu, bs, u, s, ut) and other text labels
/// are skipped.
///
/// Names, base names and chunked string values are copied into buffers of
/// kNameSize and kScratchSize bytes inside the decoder (about 200 bytes of
/// RAM); longer ones return kMessageTooLarge. A string value views the
/// payload or the scratch buffer until the next call of next_entry().
class SenmlCborDecoder final : public Decoder {
  public:
    static constexpr size_t kNameSize = 64;
    static constexpr size_t kScratchSize = 64;

    SenmlCborDecoder(std::span<const uint8_t> payload, const Path& request_path, int64_t now_s = 0)
        : payload_(payload), reader_(payload), request_path_(request_path), now_s_(now_s) {}

    Status next_entry(Path& path) override;
    Status read_value(DataType type, Value& value) override;
    int64_t timestamp_s() const override { return timestamp_s_; }

  private:
    enum class State : uint8_t { kStart, kInArray, kEntry, kDone, kFailed };
    enum class ValueLabel : uint8_t { kNone, kNumber, kString, kBoolean, kData, kObjlnk };

    /// Fields of the record being read; base fields go to the members.
    struct Record {
        std::span<const uint8_t> name;
        bool has_time = false;
        double time = 0.0;
        uint32_t seen_labels = 0;
    };

    static bool fits(DataType type, ValueLabel label);
    [[nodiscard]] Status read_record(Path& path);
    [[nodiscard]] Status read_pair(Record& record);
    [[nodiscard]] Status read_integer_label(int64_t label, Record& record);
    [[nodiscard]] Status read_text_label(std::span<const uint8_t> label, Record& record);
    [[nodiscard]] Status read_number_field(double& number);
    [[nodiscard]] Status read_name(std::span<uint8_t> buffer, std::span<const uint8_t>& name);
    [[nodiscard]] Status mark_value(ValueLabel label, cbor::ItemType expected);
    [[nodiscard]] Status finish_record(const Record& record, Path& path);
    Status fail(Status status);

    std::span<const uint8_t> payload_;
    cbor::CborReader reader_;
    Path request_path_;
    int64_t now_s_;
    State state_ = State::kStart;

    uint8_t base_name_[kNameSize] = {};
    size_t base_name_length_ = 0;
    double base_time_ = 0.0;
    bool has_base_time_ = false;
    double base_value_ = 0.0;

    ValueLabel value_label_ = ValueLabel::kNone;
    size_t value_offset_ = 0;
    int64_t timestamp_s_ = 0;
    uint8_t name_[kNameSize] = {};
    uint8_t scratch_[kScratchSize] = {};
};

}  // namespace lwm2m::io
