// Arm semihosting (the "Semihosting for AArch32 and AArch64" specification):
// through it the debugger, here QEMU with -semihosting-config
// enable=on,target=native, prints the firmware's text and ends the run. Only for a board
// under a debugger or an emulator: on hardware without one, the BKPT
// instruction stops the core.
#pragma once

namespace mps2 {

/// Prints the NUL-terminated `text` on the host's standard output.
void semihosting_write(const char* text);

/// Copies the command line (QEMU: the image's path, a space, then the text of
/// -append) into `buffer` with a terminating NUL. Returns false if there is
/// none or it does not fit.
bool semihosting_command_line(char* buffer, unsigned size);

/// Seconds since 1970-01-01T00:00:00Z on the host (SYS_TIME).
long semihosting_time();

/// Ends the run with `code` as the emulator's exit status (SYS_EXIT_EXTENDED).
[[noreturn]] void semihosting_exit(int code);

}  // namespace mps2
