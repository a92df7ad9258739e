// Loading and saving the client's state through ClientConfig::storage.
#pragma once

#include <cstdint>

#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/platform.hpp"
#include "lwm2m/transport.hpp"

namespace lwm2m::persist {

/// Loads the saved state during configure(), after the configuration's
/// defaults are in `data`. A state saved for the same endpoint name and
/// factory accounts restores the Security and Server object instances, one
/// Server instance per session. A session whose registration has not expired
/// starts in kRegistered with an Update due, sent from the saved local port
/// (Transport::set_next_local_port()). A missing, unreadable or invalid
/// state is logged once and ignored. Does nothing without storage.
void load_client_state(detail::ClientData& data, Clock& clock, uint64_t now_ms);

/// Writes the state if data.state_save_due is set and there is a storage,
/// then clears the flag. While bootstrapping it waits: the accounts a
/// Bootstrap-Server writes are saved together once Bootstrap-Finish is
/// accepted. A failed write is logged and not repeated until the state
/// changes again. Uses about kMaxEncodedSize bytes of stack and a
/// PersistedState.
void save_client_state(detail::ClientData& data, Clock& clock, uint64_t now_ms);

}  // namespace lwm2m::persist
