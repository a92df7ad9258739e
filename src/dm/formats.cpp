#include "dm/formats.hpp"

#include <new>

#include "coap/constants.hpp"

namespace lwm2m::dm {
namespace {

namespace format = coap::format;

template <typename DecoderType>
io::Decoder* construct(std::span<const uint8_t> payload, const Path& path,
                       DecoderStorage& storage) {
    static_assert(sizeof(DecoderType) <= sizeof(storage.bytes),
                  "DecoderStorage is too small for this decoder");
    static_assert(alignof(DecoderType) <= 8, "DecoderStorage is not aligned for this decoder");
    return new (storage.bytes) DecoderType(payload, path);
}

}  // namespace

io::EncodeFunction find_encoder(uint16_t content_format) {
    switch (content_format) {
#if LWM2M_WITH_TEXT_PLAIN
        case format::kTextPlain:
            return io::encode_text_plain;
#endif
#if LWM2M_WITH_OPAQUE
        case format::kOpaque:
            return io::encode_opaque;
#endif
#if LWM2M_WITH_CBOR
        case format::kCbor:
            return io::encode_cbor;
#endif
#if LWM2M_WITH_JSON
        case format::kSenmlJson:
            return io::encode_senml_json;
#endif
        case format::kSenmlCbor:
            return io::encode_senml_cbor;
#if LWM2M_WITH_TLV
        case format::kLwm2mTlv:
        case kLegacyTlvFormat:
            return io::encode_tlv;
#endif
#if LWM2M_WITH_LWM2M_CBOR
        case format::kLwm2mCbor:
            return io::encode_lwm2m_cbor;
#endif
        default:
            return nullptr;
    }
}

bool is_single_value_format(uint16_t content_format) {
    return content_format == format::kTextPlain || content_format == format::kOpaque ||
           content_format == format::kCbor;
}

uint16_t default_read_format(Lwm2mVersion version, bool single_value, DataType type) {
    if (single_value) {
        if (type == DataType::kOpaque && LWM2M_WITH_OPAQUE) {
            return format::kOpaque;
        }
        if (LWM2M_WITH_TEXT_PLAIN) {
            return format::kTextPlain;
        }
        if (LWM2M_WITH_CBOR) {
            return format::kCbor;
        }
    }
    // LwM2M 1.0 servers know TLV; 1.1 and later prefer SenML CBOR.
    return version == Lwm2mVersion::k1_0 && LWM2M_WITH_TLV ? format::kLwm2mTlv
                                                           : format::kSenmlCbor;
}

io::Decoder* make_decoder(uint16_t content_format, std::span<const uint8_t> payload,
                          const Path& request_path, DecoderStorage& storage) {
    switch (content_format) {
#if LWM2M_WITH_TEXT_PLAIN
        case format::kTextPlain:
            // The scratch buffer takes base64-decoded opaque values.
            return new (storage.bytes)
                io::TextPlainDecoder(payload, request_path, std::span<uint8_t>(storage.scratch));
#endif
#if LWM2M_WITH_OPAQUE
        case format::kOpaque:
            return construct<io::OpaqueDecoder>(payload, request_path, storage);
#endif
#if LWM2M_WITH_CBOR
        case format::kCbor:
            return construct<io::CborValueDecoder>(payload, request_path, storage);
#endif
#if LWM2M_WITH_JSON
        case format::kSenmlJson:
            return new (storage.bytes)
                io::SenmlJsonDecoder(payload, request_path, std::span<uint8_t>(storage.scratch));
        case kLwm2mJsonFormat:
        case kLegacyJsonFormat:
            return new (storage.bytes)
                io::Lwm2mJsonDecoder(payload, request_path, std::span<uint8_t>(storage.scratch));
#endif
        case format::kSenmlCbor:
            return construct<io::SenmlCborDecoder>(payload, request_path, storage);
#if LWM2M_WITH_TLV
        case format::kLwm2mTlv:
        case kLegacyTlvFormat:
            return construct<io::TlvDecoder>(payload, request_path, storage);
#endif
#if LWM2M_WITH_LWM2M_CBOR
        case format::kLwm2mCbor:
            return construct<io::Lwm2mCborDecoder>(payload, request_path, storage);
#endif
        default:
            return nullptr;
    }
}

}  // namespace lwm2m::dm
