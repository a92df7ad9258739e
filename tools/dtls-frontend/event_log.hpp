// The front end's events: the JSON lines of the test server's event log, on stdout only.
#pragma once

#include "lwm2m-server/event_log.hpp"

namespace lwm2m::dtls_frontend {

using server::EventLog;
using server::Json;
using server::to_hex;

}  // namespace lwm2m::dtls_frontend
