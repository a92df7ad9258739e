#include "core/account.hpp"

#include <cstring>

#include "core/context.hpp"

namespace lwm2m::core {
namespace {

using detail::SecurityInstance;

bool usable_uri(const char* uri) {
    char host[LWM2M_MAX_URI_LENGTH + 1];
    uint16_t port = 0;
    return parse_server_uri(uri, host, port) == Status::kOk;
}

Status copy_uri(const char* uri, SecurityInstance& account) {
    char host[LWM2M_MAX_URI_LENGTH + 1];
    uint16_t port = 0;
    const Status parsed = parse_server_uri(uri, host, port);
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

}  // namespace

Status install_factory_accounts(detail::ClientData& data) {
    const ClientConfig& config = data.config;
    for (SecurityInstance& account : data.security) {
        account = {};
    }
    data.session->server = {};
    uint16_t next_id = 0;
    if (config.server_uri != nullptr) {
        SecurityInstance& account = data.security[next_id];
        const Status copied = copy_uri(config.server_uri, account);
        if (copied != Status::kOk) {
            return copied;
        }
        account.id = next_id++;
        account.short_server_id = config.short_server_id;
        data.session->server.instance_id = 0;
        data.session->server.short_server_id = config.short_server_id;
        data.session->server.lifetime_s = config.lifetime_s;
        data.session->server.binding[0] = 'U';
        data.session->server.initial_registration_delay_s = config.initial_registration_delay_s;
    }
    if (config.bootstrap_server_uri != nullptr) {
        static_assert(LWM2M_MAX_SECURITY_INSTANCES >= 2,
                      "a server account and the Bootstrap-Server account need 2 instances");
        SecurityInstance& account = data.security[next_id];
        const Status copied = copy_uri(config.bootstrap_server_uri, account);
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
    for (const SecurityInstance& account : data.security) {
        if (account.id != detail::kNoInstance && account.bootstrap_server) {
            return &account;
        }
    }
    return nullptr;
}

const SecurityInstance* find_server_account(const detail::ClientData& data) {
    if (data.session->server.instance_id == detail::kNoInstance) {
        return nullptr;
    }
    for (const SecurityInstance& account : data.security) {
        if (account.id != detail::kNoInstance && !account.bootstrap_server &&
            account.short_server_id == data.session->server.short_server_id &&
            account.security_mode == detail::kSecurityModeNoSec && usable_uri(account.uri)) {
            return &account;
        }
    }
    return nullptr;
}

const char* find_configuration_error(const detail::ClientData& data) {
    int bootstrap_accounts = 0;
    bool server_has_security = false;
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
        if (account.short_server_id == data.session->server.short_server_id) {
            server_has_security = true;
        }
    }
    if (bootstrap_accounts > 1) {
        return "more than one Bootstrap-Server account";
    }
    if (data.session->server.instance_id == detail::kNoInstance) {
        return "no Server object instance";
    }
    if (!server_has_security) {
        return "the Server instance has no Security instance with its Short Server ID";
    }
    if (find_server_account(data) == nullptr) {
        return "the server account needs (D)TLS or has a URI other than coap://host[:port]";
    }
    return nullptr;
}

bool use_account(detail::ClientData& data, const SecurityInstance& account) {
    return parse_server_uri(account.uri, data.session->host, data.session->port) == Status::kOk;
}

}  // namespace lwm2m::core
