// The LwM2M client: the application owns one Client object and calls step()
// from its main loop.
#pragma once

#include <cstdint>
#include <span>

#include "lwm2m/attributes.hpp"
#include "lwm2m/client_config.hpp"
#include "lwm2m/config.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/object.hpp"
#include "lwm2m/platform.hpp"
#include "lwm2m/send.hpp"
#include "lwm2m/status.hpp"
#include "lwm2m/transport.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m {

/// An LwM2M client. It registers with each LwM2M Server account it has, up
/// to LWM2M_MAX_SERVERS, each through its own transport. Never allocates,
/// and never blocks unless a port does. Not thread-safe: call every member
/// from one thread.
class Client {
  public:
    /// A client with one transport, so one server at a time. The references
    /// must outlive the client.
    Client(net::Transport& transport, Clock& clock, Random& random);
    /// A client with one transport per server account, at most
    /// LWM2M_MAX_SERVERS (more are ignored). The first also talks to the
    /// Bootstrap-Server. The transports, clock and random source must outlive
    /// the client; the span need not.
    Client(std::span<net::Transport* const> transports, Clock& clock, Random& random);
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Validates and copies `config`; the client registers on the next step().
    /// Allowed before the first registration and again in kDeregistered or
    /// kFailed, which starts over with a fresh transport (cleanup(), create()).
    /// Errors: kInvalidArgument (missing endpoint name, a URI that is not
    /// coap://host[:port], zero lifetime, CoAP parameters out of range),
    /// kNoSpace (endpoint name or host longer than LWM2M_MAX_URI_LENGTH),
    /// kInvalidState (called while registering or registered).
    Status configure(const ClientConfig& config);

    /// Does all work that is due: receives requests and sends the responses, retransmits,
    /// registers, updates and handles Queue Mode. Blocks only if a port does.
    void step();

    /// Milliseconds until step() has timed work to do; 0 means now, and
    /// UINT32_MAX means no timed work (clamp it before passing it to poll()).
    /// While the transport is connected, a received datagram also needs a step().
    uint32_t time_until_next_step_ms() const;

    /// Adds an application object; it must outlive the client. If the client is
    /// registered, an Update with the new object list follows. Errors:
    /// kNoSpace (LWM2M_MAX_OBJECTS reached), kInvalidArgument (an object with
    /// that ID is already there; Security, Server and Device are built in).
    Status add_object(Object& object);

    /// Removes an application object added with add_object(). Error: kNotFound.
    Status remove_object(uint16_t object_id);

    /// Tells the client that instances of `object_id` were created or deleted
    /// by the application, so the next Update carries the new object list.
    void instances_changed(uint16_t object_id);

    /// Tells the client that the value at `path` changed. Observations of the
    /// path, of a path above it or of one below it are evaluated now (or
    /// after epmin), and notify after pmin. Reads the value through the
    /// object's read() for gt, lt, st and edge, so call it after the change.
    void value_changed(const Path& path);

    /// The notification attributes that apply to an observation of `path`:
    /// the Server object's default pmin and pmax, then the attributes
    /// written on the object, the instance, the resource and the resource
    /// instance, each overriding the level above.
    Attributes effective_attributes(const Path& path) const;

    /// Sends an Update as soon as possible, waking the connection in Queue Mode.
    void request_update();

    /// Sends the current values of `paths` to the server: a confirmable POST
    /// to /dp (LwM2M Send) whose payload is a SenML pack, each record with the
    /// time the request started (Clock::real_time_s()). A path names an
    /// object, an instance, a resource or a resource instance. The paths are
    /// copied. Never blocks: step() sends the request once no Register, Update
    /// or De-register is in flight. A Queue Mode client wakes for it on its
    /// last local port and sends no Update first. A payload larger than the
    /// out buffer goes in Block1 blocks. `callback` (may be nullptr) gets the
    /// outcome once, from inside step(). The values are read when the request
    /// goes out, and again for each block and retransmission.
    /// Errors, after which nothing is sent and the callback is not called:
    /// kInvalidState (not registered, or another Send is queued or in flight:
    /// one Send at a time), kUnsupported (the server has set Mute Send,
    /// /1/0/23, or SenML JSON asked for in a build without LWM2M_WITH_JSON,
    /// or any Send in a build without LWM2M_WITH_SEND), kInvalidArgument (no paths, an empty path, a path in the
    /// Security object, or a value the format cannot carry, such as a NaN
    /// float in SenML JSON), kNoSpace (more than LWM2M_MAX_SEND_PATHS paths),
    /// kNotFound (a path that does not exist, or paths with no readable
    /// value), or the error of a failing Object::read().
    Status send(std::span<const Path> paths, SendCallback callback, void* context,
                SendFormat format = SendFormat::kSenmlCbor);

    /// Starts De-register; step() completes it. Ends in kDeregistered, also if
    /// the server does not respond after all retransmissions. A Register in
    /// flight is completed first, and De-register follows only if it succeeded.
    /// While bootstrapping, the client stops at once and ends in kDeregistered.
    void deregister();

    /// Adds `error_code` to Error Code (/3/0/11): 1 to 8 as the Device object
    /// defines them (1 low battery power ... 8 peripheral malfunction), 16 to
    /// 32 device specific. Setting a code that is already there does nothing.
    /// An Execute of Reset Error Code (/3/0/12) clears every code, so set the
    /// codes of conditions that persist again. Errors: kInvalidArgument (0 or
    /// above 32), kNoSpace (4 codes already set).
    Status set_error_code(uint8_t error_code);

    /// Removes `error_code` from Error Code once the condition is gone; with no
    /// code left, Error Code reads 0. Error: kNotFound (not set).
    Status clear_error_code(uint8_t error_code);

    /// The state of the client as a whole: kBootstrapping while it
    /// bootstraps, else the most advanced state among its server sessions
    /// (kRegistered if it is registered with any server).
    RegistrationState registration_state() const;

    /// The registration state with the server of session `index` (0 to
    /// LWM2M_MAX_SERVERS - 1); kUnconfigured for a session with no account.
    RegistrationState registration_state(uint8_t index) const;

    /// True while a Queue Mode client is offline (receive off, socket closed)
    /// towards every server it is registered with.
    bool is_offline() const;

    /// Location-Path assigned by the first server, as "/rd/5a3f"; empty if
    /// not registered.
    const char* location() const;

  private:
    // Sets data_.session to each session with a transport in turn and calls
    // `visit` with a context for it, then restores data_.session.
    template <typename Visit>
    void for_each_session(uint64_t now_ms, Visit visit);
    void run_device_callbacks();

    Clock& clock_;
    Random& random_;
    // mutable: time_until_next_step_ms() selects each session in turn.
    mutable detail::ClientData data_;
};

}  // namespace lwm2m
