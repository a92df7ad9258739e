#include "core/account.hpp"

#include <cstring>

#include "core/context.hpp"
#include "dm/builtin_values.hpp"
#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("acct");

namespace lwm2m::core {
namespace {

using detail::SecurityInstance;

// True if the account's URI and Security Mode go together: coap:// with
// NoSec, coaps:// with a pre-shared key or certificates. A coaps:// account
// without usable security is never used in plaintext.
bool usable_account(const SecurityInstance& account) {
    char host[LWM2M_MAX_URI_LENGTH + 1];
    uint16_t port = 0;
    bool secure = false;
    if (parse_server_uri(account.uri, host, port, &secure) != Status::kOk) {
        return false;
    }
    const auto mode = static_cast<net::SecurityMode>(account.security_mode);
    if (!secure) {
        return mode == net::SecurityMode::kNoSec;
    }
    return mode == net::SecurityMode::kPreSharedKey || mode == net::SecurityMode::kCertificate;
}

Status copy_uri(const char* uri, SecurityInstance& account) {
    char host[LWM2M_MAX_URI_LENGTH + 1];
    uint16_t port = 0;
    bool secure = false;
    const Status parsed = parse_server_uri(uri, host, port, &secure);
    if (parsed != Status::kOk) {
        return parsed;
    }
    const size_t length = std::strlen(uri);
    if (length >= sizeof(account.uri)) {
        return Status::kNoSpace;
    }
    std::memcpy(account.uri, uri, length + 1);
    return Status::kOk;
}

// Copies the factory credentials into a Security instance.
Status copy_security(const AccountSecurity& security, SecurityInstance& account) {
    account.security_mode = static_cast<uint8_t>(security.mode);
    account.certificate_usage = static_cast<uint8_t>(security.certificate_usage);
    if (security.mode == net::SecurityMode::kNoSec) {
        return Status::kOk;
    }
    if (!detail::copy_key_bytes(security.identity, account.identity, account.identity_length) ||
        !detail::copy_key_bytes(security.server_public_key, account.server_key,
                                account.server_key_length) ||
        !detail::copy_key_bytes(security.secret_key, account.secret_key,
                                account.secret_key_length)) {
        return Status::kNoSpace;
    }
    if (security.sni != nullptr) {
        const size_t length = std::strlen(security.sni);
        if (length >= sizeof(account.sni)) {
            return Status::kNoSpace;
        }
        std::memcpy(account.sni, security.sni, length + 1);
    }
    return Status::kOk;
}

}  // namespace

Status install_factory_accounts(detail::ClientData& data) {
    const ClientConfig& config = data.config;
    for (SecurityInstance& account : data.security) {
        account = {};
    }
#if LWM2M_WITH_ACCESS_CONTROL
    for (detail::AclInstance& instance : data.acl) {
        instance = {};
    }
#endif
    for (detail::ServerSession& session : data.sessions) {
        session.server = {};
        session.retry = config.retry;
    }
    uint16_t next_id = 0;
    if (config.server_uri != nullptr) {
        SecurityInstance& account = data.security[next_id];
        Status copied = copy_uri(config.server_uri, account);
        if (copied == Status::kOk) {
            copied = copy_security(config.server_security, account);
        }
        if (copied != Status::kOk) {
            return copied;
        }
        account.id = next_id++;
        account.short_server_id = config.short_server_id;
        detail::ServerObject& server = data.sessions[0].server;
        server.instance_id = 0;
        server.short_server_id = config.short_server_id;
        server.lifetime_s = config.lifetime_s;
        server.binding[0] = 'U';
        server.initial_registration_delay_s = config.initial_registration_delay_s;
    }
    if (config.bootstrap_server_uri != nullptr) {
        static_assert(!LWM2M_WITH_BOOTSTRAP || LWM2M_MAX_SECURITY_INSTANCES >= 2,
                      "a server account and the Bootstrap-Server account need 2 instances");
        SecurityInstance& account = data.security[next_id];
        Status copied = copy_uri(config.bootstrap_server_uri, account);
        if (copied == Status::kOk) {
            copied = copy_security(config.bootstrap_server_security, account);
        }
        if (copied != Status::kOk) {
            return copied;
        }
        account.id = next_id;
        account.bootstrap_server = true;
        account.client_hold_off_s = config.bootstrap_hold_off_s;
    }
    return Status::kOk;
}

const SecurityInstance* find_bootstrap_account(const detail::ClientData& data) {
    if (!LWM2M_WITH_BOOTSTRAP) {
        return nullptr;
    }
    for (const SecurityInstance& account : data.security) {
        if (account.id != detail::kNoInstance && account.bootstrap_server) {
            return &account;
        }
    }
    return nullptr;
}

const SecurityInstance* find_server_account(const detail::ClientData& data,
                                            const detail::ServerSession& session) {
    if (session.server.instance_id == detail::kNoInstance) {
        return nullptr;
    }
    for (const SecurityInstance& account : data.security) {
        if (account.id != detail::kNoInstance && !account.bootstrap_server &&
            account.short_server_id == session.server.short_server_id && usable_account(account)) {
            return &account;
        }
    }
    return nullptr;
}

bool has_server_account(const detail::ClientData& data) {
    for (const detail::ServerSession& session : data.sessions) {
        if (session.transport != nullptr && find_server_account(data, session) != nullptr) {
            return true;
        }
    }
    return false;
}

const char* find_configuration_error(const detail::ClientData& data) {
    int bootstrap_accounts = 0;
    for (const SecurityInstance& account : data.security) {
        if (account.id == detail::kNoInstance) {
            continue;
        }
        if (account.bootstrap_server) {
            ++bootstrap_accounts;
            continue;
        }
        if (account.short_server_id == 0 || account.short_server_id == 65535) {
            return "a server account has no valid Short Server ID";
        }
    }
    if (bootstrap_accounts > 1) {
        return "more than one Bootstrap-Server account";
    }
    bool any_server = false;
    for (const detail::ServerSession& session : data.sessions) {
        if (session.server.instance_id == detail::kNoInstance) {
            continue;
        }
        any_server = true;
        for (const detail::ServerSession& other : data.sessions) {
            if (&other != &session && other.server.instance_id != detail::kNoInstance &&
                other.server.short_server_id == session.server.short_server_id) {
                return "two Server instances have the same Short Server ID";
            }
        }
        bool has_security = false;
        for (const SecurityInstance& account : data.security) {
            has_security |= account.id != detail::kNoInstance && !account.bootstrap_server &&
                            account.short_server_id == session.server.short_server_id;
        }
        if (!has_security) {
            return "a Server instance has no Security instance with its Short Server ID";
        }
        if (find_server_account(data, session) == nullptr) {
            return "a server account has a URI other than coap[s]://host[:port], or a Security "
                   "Mode that does not go with it (coap:// needs NoSec, coaps:// a pre-shared "
                   "key or certificates)";
        }
    }
    if (!any_server) {
        return "no Server object instance";
    }
    return nullptr;
}

uint8_t start_sessions(detail::ClientData& data, uint64_t register_at_ms) {
    uint8_t count = 0;
    for (detail::ServerSession& session : data.sessions) {
        const SecurityInstance* account = find_server_account(data, session);
        if (account != nullptr && session.transport == nullptr) {
            // The application gave fewer transports than there are accounts.
            LWM2M_LOG_WARNING("no transport for server %u: it stays unused",
                              session.server.short_server_id);
        }
        if (session.transport == nullptr || account == nullptr || !use_account(session, *account)) {
            session.state = RegistrationState::kUnconfigured;
            continue;
        }
        ++count;
        if (session.state != RegistrationState::kRegistered) {
            session.state = RegistrationState::kNotRegistered;
            session.location[0] = '\0';
            session.register_attempts = 0;
            session.register_sequences = 0;
            session.retry_at_ms = register_at_ms;
        }
    }
    return count;
}

net::SecurityParams security_params(const SecurityInstance& account, const char* host) {
    net::SecurityParams params;
    params.mode = static_cast<net::SecurityMode>(account.security_mode);
    if (params.mode != net::SecurityMode::kNoSec) {
        params.identity = {account.identity, account.identity_length};
        params.server_public_key = {account.server_key, account.server_key_length};
        params.secret_key = {account.secret_key, account.secret_key_length};
        params.certificate_usage = static_cast<net::CertificateUsage>(account.certificate_usage);
        if (account.sni[0] != '\0') {
            params.server_name = account.sni;
        } else if (!is_address_literal(host)) {
            params.server_name = host;
        }
    }
    return params;
}

bool use_account(detail::ServerSession& session, const SecurityInstance& account) {
    if (!usable_account(account) ||
        parse_server_uri(account.uri, session.host, session.port, &session.secure) != Status::kOk) {
        return false;
    }
    net::Transport& transport = *session.transport;
    if (transport.state() != net::TransportState::kClosed) {
        (void)transport.close();
    }
    const net::SecurityParams params = security_params(account, session.host);
    const Status status = transport.set_security(params);
    if (status != Status::kOk) {
        // Never the keys themselves: only the mode goes to the log.
        LWM2M_LOG_ERROR("the transport for %s cannot use Security Mode %u: %s", account.uri,
                        account.security_mode, to_string(status));
        return false;
    }
    return true;
}

}  // namespace lwm2m::core
