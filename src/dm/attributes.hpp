// Notification attributes written by Write-Attributes (LwM2M Core 1.1, 5.1.2)
// and listed by Discover.
#pragma once

#include <cstdint>

#include "coap/message.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/object.hpp"

namespace lwm2m::dm {

/// Applies the Uri-Query attributes of a Write-Attributes request to `path`.
/// Returns 2.04, or 4.00 for an unknown or invalid attribute or combination,
/// or 4.13 when the attribute table is full (LWM2M_MAX_ATTRIBUTES).
uint8_t write_attributes(const coap::Message& request, const Path& path, const Object& object,
                         detail::ClientData& data);

/// Appends ";pmin=10;pmax=60" and the other attributes set on exactly `path`.
void append_attributes(const detail::ClientData& data, const Path& path, coap::MessageWriter& out);

}  // namespace lwm2m::dm
