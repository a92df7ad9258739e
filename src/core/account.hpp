// Server accounts: the Security instances (/0/x) with their Server instance
// (/1/x). Which one the client uses, and whether a Bootstrap-Server wrote a
// usable configuration (LwM2M Core 1.1, 6.1.7).
#pragma once

#include "lwm2m/detail/client_data.hpp"
#include "lwm2m/status.hpp"

namespace lwm2m::core {

/// Replaces the accounts with those of data.config: a server account at
/// /0/0 with /1/0, and a Bootstrap-Server account after it. Returns
/// kInvalidArgument or kNoSpace for a URI the client cannot use.
Status install_factory_accounts(detail::ClientData& data);

/// The Bootstrap-Server account, or nullptr.
const detail::SecurityInstance* find_bootstrap_account(const detail::ClientData& data);

/// The LwM2M Server account the client can register with: a Security instance
/// that is not the Bootstrap-Server's, in NoSec mode with a coap:// URI, and
/// whose Short Server ID the Server instance has. nullptr if there is none.
const detail::SecurityInstance* find_server_account(const detail::ClientData& data);

/// Why the accounts are not a configuration the client can work with, or
/// nullptr if they are. Checked at Bootstrap-Finish.
const char* find_configuration_error(const detail::ClientData& data);

/// Points data.session->host and data.session->port at the URI of `account`. Returns false if
/// the URI cannot be used.
bool use_account(detail::ClientData& data, const detail::SecurityInstance& account);

}  // namespace lwm2m::core
