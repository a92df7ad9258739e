// The operations of a Bootstrap-Server on the data model (LwM2M Core 1.1,
// 5.2.7): Bootstrap-Write, -Read, -Discover and -Delete. Each returns the
// CoAP response code; the response header is already in `response`.
#pragma once

#include <cstdint>
#include <span>

#include "coap/message.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/value.hpp"

namespace lwm2m::dm {

/// Bootstrap-Write: PUT on an object, an instance or a resource. Instances
/// that do not exist are created, read-only resources are written, and an
/// object-level payload may carry several instances.
uint8_t bootstrap_write(const coap::Message& request, const Path& path, detail::ClientData& data);

/// Bootstrap-Read: GET on the Server object (or below); 4.05 for any other object.
uint8_t bootstrap_read(const coap::Message& request, const Path& path, detail::ClientData& data,
                       coap::MessageWriter& response);

/// Bootstrap-Discover: GET with Accept application/link-format on "/" or an
/// object. Lists the instances, with the Short Server ID and URI of each
/// Security instance and the Short Server ID of each Server instance.
uint8_t bootstrap_discover(const Path& path, detail::ClientData& data,
                           coap::MessageWriter& response);

/// Applies a Bootstrap-Pack (LwM2M Core 1.2): the records of a SenML pack in
/// `format` written as by Bootstrap-Write, across objects and atomically.
/// Returns 2.04 or the code of the failure, after which nothing is applied.
uint8_t apply_bootstrap_pack(detail::ClientData& data, uint16_t format,
                             std::span<const uint8_t> payload);

/// Bootstrap-Delete: DELETE on "/", an object or an instance. Never deletes
/// the Bootstrap-Server account or the Device object's instance.
uint8_t bootstrap_delete(const Path& path, detail::ClientData& data);

}  // namespace lwm2m::dm
