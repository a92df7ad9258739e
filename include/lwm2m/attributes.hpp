// Notification attributes (LwM2M Core 1.1, 5.1.2, and 1.2, 5.1.1): when the
// client sends a notification for an observed path.
#pragma once

#include <cstdint>

namespace lwm2m {

/// A set of notification attributes. `flags` marks the values that are set.
struct Attributes {
    enum Flag : uint16_t {
        /// Minimum Period: no notification sooner than pmin seconds after the last.
        kPmin = 1 << 0,
        /// Maximum Period: a notification at the latest pmax seconds after the last.
        kPmax = 1 << 1,
        /// Greater Than: notify when a numeric value crosses gt, either way.
        kGreaterThan = 1 << 2,
        /// Less Than: notify when a numeric value crosses lt, either way.
        kLessThan = 1 << 3,
        /// Step: notify when a numeric value moved by st since the last notification.
        kStep = 1 << 4,
        /// Minimum Evaluation Period: changes are looked at every epmin seconds at most.
        kEpmin = 1 << 5,
        /// Maximum Evaluation Period: the value is looked at every epmax seconds at least.
        kEpmax = 1 << 6,
        /// Edge (LwM2M 1.2): a boolean notifies on a rising (1) or falling (0) edge only.
        kEdge = 1 << 7,
        /// Confirmable Notification (LwM2M 1.2): 1 for CON notifications, 0 for NON.
        kCon = 1 << 8,
        /// Maximum Historical Queue (LwM2M 1.2): stored notifications kept for the path.
        kHqmax = 1 << 9,
    };

    uint16_t flags = 0;
    uint8_t edge = 0;
    uint8_t con = 0;
    uint32_t pmin_s = 0;
    uint32_t pmax_s = 0;
    uint32_t epmin_s = 0;
    uint32_t epmax_s = 0;
    uint32_t hqmax = 0;
    double greater_than = 0;
    double less_than = 0;
    double step = 0;

    constexpr bool has(Flag flag) const { return (flags & flag) != 0; }
};

}  // namespace lwm2m
