// The interface every content format implements: encoders that write records
// into a PayloadSink, and decoders that read records from a payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/payload_sink.hpp"
#include "lwm2m/status.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::io {

/// One value to encode. `path` is absolute and always names a resource or a
/// resource instance (length 3 or 4).
/// NOTE: a multiple resource without instances cannot be expressed, so a
/// TLV Read of its object or instance leaves it out.
struct OutputRecord {
    Path path;
    Value value;
    /// Seconds since 1970 for formats with time (SenML); 0 means none.
    int64_t timestamp_s = 0;
};

/// The records of one response, in ascending path order. An encoder may read
/// them more than once and in any order (TLV needs container lengths first).
/// The byte views of a record stay valid until the next call of `get`.
struct RecordSource {
    size_t count = 0;
    const void* context = nullptr;
    /// Fills `record` with record `index` (< count); returns false on an
    /// internal failure, which the encoder reports as Status::kInvalidState.
    bool (*get)(const void* context, size_t index, OutputRecord& record) = nullptr;
};

/// The entry state of a decoder whose payload is one value at the request
/// path (text/plain, opaque).
class SingleEntry {
  public:
    /// Stores `request_path` and returns kOk on the first call, then
    /// returns kNotFound.
    Status next(const Path& request_path, Path& path);

    /// True between the first call of next() and the second.
    bool current() const { return current_; }

  private:
    bool started_ = false;
    bool current_ = false;
};

/// Gets the one record of `source` for a format that carries a single value
/// and no path (text/plain, opaque). Errors: kInvalidArgument (not exactly one
/// record, or a record path other than `request_path`), kInvalidState (the
/// source failed).
[[nodiscard]] Status get_single_record(const Path& request_path, const RecordSource& source,
                                       OutputRecord& record);

/// Encodes every record of `source` as the payload of a response to a request
/// on `request_path`. Errors: kInvalidArgument (a format that carries one value
/// got a number of records other than one, or a value it cannot carry),
/// kInvalidState (the source failed). Writing past the sink's window is not an
/// error: the caller checks PayloadSink::overflowed().
using EncodeFunction = Status (*)(const Path& request_path, const RecordSource& source,
                                  PayloadSink& sink);

/// Position of the bytes returned by read_value() in the entry's whole value.
struct ValueChunk {
    size_t offset = 0;
    /// True if the value ends with these bytes.
    bool last = true;
};

/// Reads records from a payload. The paths are absolute; a format that
/// carries no path (text/plain, opaque, CBOR) reports the request path.
///
/// Usage: while next_entry(path) returns kOk, call read_value() once with the
/// data type of the resource at `path`, looked up in the data model.
///
/// Streaming: a decoder whose can_stream() is true also reads a payload that
/// arrives in pieces, such as the blocks of a Block1 transfer. After
/// start_stream(), the payload given to the constructor is the first window.
/// next_entry() and read_value() return kWouldBlock when the window ends
/// before the entry or value. The caller then passes the next window to
/// feed(), starting with the bytes from resume_offset() that the previous
/// window still held. A value of at most `whole_value_limit` bytes (with its
/// header) is returned whole. A longer string, opaque or corelnk value comes
/// in pieces: read_value() returns the bytes the window contains and
/// value_chunk() tells where they lie. Call read_value() again after feed()
/// until value_chunk().last is true.
class Decoder {
  public:
    /// Moves to the next entry. Returns kOk, kNotFound at the end of the
    /// payload, or kMalformed. After kMalformed, further calls return kMalformed.
    virtual Status next_entry(Path& path) = 0;

    /// Converts the current entry's value to `type`. In typed formats (SenML,
    /// CBOR) a float resource accepts any numeric encoding and an integer
    /// resource a float with no fraction; untyped formats (TLV, text/plain)
    /// read the bytes as `type`. Byte views point into the payload or into a
    /// scratch buffer of the decoder's (escaped strings, base64), valid until
    /// the next call. Errors: kMalformed (the encoding is invalid or does not
    /// fit `type`), kMessageTooLarge (the decoded value does not fit the
    /// scratch buffer), kInvalidState (no current entry).
    virtual Status read_value(DataType type, Value& value) = 0;

    /// Timestamp of the current entry in seconds since 1970, or 0 (SenML only).
    /// Relative times (below 2^28) come back relative when the decoder was
    /// given no clock.
    virtual int64_t timestamp_s() const { return 0; }

    /// Position of the bytes that the last read_value() returned.
    virtual ValueChunk value_chunk() const { return {}; }

    /// True if the decoder reads a payload that arrives in pieces.
    virtual bool can_stream() const { return false; }

    /// Makes the payload given to the constructor the first window of a
    /// stream whose end feed() announces. Needs can_stream().
    virtual void start_stream(size_t whole_value_limit) { (void)whole_value_limit; }

    /// Continues the stream with `window`, whose first byte is the byte at
    /// resume_offset() of the whole payload. `last` marks the end of the payload.
    virtual void feed(std::span<const uint8_t> window, bool last) {
        (void)window;
        (void)last;
    }

    /// Offset in the whole payload of the first byte that the decoder has
    /// not consumed yet; the next window must start there.
    virtual size_t resume_offset() const { return 0; }

  protected:
    ~Decoder() = default;
};

}  // namespace lwm2m::io
