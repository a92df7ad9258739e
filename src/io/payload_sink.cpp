#include "io/payload_sink.hpp"

#include <cstring>

namespace lwm2m::io {

void PayloadSink::write(std::span<const uint8_t> bytes) {
    // Most writes land whole in a window that starts at the stream's start.
    if (skip_ == 0 && total_ <= window_.size() && bytes.size() <= window_.size() - total_) {
        if (!bytes.empty()) {
            std::memcpy(window_.data() + total_, bytes.data(), bytes.size());
        }
        total_ += bytes.size();
        kept_ = total_;
        return;
    }
    write_partly(bytes);
}

void PayloadSink::write(uint8_t byte) {
    if (skip_ == 0 && total_ < window_.size()) {
        window_[total_++] = byte;
        kept_ = total_;
        return;
    }
    write_partly(std::span<const uint8_t>(&byte, 1));
}

void PayloadSink::write_partly(std::span<const uint8_t> bytes) {
    const size_t begin = total_;
    total_ += bytes.size();
    // Copy the part of [begin, total_) that falls inside [skip_, skip_ + window).
    const size_t window_end = skip_ + window_.size();
    const size_t from = begin > skip_ ? begin : skip_;
    const size_t to = total_ < window_end ? total_ : window_end;
    if (from >= to) {
        return;
    }
    std::memcpy(window_.data() + (from - skip_), bytes.data() + (from - begin), to - from);
    kept_ = to - skip_;
}

void PayloadSink::write(const char* text) {
    write({reinterpret_cast<const uint8_t*>(text), std::strlen(text)});
}

}  // namespace lwm2m::io
