// A random source for a board without a random-number generator. For tests
// under an emulator only: its values follow from the seed, so tokens and
// message IDs are guessable. A device uses its hardware generator (TRNG).
#pragma once

#include <cstdint>

#include "lwm2m/platform.hpp"

namespace mps2 {

/// xorshift32 (Marsaglia, 2003) from a seed.
class SeededRandom final : public lwm2m::Random {
  public:
    /// A seed of 0 is replaced, because xorshift stays at 0 from there.
    explicit SeededRandom(uint32_t seed) : state_(seed != 0 ? seed : 0x9e3779b9u) {}

    uint32_t next_u32() override {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 17;
        state_ ^= state_ << 5;
        return state_;
    }

  private:
    uint32_t state_;
};

}  // namespace mps2
