#include "uart.hpp"

#include <atomic>

#include "cmsdk.hpp"

namespace mps2 {

Uart0 uart0;

namespace {

volatile uint32_t& uart_reg(uint32_t offset) {
    return reg(kUart0Base + offset);
}

// The smallest valid divider; the emulated line has no real baud rate.
constexpr uint32_t kBaudDivider = 16;

}  // namespace

void Uart0::start() {
    uart_reg(kUartBaudDiv) = kBaudDivider;
    uart_reg(kUartCtrl) = kUartCtrlTxEnable | kUartCtrlRxEnable | kUartCtrlRxInterrupt;
    enable_irq(kUart0RxIrq);
}

void Uart0::write(std::span<const std::byte> bytes) {
    for (const std::byte byte : bytes) {
        while ((uart_reg(kUartState) & kUartStateTxFull) != 0) {
        }
        uart_reg(kUartData) = std::to_integer<uint32_t>(byte);
    }
}

bool Uart0::read_byte(std::byte& byte) {
    const uint32_t tail = tail_;
    if (tail == head_) {
        return false;
    }
    // The byte was written before head_ moved on; keep the compiler from
    // reading it first.
    std::atomic_signal_fence(std::memory_order_acquire);
    byte = ring_[tail % kRingSize];
    if (byte == lwm2m::slip::kEnd) {
        ends_read_ = ends_read_ + 1;
    }
    tail_ = tail + 1;
    if (paused_) {
        InterruptLock lock;
        paused_ = false;
        uart_reg(kUartCtrl) = uart_reg(kUartCtrl) | kUartCtrlRxInterrupt;
        // The byte left waiting raised no interrupt that is still pending.
        drain_receiver();
    }
    return true;
}

bool Uart0::has_work() const {
    return ends_received_ != ends_read_ || head_ - tail_ >= kRingSize / 2;
}

void Uart0::on_receive_interrupt() {
    // Clear first: a byte that arrives after the last check below raises the
    // interrupt again instead of waiting unseen in the data register.
    uart_reg(kUartIntClear) = kUartIntRx;
    drain_receiver();
}

void Uart0::drain_receiver() {
    if ((uart_reg(kUartState) & kUartStateRxOverrun) != 0) {
        uart_reg(kUartState) = kUartStateRxOverrun;
        overruns_ = overruns_ + 1;
    }
    while ((uart_reg(kUartState) & kUartStateRxFull) != 0) {
        const uint32_t head = head_;
        if (head - tail_ == kRingSize) {
            paused_ = true;
            uart_reg(kUartCtrl) = uart_reg(kUartCtrl) & ~kUartCtrlRxInterrupt;
            return;
        }
        const auto byte = static_cast<std::byte>(uart_reg(kUartData) & 0xff);
        ring_[head % kRingSize] = byte;
        std::atomic_signal_fence(std::memory_order_release);
        head_ = head + 1;
        if (byte == lwm2m::slip::kEnd) {
            ends_received_ = ends_received_ + 1;
        }
    }
}

}  // namespace mps2

extern "C" void uart0_rx_irq_handler() {
    mps2::uart0.on_receive_interrupt();
}
