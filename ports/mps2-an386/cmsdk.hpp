// Registers of the mps2-an386 peripherals this port drives (the Arm CMSDK APB
// UART and timer, as QEMU 7.2 emulates them) and of the Cortex-M4 NVIC.
#pragma once

#include <cstdint>

namespace mps2 {

inline volatile uint32_t& reg(uint32_t address) {
    return *reinterpret_cast<volatile uint32_t*>(address);
}

// CMSDK APB UART: data, state, control, interrupt status/clear, baud divider.
inline constexpr uint32_t kUart0Base = 0x40004000;
inline constexpr uint32_t kUartData = 0x00;
inline constexpr uint32_t kUartState = 0x04;
inline constexpr uint32_t kUartCtrl = 0x08;
inline constexpr uint32_t kUartIntClear = 0x0c;
inline constexpr uint32_t kUartBaudDiv = 0x10;
inline constexpr uint32_t kUartStateTxFull = 1u << 0;
inline constexpr uint32_t kUartStateRxFull = 1u << 1;
/// Write 1 to clear.
inline constexpr uint32_t kUartStateRxOverrun = 1u << 3;
inline constexpr uint32_t kUartCtrlTxEnable = 1u << 0;
inline constexpr uint32_t kUartCtrlRxEnable = 1u << 1;
inline constexpr uint32_t kUartCtrlRxInterrupt = 1u << 3;
inline constexpr uint32_t kUartIntRx = 1u << 1;
/// IRQ of UART0's receive interrupt.
inline constexpr uint32_t kUart0RxIrq = 0;

// CMSDK APB timer: control, current value, reload value, interrupt status/clear.
inline constexpr uint32_t kTimer0Base = 0x40000000;
inline constexpr uint32_t kTimer1Base = 0x40001000;
inline constexpr uint32_t kTimerCtrl = 0x00;
inline constexpr uint32_t kTimerValue = 0x04;
inline constexpr uint32_t kTimerReload = 0x08;
inline constexpr uint32_t kTimerIntClear = 0x0c;
inline constexpr uint32_t kTimerCtrlEnable = 1u << 0;
inline constexpr uint32_t kTimerCtrlInterrupt = 1u << 3;
inline constexpr uint32_t kTimer0Irq = 8;
inline constexpr uint32_t kTimer1Irq = 9;
/// The timers count the 25 MHz peripheral clock.
inline constexpr uint32_t kTimerTicksPerMs = 25000;

/// NVIC interrupt set-enable register for IRQs 0 to 31.
inline constexpr uint32_t kNvicIser0 = 0xe000e100;

inline void enable_irq(uint32_t irq) {
    reg(kNvicIser0) = 1u << irq;
}

/// Masks interrupts for its lifetime (PRIMASK), restoring the previous mask.
class InterruptLock {
  public:
    InterruptLock() { asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask_)::"memory"); }
    ~InterruptLock() { asm volatile("msr primask, %0" ::"r"(primask_) : "memory"); }
    InterruptLock(const InterruptLock&) = delete;
    InterruptLock& operator=(const InterruptLock&) = delete;

  private:
    uint32_t primask_;
};

}  // namespace mps2
