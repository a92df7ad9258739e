// A datagram transport over a serial line to a host bridge that owns the UDP
// socket (tools/slip-bridge). The link protocol is described in
// ports/mps2-an386/README.md: SLIP frames whose first byte is the kind, 'O'
// open, 'o' open result, 'C' close and 'D' datagram.
#pragma once

#include <array>

#include "lwm2m/config.hpp"
#include "lwm2m/slip/slip_codec.hpp"
#include "lwm2m/transport.hpp"

namespace lwm2m::slip {

/// The bridge opens the UDP socket on request, so connect() returns
/// kInProgress until its open result arrives, and the client calls it again.
/// reuse_last_port() requests that the bridge bind the recorded local port again.
/// If the bridge cannot bind it (another socket owns it, for example), this
/// transport opens a socket on a new port itself, because reuse_last_port()
/// has already returned. The client's Update then moves the registration.
///
/// While no open result arrives, every tenth connect() call (about 1 s while
/// the client waits) sends the request again with the same sequence, so a
/// request sent before the bridge was reading is not lost for good. The bridge
/// replies to a repeat with the same result and opens no second socket.
///
/// NOTE: frames carry no checksum, so the link must lose no byte once the
/// bridge reads it: a UART needs flow control. QEMU's emulated UART loses none
/// on TCP; on a pseudo-terminal it drops output until the bridge opens it.
class SlipTransport final : public net::Transport {
  public:
    /// Largest datagram in either direction: the client's receive buffer.
    static constexpr size_t kMaxDatagramSize = LWM2M_IN_BUFFER_SIZE;

    /// `first_sequence` numbers the open requests. Pass a random value, so
    /// that a late open result for a request sent before a reboot is unlikely to
    /// match one sent after it.
    explicit SlipTransport(SerialLink& link, uint8_t first_sequence = 0)
        : link_(link), decoder_(frame_), sequence_(first_sequence) {}
    SlipTransport(const SlipTransport&) = delete;
    SlipTransport& operator=(const SlipTransport&) = delete;

    Status create() override;
    Status connect(const char* host, uint16_t port) override;
    Status send(std::span<const std::byte> datagram) override;
    Result<size_t> receive(std::span<std::byte> buffer) override;
    Status shutdown() override { return Status::kOk; }
    Status close() override;
    Status cleanup() override;
    net::TransportState state() const override { return state_; }
    size_t inner_mtu() const override { return kMaxDatagramSize; }
    uint16_t local_port() const override { return local_port_; }
    void set_receive_off(bool) override {}
    Status reuse_last_port() override;

    /// Reads the frames that arrive while no socket is open: takes an open
    /// result and drops anything else. The client reads only while
    /// connected, so call this before sleeping, or a frame left in the
    /// link keeps the main loop awake.
    void poll();

    /// Frames dropped since create(): malformed, too long, of an unknown kind,
    /// or a datagram that arrived with no socket open. Open results for
    /// earlier requests, or repeated ones, are ignored without a count.
    uint32_t dropped_frames() const { return dropped_frames_; }

  private:
    enum class OpenRequest : uint8_t { kNone, kSent, kAnswered };

    /// Sends an open request for a socket bound to `bind_port` (0: any).
    Status request_open(uint16_t bind_port, const char* host, uint16_t port);
    /// Writes the open request with the current sequence and the recorded
    /// ports, for `host`, whose length is recorded too.
    void write_open_request(const char* host);
    /// Reads and handles frames until a datagram is copied into `buffer`
    /// (returns its size) or no complete frame is left (kWouldBlock).
    Result<size_t> read_frames(std::span<std::byte> buffer);
    /// Handles a complete frame; returns the datagram size if it was one.
    Result<size_t> handle_frame(std::span<const std::byte> frame, std::span<std::byte> buffer);
    void send_close();

    SerialLink& link_;
    /// One received frame: its kind, then up to a datagram.
    std::array<std::byte, 1 + kMaxDatagramSize> frame_{};
    Decoder decoder_;
    net::TransportState state_ = net::TransportState::kClosed;
    OpenRequest open_request_ = OpenRequest::kNone;
    /// Sequence number of the last open request; results for others are stale.
    uint8_t sequence_ = 0;
    /// Local port, remote port and host length of the last open request: a
    /// repeat sends the same. Another remote port or host length makes a new
    /// request. The host's text is not kept, so a host of the same length is
    /// not noticed. The client keeps its peer while it connects.
    uint16_t request_bind_port_ = 0;
    uint16_t request_remote_port_ = 0;
    uint16_t request_host_length_ = 0;
    /// connect() calls since the last open request was written.
    uint8_t polls_since_request_ = 0;
    /// Result code and local port of the open result for the last open request.
    uint8_t open_result_ = 0;
    uint16_t opened_port_ = 0;
    /// Local port of the current or last socket; 0 before the first.
    uint16_t local_port_ = 0;
    uint32_t dropped_frames_ = 0;
};

}  // namespace lwm2m::slip
