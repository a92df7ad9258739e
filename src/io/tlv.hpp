// LwM2M TLV content format (Content-Format 11542; LwM2M 1.0 servers may
// send the pre-registration code 1542, which decodes the same way).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/codec.hpp"
#include "io/payload_sink.hpp"
#include "lwm2m/status.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::io {

/// Encodes the records of `source` as TLV (matches EncodeFunction).
///
/// The request path selects the outer TLVs. An object (length 1) gives one
/// Object Instance TLV per instance, and an object instance (length 2) gives
/// Resource TLVs. A resource (length 3) gives one Resource TLV, or one
/// Multiple Resource TLV when the records are resource instances. A resource
/// instance (length 4) gives one Resource Instance TLV. A request on
/// a resource with no records gives an empty Multiple Resource TLV, because
/// only a multiple resource can have no value.
///
/// Every container length is computed from the records before the container
/// is written, so nothing is buffered but each record is read several times
/// (at most 9 times for a request on an object).
/// Errors: kInvalidState when the source fails. kInvalidArgument for a root
/// request path, and for a record that is outside the request path, not of
/// length 3 or 4, or out of ascending order. kInvalidArgument also for a
/// resource value mixed with its own instances, and for a value or container
/// too long for the 24-bit TLV Length field.
[[nodiscard]] Status encode_tlv(const Path& request_path, const RecordSource& source,
                                PayloadSink& sink);

/// Reads a TLV payload received with a request on `request_path`.
///
/// next_entry() returns every resource with a value and every resource
/// instance, with its absolute path. The outer TLVs must match the request
/// path, and anything else is kMalformed:
/// - an object takes Object Instance TLVs;
/// - an object instance takes Resource and Multiple Resource TLVs, or one
///   Object Instance TLV with the same instance ID around them;
/// - a resource takes one Resource or Multiple Resource TLV with its ID;
/// - a resource instance takes one Resource Instance TLV with its ID.
///
/// A Multiple Resource TLV with no instances is returned as one entry with the
/// resource path (length 3): empty_multiple_resource() is then true and
/// read_value() returns kOk with a Value of type kNone for any requested type.
///
/// read_value() follows the TLV forms of LwM2M Core appendix C. Integer,
/// unsigned integer and time take 1, 2, 4 or 8 bytes, float 4 or 8 bytes,
/// boolean 1 byte with 0 or 1, and objlnk 4 bytes. String, opaque and corelnk
/// are the bytes themselves, not checked for UTF-8, and none is no bytes.
/// TLV carries no type, so an integer resource reads the bytes as two's
/// complement and a float resource reads them as IEEE 754. Byte views point
/// into the current window, which must outlive their use.
///
/// The decoder streams (see Decoder). Offsets are counted from the start of
/// the whole payload, so container lengths hold across windows.
class TlvDecoder final : public Decoder {
  public:
    TlvDecoder(std::span<const uint8_t> payload, const Path& request_path);

    Status next_entry(Path& path) override;
    Status read_value(DataType type, Value& value) override;
    ValueChunk value_chunk() const override { return chunk_; }

    bool can_stream() const override { return true; }
    void start_stream(size_t whole_value_limit) override;
    void feed(std::span<const uint8_t> window, bool last) override;
    size_t resume_offset() const override;

    /// True if the current entry is a Multiple Resource TLV with no instances.
    bool empty_multiple_resource() const { return has_entry_ && empty_multiple_; }

  private:
    struct Header {
        uint8_t kind = 0;
        uint16_t id = 0;
        size_t value_begin = 0;
        size_t value_end = 0;
    };

    size_t window_end() const { return window_base_ + window_.size(); }
    std::span<const uint8_t> window_bytes(size_t begin, size_t end) const {
        return window_.subspan(begin - window_base_, end - begin);
    }

    Status read_header(size_t limit, Header& header) const;
    Status read_top_level(Header& header, Path& path);
    Status read_in_instance(const Header& header, Path& path);
    Status open_multiple_resource(const Header& header, Path& path);
    Status yield_leaf(const Header& header, uint16_t leaf_id, Path& path);
    Status read_value_piece(DataType type, Value& value);
    Status fail();

    // The bytes at hand: the whole payload, or the current window of a stream.
    std::span<const uint8_t> window_;
    size_t window_base_ = 0;
    bool final_window_ = true;
    size_t whole_value_limit_ = SIZE_MAX;

    Path request_path_;
    size_t offset_ = 0;
    size_t top_level_count_ = 0;
    // An instance request whose resources came in an Object Instance TLV.
    bool instance_wrapped_ = false;

    // Open containers: at most an Object Instance TLV and, inside it or at
    // the top level, a Multiple Resource TLV.
    bool in_instance_ = false;
    size_t instance_end_ = 0;
    bool in_multiple_ = false;
    size_t multiple_end_ = 0;
    // The path of the innermost open container (instance or resource IDs).
    Path container_path_;

    bool has_entry_ = false;
    bool empty_multiple_ = false;
    bool malformed_ = false;
    // The current entry's value. A value that continues past the window is
    // returned in pieces, from piece_offset_ on.
    size_t value_begin_ = 0;
    size_t value_end_ = 0;
    bool in_pieces_ = false;
    size_t piece_offset_ = 0;
    ValueChunk chunk_;
};

}  // namespace lwm2m::io
