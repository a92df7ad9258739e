#include "persist/client_state.hpp"

#include <cstring>

#include "lwm2m/log.hpp"
#include "persist/state_store.hpp"

LWM2M_LOG_MODULE("persist");

namespace lwm2m::persist {
namespace {

// Seconds a saved registration must have left to be resumed. Real time has
// whole seconds, so one second is rounding; an Update that still arrives
// late gets 4.04, and the client registers again.
constexpr int64_t kMinRemainingS = 2;

bool resumable(const RegistrationRecord& record, int64_t now_s) {
    return record.registered && record.expiry_s - now_s >= kMinRemainingS;
}

void resume_registration(detail::ServerSession& session, const RegistrationRecord& record,
                         int64_t now_s, uint64_t now_ms) {
    const uint64_t remaining_s = static_cast<uint64_t>(record.expiry_s - now_s);
    std::memcpy(session.location, record.location, sizeof(session.location));
    session.registered_lifetime_s = record.lifetime_s;
    session.registration_expiry_ms = now_ms + remaining_s * 1000;
    session.next_update_ms = now_ms;
    session.retry_at_ms = now_ms;
    session.update_requested = true;
    session.state = RegistrationState::kRegistered;
    // The object list may have changed with a firmware update, so the first
    // Update carries the links. A lifetime written before the reboot and not
    // yet sent goes along too.
    session.changed_parameters = detail::changed::kObjects;
    if (session.server.lifetime_s != record.lifetime_s) {
        session.changed_parameters |= detail::changed::kLifetime;
    }
    const Status port = session.transport->set_next_local_port(record.local_port);
    if (port != Status::kOk) {
        LWM2M_LOG_WARNING(
            "transport cannot bind local port %u (%s); the Update moves the "
            "registration to a new port",
            record.local_port, to_string(port));
    }
    LWM2M_LOG_INFO("resuming registration %s from local port %u, expires in %lu s: Update due",
                   session.location, record.local_port, static_cast<unsigned long>(remaining_s));
}

}  // namespace

void load_client_state(detail::ClientData& data, Clock& clock, uint64_t now_ms) {
    Storage* storage = data.config.storage;
    if (storage == nullptr) {
        return;
    }
    const char* name = data.config.state_name;
    uint8_t blob[kMaxEncodedSize];
    const Result<size_t> read = storage->read(name, std::as_writable_bytes(std::span(blob)));
    if (read.status() == Status::kNotFound) {
        LWM2M_LOG_INFO("no saved state '%s', starting from the configuration", name);
        return;
    }
    if (read.status() == Status::kMessageTooLarge) {
        LWM2M_LOG_ERROR(
            "state '%s' is corrupt (longer than %u bytes), starting from the factory "
            "configuration",
            name, static_cast<unsigned>(kMaxEncodedSize));
        return;
    }
    if (!read.ok()) {
        LWM2M_LOG_ERROR("cannot read state '%s' (%s), starting from the factory configuration",
                        name, to_string(read.status()));
        return;
    }

    PersistedState state;
    const DecodeError error = decode_state({blob, read.value()}, state);
    if (error != DecodeError::kNone) {
        LWM2M_LOG_ERROR("state '%s' is corrupt (%s), starting from the factory configuration", name,
                        describe(error));
        return;
    }
    if (std::strcmp(state.endpoint_name, data.endpoint_name) != 0 ||
        state.factory_checksum != data.factory_checksum) {
        LWM2M_LOG_INFO(
            "state '%s' was saved for another endpoint name or other factory accounts, "
            "starting from the configuration",
            name);
        return;
    }

    std::memcpy(data.security, state.security, sizeof(data.security));
#if LWM2M_WITH_ACCESS_CONTROL
    std::memcpy(data.acl, state.acl, sizeof(data.acl));
#endif
    LWM2M_LOG_INFO("loaded state '%s': %u server sessions", name,
                   static_cast<unsigned>(state.session_count));
    const int64_t now_s = clock.real_time_s();
    uint8_t index = 0;
    for (detail::ServerSession& session : data.sessions) {
        session.server = {};
        if (index == state.session_count || session.transport == nullptr) {
            continue;
        }
        const SessionRecord& record = state.sessions[index++];
        session.server = record.server;
        session.retry = record.retry;
        if (resumable(record.registration, now_s)) {
            resume_registration(session, record.registration, now_s, now_ms);
        } else if (record.registration.registered) {
            LWM2M_LOG_INFO("saved registration %s has expired, registering again",
                           record.registration.location);
        }
    }
    if (index < state.session_count) {
        LWM2M_LOG_WARNING("%u saved server sessions have no transport and wait",
                          static_cast<unsigned>(state.session_count - index));
    }
}

void save_client_state(detail::ClientData& data, Clock& clock, uint64_t now_ms) {
    Storage* storage = data.config.storage;
    // What a Bootstrap-Server writes counts only once Bootstrap-Finish has
    // accepted it: a reboot before then starts from the state saved before.
    if (!data.state_save_due || storage == nullptr || data.bootstrapping() || data.save_blocked) {
        return;
    }
    data.state_save_due = false;

    PersistedState state;
    std::memcpy(state.endpoint_name, data.endpoint_name, sizeof(state.endpoint_name));
    state.factory_checksum = data.factory_checksum;
    std::memcpy(state.security, data.security, sizeof(state.security));
#if LWM2M_WITH_ACCESS_CONTROL
    std::memcpy(state.acl, data.acl, sizeof(state.acl));
#endif
    bool any_registered = false;
    for (const detail::ServerSession& session : data.sessions) {
        if (session.server.instance_id == detail::kNoInstance) {
            continue;
        }
        SessionRecord& saved = state.sessions[state.session_count++];
        saved.server = session.server;
        saved.retry = session.retry;
        RegistrationRecord& record = saved.registration;
        record.registered =
            session.state == RegistrationState::kRegistered && session.location[0] != '\0';
        if (!record.registered) {
            continue;
        }
        any_registered = true;
        const uint64_t remaining_ms =
            session.registration_expiry_ms > now_ms ? session.registration_expiry_ms - now_ms : 0;
        record.local_port = session.transport->local_port();
        std::memcpy(record.location, session.location, sizeof(record.location));
        record.lifetime_s = session.registered_lifetime_s;
        record.expiry_s = clock.real_time_s() + static_cast<int64_t>(remaining_ms / 1000);
    }

    uint8_t blob[kMaxEncodedSize];
    const size_t length = encode_state(state, blob);
    const Status written =
        storage->write(data.config.state_name, std::as_bytes(std::span(blob, length)));
    if (written != Status::kOk) {
        LWM2M_LOG_ERROR("cannot save state '%s': %s", data.config.state_name, to_string(written));
        return;
    }
    LWM2M_LOG_DEBUG("saved state '%s' (%u bytes, %s)", data.config.state_name,
                    static_cast<unsigned>(length), any_registered ? "registered" : "unregistered");
}

}  // namespace lwm2m::persist
