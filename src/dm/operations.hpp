// The Device Management operations on the registered objects. Each returns the
// CoAP response code; the response header is already in `response`.
#pragma once

#include <cstdint>

#include "coap/message.hpp"
#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/object.hpp"
#include "lwm2m/status.hpp"

namespace lwm2m::dm {

/// Maps a Status from an object callback to a CoAP response code.
uint8_t to_response_code(Status status);

/// Returns the registered object with `object_id`, or nullptr.
Object* find_object(detail::ClientData& data, uint16_t object_id);

/// True if instance `instance_id` of `object` exists.
bool has_instance(const Object& object, uint16_t instance_id);

uint8_t read(const coap::Message& request, const Path& path, Object& object,
             detail::ClientData& data, coap::MessageWriter& response);
uint8_t discover(const Path& path, Object& object, coap::MessageWriter& response);
/// Write: replace (PUT) or partial update (POST on an instance).
uint8_t write(const coap::Message& request, const Path& path, Object& object, bool replace);
uint8_t create(const coap::Message& request, const Path& path, Object& object,
               detail::ClientData& data, coap::MessageWriter& response);

}  // namespace lwm2m::dm
