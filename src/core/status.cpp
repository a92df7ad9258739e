#include "lwm2m/status.hpp"

namespace lwm2m {

const char* to_string(Status status) {
    switch (status) {
        case Status::kOk:
            return "ok";
        case Status::kWouldBlock:
            return "would block";
        case Status::kInProgress:
            return "in progress";
        case Status::kMessageTooLarge:
            return "message too large";
        case Status::kInvalidArgument:
            return "invalid argument";
        case Status::kInvalidState:
            return "invalid state";
        case Status::kNotFound:
            return "not found";
        case Status::kAddressInUse:
            return "address in use";
        case Status::kResolveFailed:
            return "host name resolution failed";
        case Status::kNetworkError:
            return "network error";
        case Status::kTimeout:
            return "timed out";
        case Status::kNoSpace:
            return "no space";
        case Status::kMalformed:
            return "malformed";
        case Status::kUnsupported:
            return "unsupported";
        case Status::kStorageError:
            return "storage error";
        case Status::kSecurityError:
            return "security handshake failed";
    }
    return "unknown";
}

}  // namespace lwm2m
