#include "timers.hpp"

#include "cmsdk.hpp"
#include "semihosting.hpp"
#include "uart.hpp"

namespace mps2 {
namespace {

volatile uint32_t& timer0_reg(uint32_t offset) {
    return reg(kTimer0Base + offset);
}

volatile uint32_t& timer1_reg(uint32_t offset) {
    return reg(kTimer1Base + offset);
}

constexpr uint32_t kMaxAlarmMs = 0xffffffffu / kTimerTicksPerMs;

volatile uint32_t g_timer0_wraps = 0;
volatile bool g_alarm_fired = false;

}  // namespace

void start_timers() {
    timer0_reg(kTimerCtrl) = 0;
    timer0_reg(kTimerReload) = 0xffffffffu;
    timer0_reg(kTimerValue) = 0xffffffffu;
    timer0_reg(kTimerCtrl) = kTimerCtrlEnable | kTimerCtrlInterrupt;
    timer1_reg(kTimerCtrl) = 0;
    enable_irq(kTimer0Irq);
    enable_irq(kTimer1Irq);
}

uint64_t elapsed_ticks() {
    // Before start_timers() the counter contains its reset value, not a time.
    if ((timer0_reg(kTimerCtrl) & kTimerCtrlEnable) == 0) {
        return 0;
    }
    InterruptLock lock;
    uint32_t wraps = g_timer0_wraps;
    uint32_t value = timer0_reg(kTimerValue);
    // A wrap whose interrupt is still pending is not in the count yet; read
    // the value again, after the wrap for sure.
    if ((timer0_reg(kTimerIntClear) & 1u) != 0) {
        value = timer0_reg(kTimerValue);
        ++wraps;
    }
    return (static_cast<uint64_t>(wraps) << 32) + (0xffffffffu - value);
}

void wait_for_event(Uart0& uart, uint32_t timeout_ms) {
    if (timeout_ms == 0 || uart.has_work()) {
        return;
    }
    if (timeout_ms > kMaxAlarmMs) {
        timeout_ms = kMaxAlarmMs;
    }
    g_alarm_fired = false;
    timer1_reg(kTimerCtrl) = 0;
    timer1_reg(kTimerReload) = timeout_ms * kTimerTicksPerMs;
    timer1_reg(kTimerValue) = timeout_ms * kTimerTicksPerMs;
    timer1_reg(kTimerCtrl) = kTimerCtrlEnable | kTimerCtrlInterrupt;

    // wfi wakes on a pending interrupt even while PRIMASK masks it, so the
    // check and the sleep cannot miss an interrupt that comes between them.
    asm volatile("cpsid i" ::: "memory");
    while (!g_alarm_fired && !uart.has_work()) {
        asm volatile("wfi\n cpsie i\n isb\n cpsid i" ::: "memory");
    }
    asm volatile("cpsie i" ::: "memory");
    timer1_reg(kTimerCtrl) = 0;
}

TimerClock::TimerClock() : start_time_s_(semihosting_time()) {}

uint64_t TimerClock::monotonic_ms() {
    return elapsed_ticks() / kTimerTicksPerMs;
}

int64_t TimerClock::real_time_s() {
    return start_time_s_ + static_cast<int64_t>(monotonic_ms() / 1000);
}

}  // namespace mps2

extern "C" void timer0_irq_handler() {
    mps2::timer0_reg(mps2::kTimerIntClear) = 1;
    mps2::g_timer0_wraps = mps2::g_timer0_wraps + 1;
}

extern "C" void timer1_irq_handler() {
    mps2::timer1_reg(mps2::kTimerIntClear) = 1;
    mps2::timer1_reg(mps2::kTimerCtrl) = 0;
    mps2::g_alarm_fired = true;
}
