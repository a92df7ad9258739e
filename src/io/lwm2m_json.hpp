// LwM2M JSON content format of LwM2M 1.0 (Content-Format 11543, and 1543
// before its registration): {"bn":"/3/0/","e":[{"n":"9","v":95}]}.
// Decoder only; LwM2M 1.1 and later clients send SenML JSON instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/codec.hpp"
#include "io/json_reader.hpp"

namespace lwm2m::io {

/// Reads the entries of an LwM2M JSON object.
///
/// The root object contains "e", the array of entries, and optionally "bn"
/// (base name) and "bt" (base time), in any order. Each entry contains "n"
/// (name), optionally "t" (time), and exactly one value: "v" (number), "sv"
/// (string, or base64 for opaque resources), "bv" (boolean) or "ov" (object
/// link "object:instance"). An entry's path is the base name followed by its
/// name, "/3/0/" + "9", with a slash put between them when neither has one
/// ("/3/0" + "9"). It must name a resource or resource instance within the
/// request path. "n" may be left out when the base name is the whole path,
/// and "bn" when every name is absolute. Other fields are skipped.
///
/// timestamp_s() reports bt + t rounded down, or 0 when neither is present.
/// NOTE: times are reported as sent. A relative time (negative, meaning
/// before now) is not resolved against a clock.
///
/// Rejected as kMalformed: a root that is not an object, a missing or
/// repeated "e", a field repeated in one entry, an entry with no value or
/// two values, a field of the wrong JSON type, an ID above 65534, and a
/// path outside the request path or shorter than a resource. The first
/// call of next_entry() checks the JSON syntax of the whole payload and the
/// root fields, so an error there makes that first call return kMalformed.
///
/// Strings without escapes are views into the payload. Strings with escapes
/// and opaque values are decoded into `scratch`; those views stay valid
/// until the next call of read_value(). A value that does not fit `scratch`
/// makes read_value() return kMessageTooLarge.
class Lwm2mJsonDecoder final : public Decoder {
  public:
    Lwm2mJsonDecoder(std::span<const uint8_t> payload, const Path& request_path,
                     std::span<uint8_t> scratch = {});

    Status next_entry(Path& path) override;
    Status read_value(DataType type, Value& value) override;
    int64_t timestamp_s() const override { return timestamp_s_; }

  private:
    enum class State : uint8_t { kStart, kInArray, kEntry, kDone, kFailed };
    enum class ValueField : uint8_t { kNone, kNumber, kString, kBoolean, kObjlnk };

    [[nodiscard]] Status scan_root();
    [[nodiscard]] Status enter_entries();
    [[nodiscard]] Status read_entry(Path& path);
    [[nodiscard]] Status read_field(std::span<const uint8_t> key, uint32_t& seen);
    [[nodiscard]] Status resolve_path(Path& path) const;
    [[nodiscard]] Status resolve_time();
    Status fail();

    std::span<const uint8_t> payload_;
    JsonReader reader_;
    Path request_path_;
    std::span<uint8_t> scratch_;
    State state_ = State::kStart;

    // Fields of the root object.
    std::span<const uint8_t> base_name_;
    double base_time_ = 0;
    bool has_base_time_ = false;

    // The current entry.
    std::span<const uint8_t> name_;
    double time_ = 0;
    ValueField value_field_ = ValueField::kNone;
    std::span<const uint8_t> value_text_;
    bool boolean_ = false;
    int64_t timestamp_s_ = 0;
};

}  // namespace lwm2m::io
