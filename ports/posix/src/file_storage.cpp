#include "lwm2m/posix/file_storage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "lwm2m/log.hpp"

LWM2M_LOG_MODULE("storage");

namespace lwm2m::posix {
namespace {

constexpr size_t kMaxNameLength = 32;
constexpr size_t kMaxPathLength = 4096;

bool valid_name(const char* name) {
    if (name == nullptr || name[0] == '\0' || name[0] == '.') {
        return false;
    }
    size_t length = 0;
    for (; name[length] != '\0'; ++length) {
        const char c = name[length];
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!allowed || length == kMaxNameLength) {
            return false;
        }
    }
    return true;
}

Status status_of_write_error(int error) {
    return error == ENOSPC || error == EDQUOT ? Status::kNoSpace : Status::kStorageError;
}

// Writes all of `data` to `fd`, repeating after short writes and EINTR.
bool write_all(int fd, std::span<const std::byte> data) {
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t written = ::write(fd, data.data() + done, data.size() - done);
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            return false;
        }
        done += static_cast<size_t>(written);
    }
    return true;
}

// Makes the rename durable: the directory entry lives in the directory's own blocks.
bool sync_directory(const char* directory) {
    const int fd = ::open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
}

}  // namespace

bool FileStorage::make_path(const char* name, const char* suffix, std::span<char> path) const {
    if (!valid_name(name)) {
        LWM2M_LOG_ERROR("invalid storage name: expected 1 to %u letters, digits, '-', '_' or '.'",
                        static_cast<unsigned>(kMaxNameLength));
        return false;
    }
    const int length = std::snprintf(path.data(), path.size(), "%s/%s%s", directory_, name, suffix);
    return length > 0 && static_cast<size_t>(length) < path.size();
}

Result<size_t> FileStorage::read(const char* name, std::span<std::byte> buffer) {
    char path[kMaxPathLength];
    if (!make_path(name, "", path)) {
        return Status::kInvalidArgument;
    }
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return Status::kNotFound;
        }
        LWM2M_LOG_ERROR("cannot open '%s': %s", path, std::strerror(errno));
        return Status::kStorageError;
    }
    // Reading one byte past a full buffer distinguishes an exact fit from a longer file.
    size_t total = 0;
    Status status = Status::kOk;
    while (status == Status::kOk) {
        std::byte extra{};
        const bool full = total == buffer.size();
        const ssize_t got =
            full ? ::read(fd, &extra, 1) : ::read(fd, buffer.data() + total, buffer.size() - total);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            LWM2M_LOG_ERROR("cannot read '%s': %s", path, std::strerror(errno));
            status = Status::kStorageError;
        } else if (got == 0) {
            break;
        } else if (full) {
            status = Status::kMessageTooLarge;
        } else {
            total += static_cast<size_t>(got);
        }
    }
    ::close(fd);
    if (status != Status::kOk) {
        return status;
    }
    return total;
}

Status FileStorage::write(const char* name, std::span<const std::byte> data) {
    char path[kMaxPathLength];
    char temporary[kMaxPathLength];
    if (!make_path(name, "", path) || !make_path(name, ".tmp", temporary)) {
        return Status::kInvalidArgument;
    }
    const int fd = ::open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int error = errno;
        LWM2M_LOG_ERROR("cannot create '%s': %s", temporary, std::strerror(error));
        return status_of_write_error(error);
    }

    const bool written = write_all(fd, data) && ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    if (!written) {
        LWM2M_LOG_ERROR("cannot write '%s': %s", temporary, std::strerror(error));
        (void)::unlink(temporary);
        return status_of_write_error(error);
    }

    if (::rename(temporary, path) != 0) {
        const int rename_error = errno;
        LWM2M_LOG_ERROR("cannot rename '%s' to '%s': %s", temporary, path,
                        std::strerror(rename_error));
        (void)::unlink(temporary);
        return status_of_write_error(rename_error);
    }
    if (!sync_directory(directory_)) {
        // The new file is in place but may not survive a power loss.
        LWM2M_LOG_ERROR("cannot sync directory '%s': %s", directory_, std::strerror(errno));
        return Status::kStorageError;
    }
    return Status::kOk;
}

Status FileStorage::remove(const char* name) {
    char path[kMaxPathLength];
    if (!make_path(name, "", path)) {
        return Status::kInvalidArgument;
    }
    if (::unlink(path) != 0) {
        if (errno == ENOENT) {
            return Status::kNotFound;
        }
        LWM2M_LOG_ERROR("cannot remove '%s': %s", path, std::strerror(errno));
        return Status::kStorageError;
    }
    if (!sync_directory(directory_)) {
        LWM2M_LOG_ERROR("cannot sync directory '%s': %s", directory_, std::strerror(errno));
        return Status::kStorageError;
    }
    return Status::kOk;
}

}  // namespace lwm2m::posix
