#include "semihosting.hpp"

#include <cstdint>

namespace mps2 {
namespace {

// Operation numbers of the semihosting specification.
constexpr uint32_t kSysWrite0 = 0x04;
constexpr uint32_t kSysTime = 0x11;
constexpr uint32_t kSysGetCmdline = 0x15;
constexpr uint32_t kSysExitExtended = 0x20;
// ADP_Stopped_ApplicationExit: the reason code of a normal end of the program.
constexpr uint32_t kApplicationExit = 0x20026;

// Issues semihosting call `operation` with `argument` in r1 and returns r0.
uint32_t call(uint32_t operation, const void* argument) {
    register uint32_t r0 asm("r0") = operation;
    register const void* r1 asm("r1") = argument;
    asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

}  // namespace

void semihosting_write(const char* text) {
    (void)call(kSysWrite0, text);
}

bool semihosting_command_line(char* buffer, unsigned size) {
    // In: the buffer and its size. Out: the length written, without the NUL.
    uint32_t block[2] = {reinterpret_cast<uint32_t>(buffer), size};
    return call(kSysGetCmdline, block) == 0;
}

long semihosting_time() {
    return static_cast<long>(call(kSysTime, nullptr));
}

void semihosting_exit(int code) {
    const uint32_t block[2] = {kApplicationExit, static_cast<uint32_t>(code)};
    (void)call(kSysExitExtended, block);
    for (;;) {
    }
}

}  // namespace mps2
