#include "lwm2m/slip/slip_codec.hpp"

#include <array>

namespace lwm2m::slip {
namespace {

// Escapes `bytes` into `chunk`, writing the chunk to the link each time it fills.
void write_escaped(SerialLink& link, std::span<std::byte> chunk, size_t& used,
                   std::span<const std::byte> bytes) {
    for (const std::byte byte : bytes) {
        if (used + 2 > chunk.size()) {
            link.write(chunk.first(used));
            used = 0;
        }
        if (byte == kEnd) {
            chunk[used++] = kEsc;
            chunk[used++] = kEscEnd;
        } else if (byte == kEsc) {
            chunk[used++] = kEsc;
            chunk[used++] = kEscEsc;
        } else {
            chunk[used++] = byte;
        }
    }
}

}  // namespace

void write_frame(SerialLink& link, std::span<const std::byte> head,
                 std::span<const std::byte> body) {
    std::array<std::byte, 64> chunk;
    size_t used = 0;
    chunk[used++] = kEnd;
    write_escaped(link, chunk, used, head);
    write_escaped(link, chunk, used, body);
    if (used == chunk.size()) {
        link.write(chunk);
        used = 0;
    }
    chunk[used++] = kEnd;
    link.write(std::span<const std::byte>(chunk).first(used));
}

Decoder::Event Decoder::push(std::byte byte) {
    if (complete_) {
        reset();
    }
    if (byte == kEnd) {
        Event event = Event::kNone;
        if (too_long_) {
            event = Event::kTooLong;
        } else if (malformed_ || escaped_) {
            event = Event::kMalformed;
        } else if (length_ > 0) {
            complete_ = true;
            return Event::kFrame;
        }
        reset();
        return event;
    }
    if (escaped_) {
        escaped_ = false;
        if (byte == kEscEnd) {
            byte = kEnd;
        } else if (byte == kEscEsc) {
            byte = kEsc;
        } else {
            malformed_ = true;
        }
    } else if (byte == kEsc) {
        escaped_ = true;
        return Event::kNone;
    }
    if (too_long_ || malformed_) {
        return Event::kNone;
    }
    if (length_ == buffer_.size()) {
        too_long_ = true;
        return Event::kNone;
    }
    buffer_[length_++] = byte;
    return Event::kNone;
}

void Decoder::reset() {
    length_ = 0;
    escaped_ = false;
    too_long_ = false;
    malformed_ = false;
    complete_ = false;
}

}  // namespace lwm2m::slip
