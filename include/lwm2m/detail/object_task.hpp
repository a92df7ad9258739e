// Timed work of an object, run by Client::step(): the Firmware Update
// object's downloads. Public only because lwm2m::Object names it.
#pragma once

#include <cstdint>

namespace lwm2m {

class Client;
class Clock;
class Random;

namespace detail {

struct ClientData;

class ObjectTask {
  public:
    /// Client::add_object() passes the client the object belongs to.
    virtual void attach(Client& client, ClientData& data, Clock& clock, Random& random) = 0;
    /// Does the work that is due, after the client has handled what it
    /// received in this step.
    virtual void step(uint64_t now_ms) = 0;
    /// The monotonic time of the next work, UINT64_MAX if none is timed.
    virtual uint64_t next_step_ms() const = 0;

  protected:
    ~ObjectTask() = default;
};

}  // namespace detail
}  // namespace lwm2m
