// Reset handler and vector table of a bare-metal Cortex-M4 image for QEMU's
// mps2-an386. The reset handler copies .data from code memory to RAM, zeroes
// .bss, turns on the FPU and runs the static constructors. Then it calls
// main() and ends the run with its return value through semihosting.
#include <array>
#include <cstdint>

#include "semihosting.hpp"
#include "stack.hpp"

extern "C" {
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern const uint32_t __data_load[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
extern uint32_t __stack_top[];
int main();

[[noreturn]] void reset_handler();
[[noreturn]] void fault_handler();
[[noreturn]] void unexpected_irq_handler();

// Interrupt handlers of the port (uart.cpp, timers.cpp). An image that does
// not link them gets unexpected_irq_handler, which never runs because such an
// image does not enable those interrupts.
void uart0_rx_irq_handler() __attribute__((weak, alias("unexpected_irq_handler")));
void timer0_irq_handler() __attribute__((weak, alias("unexpected_irq_handler")));
void timer1_irq_handler() __attribute__((weak, alias("unexpected_irq_handler")));
}

namespace {

// Coprocessor Access Control Register: full access to CP10 and CP11, the FPU.
volatile uint32_t& cpacr() {
    return *reinterpret_cast<volatile uint32_t*>(0xE000ED88);
}
constexpr uint32_t kFpuFullAccess = 0xFu << 20;

constexpr uint32_t kStackPaint = 0x5ca1ab1e;
constexpr uint32_t kPaintedWords = 32 * 1024 / 4;
// Words just below the reset handler's own frame that stay unpainted.
constexpr uint32_t kUnpaintedWords = 16;

}  // namespace

extern "C" void reset_handler() {
    // The FPU first: the compiler may use its registers anywhere below.
    cpacr() = cpacr() | kFpuFullAccess;
    asm volatile("dsb\n isb" ::: "memory");
    const uint32_t* from = __data_load;
    for (uint32_t* to = __data_start; to < __data_end; ++to, ++from) {
        *to = *from;
    }
    for (uint32_t* word = __bss_start; word < __bss_end; ++word) {
        *word = 0;
    }
    uint32_t* stack_pointer;
    asm volatile("mov %0, sp" : "=r"(stack_pointer));
    for (uint32_t* word = __stack_top - kPaintedWords; word < stack_pointer - kUnpaintedWords;
         ++word) {
        *word = kStackPaint;
    }
    for (void (**init)() = __init_array_start; init != __init_array_end; ++init) {
        (*init)();
    }
    mps2::semihosting_exit(main());
}

uint32_t mps2::stack_peak_bytes() {
    const uint32_t* word = __stack_top - kPaintedWords;
    while (word < __stack_top && *word == kStackPaint) {
        ++word;
    }
    return static_cast<uint32_t>(__stack_top - word) * 4;
}

// A fault ends the run with a status no test expects from main().
extern "C" void fault_handler() {
    mps2::semihosting_write("fault: NMI, hard, memory management, bus or usage fault\n");
    mps2::semihosting_exit(99);
}

extern "C" void unexpected_irq_handler() {
    mps2::semihosting_write("fault: an interrupt without a handler\n");
    mps2::semihosting_exit(98);
}

namespace {

using Handler = void (*)();

// The board's 32 interrupts: IRQ 0 is UART0 receive, IRQ 8 and 9 are timers 0
// and 1, and the port uses no other.
constexpr std::array<Handler, 32> interrupt_handlers() {
    std::array<Handler, 32> handlers{};
    handlers.fill(unexpected_irq_handler);
    handlers[0] = uart0_rx_irq_handler;
    handlers[8] = timer0_irq_handler;
    handlers[9] = timer1_irq_handler;
    return handlers;
}

// The initial stack pointer comes first. The exception handlers of the
// ARMv7-M core follow: reset, NMI, hard fault, memory management, bus and
// usage fault, four reserved, SVCall, debug monitor, reserved, PendSV and
// SysTick. Then come the board's interrupts.
struct VectorTable {
    uint32_t* initial_stack_pointer;
    Handler exceptions[15];
    std::array<Handler, 32> interrupts;
};
static_assert(sizeof(VectorTable) == (16 + 32) * 4, "16 exceptions, 32 IRQs");

[[gnu::section(".vectors"), gnu::used]] constinit const VectorTable kVectors = {
    __stack_top,
    {
        reset_handler,
        fault_handler,
        fault_handler,
        fault_handler,
        fault_handler,
        fault_handler,
        nullptr,
        nullptr,
        nullptr,
        nullptr,
        unexpected_irq_handler,
        unexpected_irq_handler,
        nullptr,
        unexpected_irq_handler,
        unexpected_irq_handler,
    },
    interrupt_handlers(),
};

}  // namespace
