// Choice of content format for each operation, and the table of encoders and
// decoders the client is built with.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "io/cbor_value.hpp"
#include "io/codec.hpp"
#include "io/lwm2m_cbor.hpp"
#include "io/lwm2m_json.hpp"
#include "io/opaque.hpp"
#include "io/senml_cbor.hpp"
#include "io/senml_json.hpp"
#include "io/text_plain.hpp"
#include "io/tlv.hpp"
#include "lwm2m/client_config.hpp"
#include "lwm2m/config.hpp"

namespace lwm2m::dm {

/// Content-Format numbers of LwM2M 1.0 TLV and JSON from before their IANA
/// registration, which some servers still send.
inline constexpr uint16_t kLegacyTlvFormat = 1542;
inline constexpr uint16_t kLegacyJsonFormat = 1543;
/// LwM2M 1.0 JSON (application/vnd.oma.lwm2m+json): decoded, never produced.
inline constexpr uint16_t kLwm2mJsonFormat = 11543;

/// Returns the encoder for Content-Format `format`, or nullptr if the client
/// cannot produce it.
io::EncodeFunction find_encoder(uint16_t format);

/// True for formats that carry exactly one value (text/plain, opaque, CBOR).
bool is_single_value_format(uint16_t format);

/// Format of a Read response when the request has no Accept option: text/plain
/// (opaque for an opaque resource) for one value, otherwise the hierarchical
/// format preferred for `version`; the hierarchical one too for a value whose
/// single-value formats are not built in.
uint16_t default_read_format(Lwm2mVersion version, bool single_value, DataType type);

/// Storage for one decoder of any format; decoders never allocate. It lives on
/// the stack while a Write or Create is handled.
struct DecoderStorage {
    alignas(8) unsigned char bytes[std::max(
        {sizeof(io::TextPlainDecoder), sizeof(io::OpaqueDecoder), sizeof(io::CborValueDecoder),
         sizeof(io::SenmlJsonDecoder), sizeof(io::SenmlCborDecoder), sizeof(io::TlvDecoder),
         sizeof(io::Lwm2mCborDecoder), sizeof(io::Lwm2mJsonDecoder)})];
    /// Room for decoded values that are not views into the payload: SenML JSON
    /// strings with escapes, "vd" values and base64 opaque values in text/plain.
    /// NOTE: a decoded value longer than this is rejected with 4.13.
    uint8_t scratch[256];
};

/// Constructs in `storage` a decoder of `payload` in Content-Format `format`,
/// or returns nullptr if the client cannot read that format.
io::Decoder* make_decoder(uint16_t format, std::span<const uint8_t> payload,
                          const Path& request_path, DecoderStorage& storage);

}  // namespace lwm2m::dm
