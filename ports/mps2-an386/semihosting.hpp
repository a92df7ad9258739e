// Arm semihosting (the "Semihosting for AArch32 and AArch64" specification):
// through it the debugger, here QEMU with -semihosting-config
// enable=on,target=native, prints the firmware's text and ends the run. Only for a board
// under a debugger or an emulator: on hardware without one, the BKPT
// instruction stops the core.
#pragma once

namespace mps2 {

/// Prints the NUL-terminated `text` on the host's standard output.
void semihosting_write(const char* text);

/// Ends the run with `code` as the emulator's exit status (SYS_EXIT_EXTENDED).
[[noreturn]] void semihosting_exit(int code);

}  // namespace mps2
