// UART0 of mps2-an386 as the serial link of lwm2m::slip::SlipTransport.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lwm2m/slip/slip_codec.hpp"

namespace mps2 {

/// Receives through the UART's receive interrupt into a ring buffer and
/// transmits by polling. Only one instance may exist, because the interrupt
/// handler feeds it.
///
/// With the ring full, the handler leaves the next byte in the data register
/// and masks the interrupt until read_byte() makes room. QEMU then stops the
/// sender, so no byte is lost. A hardware UART without flow control
/// loses bytes there instead, and overruns() counts its overrun flags.
class Uart0 final : public lwm2m::slip::SerialLink {
  public:
    /// Ring size: a power of two. It need not hold a whole escaped frame,
    /// because wait_for_event() also wakes when the ring is half full.
    static constexpr size_t kRingSize = 1024;

    /// Enables the transmitter, the receiver and the receive interrupt.
    void start();

    /// Waits for the transmitter between bytes (QEMU takes them at once).
    void write(std::span<const std::byte> bytes) override;
    bool read_byte(std::byte& byte) override;

    /// True if a frame end (SLIP END) or half a ring of bytes is buffered:
    /// the main loop has work.
    bool has_work() const;

    /// Receive overruns the UART flagged: each lost at least one byte
    /// because the handler did not read it in time. Always 0 under QEMU.
    uint32_t overruns() const { return overruns_; }

    /// Called by the receive interrupt handler only.
    void on_receive_interrupt();

  private:
    /// Moves received bytes into the ring while it has room; with the ring
    /// full, masks the receive interrupt. Runs with interrupts masked.
    void drain_receiver();

    std::byte ring_[kRingSize];
    /// Written by drain_receiver() only, in the handler or with interrupts masked.
    volatile uint32_t head_ = 0;
    /// Written by the main loop only.
    volatile uint32_t tail_ = 0;
    /// Frame ends received, counted by the handler; frame ends read, by the main loop.
    volatile uint32_t ends_received_ = 0;
    volatile uint32_t ends_read_ = 0;
    volatile uint32_t overruns_ = 0;
    /// The ring filled up and the receive interrupt is masked.
    volatile bool paused_ = false;
};

/// The instance the receive interrupt handler feeds.
extern Uart0 uart0;

}  // namespace mps2
