// Output of the content-format encoders: a window onto the virtual stream of
// an encoded payload, so that one block of a large response (RFC 7959, Block2)
// is produced without the whole payload ever being in RAM. Encoders are
// deterministic, so encoding the payload again with the next window gives the
// next block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace lwm2m::io {

class PayloadSink {
  public:
    /// Keeps the bytes of the stream from `skip` on, up to `window.size()` of them.
    explicit PayloadSink(std::span<uint8_t> window, size_t skip = 0)
        : window_(window), skip_(skip) {}

    /// Appends bytes to the stream.
    void write(std::span<const uint8_t> bytes);
    void write(uint8_t byte);
    void write(const char* text);

    /// Length of the whole stream written so far, inside the window or not.
    size_t total() const { return total_; }

    /// Bytes kept in the window.
    std::span<const uint8_t> kept() const { return window_.first(kept_); }

    /// True once the stream has gone past the end of the window.
    bool overflowed() const { return total_ > skip_ + window_.size(); }

  private:
    // Keeps the part of `bytes` that falls inside the window, if any.
    void write_partly(std::span<const uint8_t> bytes);

    std::span<uint8_t> window_;
    size_t skip_;
    size_t total_ = 0;
    size_t kept_ = 0;
};

}  // namespace lwm2m::io
