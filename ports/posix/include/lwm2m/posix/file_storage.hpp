// Storage on files in one directory, for POSIX systems.
#pragma once

#include <cstddef>
#include <span>

#include "lwm2m/storage.hpp"

namespace lwm2m::posix {

/// Keeps each blob in the file `directory/name`. write() writes a temporary
/// file `directory/name.tmp`, fsyncs it, renames it over the target and
/// fsyncs the directory, so that after a crash or power loss the blob contains
/// the old or the new bytes. Blocks until the data is on disk.
///
/// NOTE: the guarantee rests on rename(2) being atomic and on fsync() reaching
/// the medium, as POSIX and Linux local file systems (ext4, xfs, btrfs)
/// provide. A stale `name.tmp` left by a crash is overwritten by the next
/// write().
class FileStorage final : public Storage {
  public:
    /// `directory` must exist and outlive the storage. Names are checked against
    /// the rules of lwm2m/storage.hpp, so a name cannot leave the directory.
    explicit FileStorage(const char* directory) : directory_(directory) {}

    Result<size_t> read(const char* name, std::span<std::byte> buffer) override;
    Status write(const char* name, std::span<const std::byte> data) override;
    Status remove(const char* name) override;

  private:
    /// Builds "directory/name" plus `suffix` into `path`; false for an
    /// invalid name or a path longer than `path`.
    bool make_path(const char* name, const char* suffix, std::span<char> path) const;

    const char* directory_;
};

}  // namespace lwm2m::posix
