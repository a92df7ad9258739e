// Server accounts: the Security instances (/0/x) with their Server instance
// (/1/x). Which one the client uses, and whether a Bootstrap-Server wrote a
// usable configuration (LwM2M Core 1.1, 6.1.7).
#pragma once

#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/status.hpp"
#include "lwm2m/transport.hpp"

namespace lwm2m::core {

/// Replaces the accounts with those of data.config: a server account at
/// /0/0 with /1/0 in session 0, and a Bootstrap-Server account after it. Returns
/// kInvalidArgument or kNoSpace for a URI the client cannot use.
Status install_factory_accounts(detail::ClientData& data);

/// The Bootstrap-Server account, or nullptr.
const detail::SecurityInstance* find_bootstrap_account(const detail::ClientData& data);

/// The LwM2M Server account of `session`: a Security instance that is not
/// the Bootstrap-Server's, in NoSec mode with a coap:// URI, with the Short
/// Server ID of the session's Server instance. nullptr if there is none.
const detail::SecurityInstance* find_server_account(const detail::ClientData& data,
                                                    const detail::ServerSession& session);

/// True if some session with a transport has a server account.
bool has_server_account(const detail::ClientData& data);

/// Gives each session that has a transport, a Server instance and a server
/// account the host and port of that account. Those not already registered
/// (a resumed registration) become kNotRegistered, with the first Register
/// at `register_at_ms`; sessions without an account become kUnconfigured.
/// Returns the number of sessions with an account.
uint8_t start_sessions(detail::ClientData& data, uint64_t register_at_ms);

/// Returns the reason the accounts are not a configuration the client can
/// work with, or nullptr if they are. Checked at Bootstrap-Finish.
const char* find_configuration_error(const detail::ClientData& data);

/// The credentials of `account` for Transport::set_security(), with the
/// server name for a connection to `host`: SNI if set, else `host` when it
/// is a name rather than an address. The views point into `account`.
net::SecurityParams security_params(const detail::SecurityInstance& account, const char* host);

/// Points the host and port of `session` at the URI of `account`. Returns
/// false if the URI cannot be used.
bool use_account(detail::ServerSession& session, const detail::SecurityInstance& account);

}  // namespace lwm2m::core
