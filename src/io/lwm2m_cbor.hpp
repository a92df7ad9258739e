// LwM2M CBOR content format (Content-Format 11544, LwM2M Core 1.2): nested
// CBOR maps keyed by path IDs, {3: {0: {0: "Open Mobile Alliance"}}}, where
// a key may also be an array of IDs that stands for several levels at once,
// {[3, 0]: {0: "Open Mobile Alliance"}}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/cbor_reader.hpp"
#include "io/codec.hpp"

namespace lwm2m::io {

/// Encodes the records of `source` as one LwM2M CBOR map (matches
/// EncodeFunction). The outermost keys are Object IDs whatever the request
/// path, and each further level is a nested definite-length map with one
/// unsigned key per ID, {3: {0: {9: 95}}}. Array keys are never written.
/// Values are written as in Content-Format 60 (cbor::write_value()). No
/// records give an empty map. The records are read several times: once to
/// check them, and once per level to count the pairs of each map.
/// Errors: kInvalidArgument (a record outside the request path, a path
/// shorter than a resource, records not in strictly ascending order, a
/// record below another record, a value of type kNone), kInvalidState (the
/// source failed).
[[nodiscard]] Status encode_lwm2m_cbor(const Path& request_path, const RecordSource& source,
                                       PayloadSink& sink);

/// Reads the entries of an LwM2M CBOR payload.
///
/// Accepts every nesting: unsigned keys, arrays of one to four unsigned IDs
/// as keys, definite and indefinite-length maps and arrays, and any mix of
/// them, {[3, 0]: {9: 95}, 3: {[0, 10]: 5}}. An entry is every key whose
/// value is not a map. Its path is the concatenation of the keys from the
/// root, which starts at the Object ID.
///
/// A null value yields an entry whose read_value() returns a Value of type
/// kNone, at any path length. Other values must sit on a resource or resource
/// instance (3 or 4 IDs).
///
/// Rejected as kMalformed: a payload that is not one map, and trailing
/// bytes. So is a key that is neither an unsigned integer nor a non-empty
/// array of them, and an ID above 65534, because LwM2M reserves 65535. So
/// are a path longer than four IDs and a value path outside the request path.
/// NOTE: a key repeated in one map is not detected, so its entries are
/// reported twice.
///
/// Indefinite-length strings are copied into a kScratchSize-byte buffer
/// inside the decoder; longer ones make read_value() return
/// kMessageTooLarge. Other byte views point into the payload.
class Lwm2mCborDecoder final : public Decoder {
  public:
    static constexpr size_t kScratchSize = 64;

    Lwm2mCborDecoder(std::span<const uint8_t> payload, const Path& request_path)
        : payload_(payload), reader_(payload), request_path_(request_path) {}

    Status next_entry(Path& path) override;
    Status read_value(DataType type, Value& value) override;

  private:
    enum class State : uint8_t { kStart, kInMap, kEntry, kDone, kFailed };

    /// The root map plus one nested map per ID at most.
    static constexpr size_t kMaxMaps = 5;

    [[nodiscard]] Status read_key();
    [[nodiscard]] Status add_id(const cbor::Item& item);
    [[nodiscard]] Status read_pair_value(bool& is_entry);
    [[nodiscard]] Status check_value();
    Status fail();

    std::span<const uint8_t> payload_;
    cbor::CborReader reader_;
    Path request_path_;
    State state_ = State::kStart;

    /// IDs of the keys that lead to the current position.
    Path current_;
    /// current_.length when each open map started.
    uint8_t map_prefix_[kMaxMaps] = {};
    size_t map_count_ = 0;

    size_t value_offset_ = 0;
    bool value_is_null_ = false;
    uint8_t scratch_[kScratchSize] = {};
};

}  // namespace lwm2m::io
