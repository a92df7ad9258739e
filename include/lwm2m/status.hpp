// Status codes and the Result type returned by every fallible call of the library.
#pragma once

#include <cstdint>
#include <utility>

namespace lwm2m {

/// Outcome of an operation. Only `kOk` means success; `kWouldBlock` and
/// `kInProgress` mean "call again later", not failure.
enum class [[nodiscard]] Status : uint8_t{
    kOk,
    /// No data yet or the operation cannot proceed now; try again later.
    kWouldBlock,
    /// The operation has started and is not finished; repeat the same call.
    kInProgress,
    /// A datagram or value does not fit the buffer or the capacity given.
    kMessageTooLarge,
    kInvalidArgument,
    /// The call is not allowed in the current state (for example send before connect).
    kInvalidState,
    kNotFound,
    /// The local address or port is owned by another socket.
    kAddressInUse,
    /// Host name resolution failed.
    kResolveFailed,
    /// Any other failure reported by the network stack.
    kNetworkError,
    kTimeout,
    kNoSpace,
    kMalformed,
    kUnsupported,
    /// The storage medium failed to read or write (see lwm2m/storage.hpp).
    kStorageError,
    /// A security handshake failed: the peer rejected the credentials, or
    /// the client did not trust the peer's.
    kSecurityError,
};

/// Returns a short English name of `status`, for logs.
const char* to_string(Status status);

/// Value of type T or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
  public:
    constexpr Result(T value) : status_(Status::kOk), value_(std::move(value)) {}  // NOLINT
    constexpr Result(Status status) : status_(status), value_() {}                 // NOLINT

    constexpr bool ok() const { return status_ == Status::kOk; }
    constexpr Status status() const { return status_; }

    /// The value; only meaningful when ok() is true.
    constexpr const T& value() const { return value_; }
    constexpr T& value() { return value_; }

  private:
    Status status_;
    T value_;
};

}  // namespace lwm2m
