// Time on mps2-an386: timer 0 runs free and counts the time since start,
// timer 1 is the alarm that ends a wait for interrupts.
#pragma once

#include <cstdint>

#include "lwm2m/platform.hpp"

namespace mps2 {

class Uart0;

/// Starts timer 0 and enables the interrupts of both timers.
void start_timers();

/// 25 MHz ticks since start_timers(), 0 before: timer 0's count, extended
/// past its wrap (every 171.8 s) by the wraps its interrupt counted.
uint64_t elapsed_ticks();

/// Sleeps (wfi) until `uart` has work or `timeout_ms` has passed. Timeouts
/// above 171 s are cut to 171 s; the caller loops anyway.
void wait_for_event(Uart0& uart, uint32_t timeout_ms);

/// lwm2m::Clock from timer 0. Real time is the host's time read through
/// semihosting at construction, moved on by timer 0.
class TimerClock final : public lwm2m::Clock {
  public:
    TimerClock();
    uint64_t monotonic_ms() override;
    int64_t real_time_s() override;

  private:
    int64_t start_time_s_;
};

}  // namespace mps2
