// Stack painting: the reset handler fills the stack's lowest 32 KB with a
// pattern before main(), so that the deepest use can be measured at any time.
#pragma once

#include <cstdint>

namespace mps2 {

/// Bytes of the painted region in use or used since start: the distance from
/// the stack's top to the lowest word that no longer contains the pattern. A
/// result of the whole region (32 KB) means the stack may have gone deeper.
uint32_t stack_peak_bytes();

}  // namespace mps2
