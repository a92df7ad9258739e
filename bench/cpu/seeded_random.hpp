// A Random port with a fixed seed, so that two runs of a benchmark encode the
// same tokens and message IDs and execute the same instructions.
#pragma once

#include <cstdint>

#include "lwm2m/platform.hpp"

namespace bench {

/// xorshift32 (Marsaglia, 2003) from a fixed seed. Not for real devices:
/// its tokens are easy to guess.
class SeededRandom final : public lwm2m::Random {
  public:
    uint32_t next_u32() override {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 17;
        state_ ^= state_ << 5;
        return state_;
    }

  private:
    uint32_t state_ = 0x2545f491u;
};

}  // namespace bench
