// text/plain content format (Content-Format 0): one value as text, with the
// representations of LwM2M Core 1.1 appendix C.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/codec.hpp"
#include "io/payload_sink.hpp"
#include "lwm2m/status.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::io {

/// Encodes the one record of `source` as text (matches EncodeFunction).
///
/// Integer, unsigned integer and time are written in decimal. A float is
/// written in plain decimal notation with the fewest significant digits that
/// read back to the same double (of those, the nearest to it, as
/// std::to_chars picks), and never with an exponent (1e-7 is
/// "0.0000001"). A boolean is "0" or "1", an objlnk "objectID:instanceID",
/// string and corelnk are their bytes, opaque is base64 with padding
/// (RFC 4648, section 4), and none is empty.
/// Errors: kInvalidArgument (not exactly one record, a record path other than
/// the request path, a NaN or infinite float, or an unknown type),
/// kInvalidState (the source failed).
[[nodiscard]] Status encode_text_plain(const Path& request_path, const RecordSource& source,
                                       PayloadSink& sink);

/// Reads a text/plain payload as one entry at the request path.
///
/// read_value() is strict. Numbers are an optional '-', digits, an optional
/// fraction and an optional exponent ("-12.5e-3"), with no spaces or '+'
/// sign. Integer, unsigned integer and time resources accept any such number
/// with an integer value in range, such as "5.0" or "1e3". Float resources
/// read the nearest double and reject values beyond the double range.
/// Booleans are "0" or "1", and objlnk is two decimal IDs up to 65535 joined
/// by ':'. String and corelnk must be valid UTF-8 and are views into the
/// payload. None must be empty.
///
/// Opaque values are base64 with padding, decoded into `opaque_buffer`, which
/// must outlive the returned view. A buffer of payload.size() * 3 / 4 bytes is
/// always large enough. Reading an opaque value that does not fit returns
/// kMessageTooLarge.
///
/// The decoder streams (see Decoder) by waiting for the whole value: a value
/// longer than the whole-value limit returns kMessageTooLarge.
///
/// The float conversions are those of json_reader.hpp and keep fixed-size
/// big integers on the stack: reading a float needs about what
/// json_number_to_double() needs, and writing one in encode_text_plain()
/// about what format_double() needs, as stated there.
class TextPlainDecoder final : public Decoder {
  public:
    TextPlainDecoder(std::span<const uint8_t> payload, const Path& request_path,
                     std::span<uint8_t> opaque_buffer = {});

    Status next_entry(Path& path) override;
    Status read_value(DataType type, Value& value) override;

    bool can_stream() const override { return true; }
    void start_stream(size_t whole_value_limit) override;
    void feed(std::span<const uint8_t> window, bool last) override;
    // Every byte is kept until the value is complete.
    size_t resume_offset() const override { return 0; }

  private:
    Status read_complete_value(DataType type, Value& value);

    bool final_window_ = true;
    size_t whole_value_limit_ = SIZE_MAX;
    std::span<const uint8_t> payload_;
    Path request_path_;
    std::span<uint8_t> opaque_buffer_;
    SingleEntry entry_;
};

}  // namespace lwm2m::io
