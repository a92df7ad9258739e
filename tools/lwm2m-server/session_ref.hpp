#pragma once

#include <coap3/coap.h>

#include <utility>

namespace lwm2m::server {

/// Counted reference to a libcoap server session. While one exists, libcoap does not reap the
/// session as idle, so downlink requests can still reach a client that has been quiet.
class SessionRef {
  public:
    SessionRef() = default;
    explicit SessionRef(coap_session_t* session)
        : session_(session != nullptr ? coap_session_reference(session) : nullptr) {}
    ~SessionRef() { reset(); }

    SessionRef(const SessionRef&) = delete;
    SessionRef& operator=(const SessionRef&) = delete;
    SessionRef(SessionRef&& other) noexcept : session_(std::exchange(other.session_, nullptr)) {}
    SessionRef& operator=(SessionRef&& other) noexcept {
        if (this != &other) {
            reset();
            session_ = std::exchange(other.session_, nullptr);
        }
        return *this;
    }

    coap_session_t* get() const { return session_; }

    void reset() {
        if (session_ != nullptr) {
            coap_session_release(std::exchange(session_, nullptr));
        }
    }

  private:
    coap_session_t* session_ = nullptr;
};

}  // namespace lwm2m::server
