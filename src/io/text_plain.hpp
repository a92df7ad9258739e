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
/// Integer, unsigned integer and time are written in decimal; float in plain
/// decimal notation with the fewest significant digits that read back to the
/// same double (never an exponent, so 1e-7 is "0.0000001"); boolean as "0" or
/// "1"; objlnk as "objectID:instanceID"; string and corelnk as their bytes;
/// opaque in base64 with padding (RFC 4648, section 4); none as nothing.
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
/// that has an integer value in range ("5.0", "1e3"); float resources read the
/// nearest double and reject values beyond the double range. Booleans are "0"
/// or "1"; objlnk is two decimal IDs up to 65535 joined by ':'; string and
/// corelnk must be valid UTF-8; none must be empty. Byte views of string and
/// corelnk point into the payload.
///
/// Opaque values are base64 with padding, decoded into `opaque_buffer`, which
/// must outlive the returned view; a buffer of payload.size() * 3 / 4 bytes is
/// always large enough. Reading an opaque value that does not fit returns
/// kMessageTooLarge.
///
/// The float reader uses about 0.8 KiB of stack and the float writer in
/// encode_text_plain() about 0.7 KiB, for their fixed-size big integers.
class TextPlainDecoder final : public Decoder {
  public:
    TextPlainDecoder(std::span<const uint8_t> payload, const Path& request_path,
                     std::span<uint8_t> opaque_buffer = {});

    Status next_entry(Path& path) override;
    Status read_value(DataType type, Value& value) override;

  private:
    std::span<const uint8_t> payload_;
    Path request_path_;
    std::span<uint8_t> opaque_buffer_;
    bool started_ = false;
    bool has_entry_ = false;
};

}  // namespace lwm2m::io
