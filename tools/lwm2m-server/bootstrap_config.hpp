// Provisioning of the Bootstrap-Server: per endpoint, the operations it sends after a
// Bootstrap-Request, read from the JSON file given with --bootstrap-config.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap_payload.hpp"

namespace lwm2m::server {

enum class BootstrapOperationKind { kDelete, kWrite, kRead, kDiscover, kFinish };

/// One operation of a provisioning sequence.
struct BootstrapOperation {
    BootstrapOperationKind kind = BootstrapOperationKind::kFinish;
    /// Target path; "/bs" for Bootstrap-Finish.
    std::string path;
    /// Content of a Bootstrap-Write.
    std::optional<WriteContent> content;
    /// Content-Format of this write, overriding the plan's and the client's `pct`.
    std::optional<std::uint16_t> content_format;
};

/// Operations sent, one after another, to a client after its Bootstrap-Request.
struct BootstrapPlan {
    /// Content-Format of the writes, overriding the client's `pct`.
    std::optional<std::uint16_t> content_format;
    std::vector<BootstrapOperation> operations;
    /// True to serve the writes of `operations` as a Bootstrap-Pack (GET /bspack). With
    /// false, a Bootstrap-Pack-Request gets 4.05, so a client has to fall back to POST /bs.
    bool pack = true;
};

/// Plans by endpoint name, and an optional default plan for every other endpoint.
class BootstrapConfig {
  public:
    /// Reads and checks a configuration file. Throws std::runtime_error naming the file and
    /// the invalid entry.
    static BootstrapConfig load(const std::string& path);

    /// Returns the plan for `endpoint`, the default plan, or nullptr when there is neither.
    const BootstrapPlan* find(const std::string& endpoint) const;

  private:
    std::map<std::string, BootstrapPlan, std::less<>> plans_;
    std::optional<BootstrapPlan> default_plan_;
};

/// Returns the name of the command that runs `kind`, e.g. "bootstrap-write".
std::string bootstrap_command_name(BootstrapOperationKind kind);

}  // namespace lwm2m::server
