// SLIP framing (RFC 1055) of datagrams on a serial line: an encoder that writes
// one frame to a SerialLink and a decoder that takes one byte at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace lwm2m::slip {

inline constexpr std::byte kEnd{0xc0};
inline constexpr std::byte kEsc{0xdb};
/// After kEsc: an escaped kEnd.
inline constexpr std::byte kEscEnd{0xdc};
/// After kEsc: an escaped kEsc.
inline constexpr std::byte kEscEsc{0xdd};

/// A byte stream to a peer, such as a UART with a receive buffer.
class SerialLink {
  public:
    /// Writes all of `bytes`. May wait for the transmitter to take them.
    virtual void write(std::span<const std::byte> bytes) = 0;

    /// Takes the next received byte into `byte`; false if none is buffered.
    virtual bool read_byte(std::byte& byte) = 0;

  protected:
    ~SerialLink() = default;
};

/// Writes `head` and `body` as one frame: END, both parts escaped, END. The
/// leading END ends any noise the peer received before it.
void write_frame(SerialLink& link, std::span<const std::byte> head,
                 std::span<const std::byte> body);

/// Reassembles frames from a byte stream into a buffer of fixed size.
class Decoder {
  public:
    enum class Event : uint8_t {
        /// The byte was taken; no frame is complete.
        kNone,
        /// A frame is complete: frame() returns it until the next push().
        kFrame,
        /// A frame longer than the buffer ended; it was discarded.
        kTooLong,
        /// A frame with an invalid escape sequence ended; it was discarded.
        kMalformed,
    };

    explicit Decoder(std::span<std::byte> buffer) : buffer_(buffer) {}

    /// Takes the next byte of the stream. Empty frames (END END) are skipped.
    Event push(std::byte byte);

    std::span<const std::byte> frame() const { return buffer_.first(length_); }

    /// Drops a partial frame.
    void reset();

  private:
    std::span<std::byte> buffer_;
    size_t length_ = 0;
    bool escaped_ = false;
    bool too_long_ = false;
    bool malformed_ = false;
    /// frame() returns a complete frame; the next push() starts a new one.
    bool complete_ = false;
};

}  // namespace lwm2m::slip
