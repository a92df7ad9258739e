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

/// Reads the attributes in the Uri-Query options of `request` into `set`:
/// "name=value" sets one and "name" alone clears it. Returns false for an
/// unknown name, an invalid value, or a LwM2M 1.2 attribute (edge, con,
/// hqmax) when `version` is older.
bool apply_attribute_queries(const coap::Message& request, Lwm2mVersion version, Attributes& set);

/// True if `set` is allowed on `path` of `object`: gt, lt and st on a
/// numeric resource with lt + 2 * st < gt, edge on a boolean resource, and
/// epmin not above epmax.
bool valid_attributes(const Attributes& set, const Path& path, const Object& object);

/// Copies into `into` every attribute that `from` sets.
void merge_attributes(const Attributes& from, Attributes& into);

/// The attributes that apply to an observation of `path`: the Server
/// object's default pmin and pmax, overridden level by level by those written
/// on the object, the instance, the resource and the resource instance.
Attributes effective_attributes(const detail::ClientData& data, const Path& path);

/// Appends ";pmin=10;pmax=60" and the other attributes set on exactly `path`.
void append_attributes(const detail::ClientData& data, const Path& path, coap::MessageWriter& out);

}  // namespace lwm2m::dm
