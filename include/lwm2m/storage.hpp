// The storage port: named blobs in non-volatile memory, where the client keeps
// the state it needs after a reboot. Implement this interface for a flash file
// system or a key-value store; ports/posix has one on files.
#pragma once

#include <cstddef>
#include <span>

#include "lwm2m/status.hpp"

namespace lwm2m {

/// Non-volatile storage of named blobs.
///
/// Unlike net::Transport, calls may block until the data is durable: a flash
/// write of a few hundred bytes is short, and the client calls write() only
/// after a Register, an Update, a De-register or a Write to the Server
/// object. The client
/// calls these only from Client::configure() and Client::step().
///
/// A name is a short NUL-terminated string of letters, digits, '-', '_' and
/// '.', at most 32 characters; it is not a path.
class Storage {
  public:
    /// Copies the blob `name` into `buffer` and returns its length. Errors:
    /// kNotFound (no blob of that name), kMessageTooLarge (the blob is longer
    /// than `buffer`; `buffer` contents are then unspecified),
    /// kInvalidArgument (an invalid name), kStorageError (the medium failed).
    virtual Result<size_t> read(const char* name, std::span<std::byte> buffer) = 0;

    /// Replaces the blob `name` with `data`, creating it if needed. Atomic:
    /// after a power loss or crash at any moment, a later read() returns
    /// either the old bytes or the new ones, never a mix. Returns once the new
    /// bytes are durable. Errors: kInvalidArgument (an invalid name), kNoSpace
    /// (the medium is full), kStorageError (the medium failed). After an error
    /// the old blob is kept.
    virtual Status write(const char* name, std::span<const std::byte> data) = 0;

    /// Deletes the blob `name`. Errors: kNotFound (no blob of that name),
    /// kInvalidArgument (an invalid name), kStorageError (the medium failed).
    virtual Status remove(const char* name) = 0;

  protected:
    // Not virtual: the library never deletes a storage through this interface.
    ~Storage() = default;
};

}  // namespace lwm2m
