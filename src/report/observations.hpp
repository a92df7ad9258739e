// The observation table and the evaluation of changes, shared by the handling
// of Observe requests (observe.cpp) and the sending of notifications
// (notify.cpp). Internal to the reporting layer.
#pragma once

#include <cstdint>

#include "core/context.hpp"
#include "lwm2m/attributes.hpp"
#include "lwm2m/value.hpp"

#if LWM2M_WITH_OBSERVE

namespace lwm2m::report {

/// RFC 7641, 4.4: the Observe option carries a 24-bit sequence number.
inline constexpr uint32_t kSequenceMask = 0xFFFFFF;

inline uint8_t index_of(const detail::ClientData& data, const detail::Observation& observation) {
    return static_cast<uint8_t>(&observation - data.observations);
}

/// True if `observation` belongs to the session being served.
inline bool owned(const detail::ClientData& data, const detail::Observation& observation) {
    return observation.active && observation.session == data.session_index();
}

/// Returns the observations of the session being served, bit i for observation i.
inline uint64_t owned_mask(const detail::ClientData& data) {
    uint64_t mask = 0;
    for (const detail::Observation& observation : data.observations) {
        if (owned(data, observation)) {
            mask |= uint64_t{1} << index_of(data, observation);
        }
    }
    return mask;
}

/// Takes the next Observe value for a response or notification.
inline uint32_t take_sequence(detail::ClientData& data) {
    const uint32_t sequence = data.next_observe_sequence & kSequenceMask;
    data.next_observe_sequence = (sequence + 1) & kSequenceMask;
    return sequence;
}

/// Frees the slot of `observation`, dropping its stored notifications.
void end_observation(detail::ClientData& data, detail::Observation& observation);

/// The attributes that apply to `observation`: those of its path (only the
/// Server object's defaults for an Observe-Composite) under those given in
/// its Observe request.
Attributes observation_attributes(const detail::ClientData& data,
                                  const detail::Observation& observation);

/// True if a change at `path` concerns `observation`: the path lies above or
/// below an observed path.
bool touches(const detail::ClientData& data, const detail::Observation& observation,
             const Path& path);

/// Reads the value of a single resource or resource instance.
bool read_single_value(detail::ClientData& data, const Path& path, Value& value);

/// Looks at the current value of `observation` and marks it changed if it is
/// to be notified: any change without gt, lt, st or edge, else a value that
/// meets one of them (LwM2M Core 1.1, 5.1.2).
void evaluate(core::Context& ctx, detail::Observation& observation);

/// Records the value a notification carried, for st.
void record_reported(detail::ClientData& data, detail::Observation& observation);

/// True if notifications with `attributes` are confirmable: con (LwM2M 1.2),
/// else the Server object's Default Notification Mode.
bool is_confirmable(const detail::ClientData& data, const Attributes& attributes);
/// Returns true if the next notification of `observation` is confirmable:
/// when is_confirmable() returns true, or when 24 hours have passed without an
/// acknowledged confirmable one (RFC 7641, 4.5). That ACK shows the server is
/// still there.
bool sends_confirmable(const core::Context& ctx, const detail::Observation& observation,
                       const Attributes& attributes);

}  // namespace lwm2m::report

#endif  // LWM2M_WITH_OBSERVE
