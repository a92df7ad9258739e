#include "bootstrap_config.hpp"

#include <fstream>
#include <stdexcept>

namespace lwm2m::server {
namespace {

using nlohmann::json;

std::optional<std::uint16_t> parse_format(const json& object, const std::string& where) {
    if (!object.contains("content_format")) {
        return std::nullopt;
    }
    const json& value = object["content_format"];
    if (!value.is_number_unsigned() || !is_write_format(value.get<std::uint16_t>())) {
        throw std::runtime_error(where + ": \"content_format\" must be 11542 (TLV), 110 (SenML " +
                                 "JSON) or 112 (SenML CBOR), got " + value.dump());
    }
    return value.get<std::uint16_t>();
}

std::string path_of(const json& operation, const std::string& fallback, const std::string& where) {
    const json path = operation.value("path", json(fallback));
    if (!path.is_string() || path.get<std::string>().empty() ||
        path.get<std::string>().front() != '/') {
        throw std::runtime_error(where + ": \"path\" must be a string starting with '/'");
    }
    return path.get<std::string>();
}

BootstrapOperation parse_operation(const json& operation, const std::string& where) {
    if (!operation.is_object() || !operation.contains("op") || !operation["op"].is_string()) {
        throw std::runtime_error(where + ": expected an object with \"op\"");
    }
    const std::string op = operation["op"].get<std::string>();

    BootstrapOperation result;
    if (op == "delete") {
        result.kind = BootstrapOperationKind::kDelete;
        result.path = path_of(operation, "/", where);
    } else if (op == "write") {
        result.kind = BootstrapOperationKind::kWrite;
        result.path = path_of(operation, "", where);
        try {
            result.content = parse_write_content(result.path, operation);
        } catch (const WriteContentError& error) {
            throw std::runtime_error(where + ": " + error.what());
        }
        result.content_format = parse_format(operation, where);
    } else if (op == "read") {
        result.kind = BootstrapOperationKind::kRead;
        result.path = path_of(operation, "", where);
    } else if (op == "discover") {
        result.kind = BootstrapOperationKind::kDiscover;
        result.path = path_of(operation, "/", where);
    } else if (op == "finish") {
        result.kind = BootstrapOperationKind::kFinish;
        result.path = "/bs";
    } else {
        throw std::runtime_error(where + ": unknown \"op\" '" + op +
                                 "': expected delete, write, read, discover or finish");
    }
    return result;
}

bool can_join(const BootstrapOperation& group, const BootstrapOperation& next) {
    return group.kind == BootstrapOperationKind::kWrite &&
           next.kind == BootstrapOperationKind::kWrite && !next.content->object_level &&
           group.content->object_id == next.content->object_id &&
           group.content_format == next.content_format;
}

// Joins consecutive instance writes on one object into one object-level write on /O
// (LwM2M 1.2 allows a Bootstrap-Write on an object with several instances).
std::vector<BootstrapOperation> join_instance_writes(std::vector<BootstrapOperation> operations) {
    std::vector<BootstrapOperation> joined;
    for (BootstrapOperation& operation : operations) {
        if (!joined.empty() && can_join(joined.back(), operation)) {
            WriteContent& group = *joined.back().content;
            group.instances.push_back(std::move(operation.content->instances.front()));
            continue;
        }
        if (operation.kind == BootstrapOperationKind::kWrite) {
            operation.content->object_level = true;
            operation.path = operation.content->path();
        }
        joined.push_back(std::move(operation));
    }
    return joined;
}

BootstrapPlan parse_plan(const json& plan, const std::string& where) {
    if (!plan.is_object() || !plan.contains("operations") || !plan["operations"].is_array()) {
        throw std::runtime_error(where + ": expected an object with an \"operations\" array");
    }

    BootstrapPlan result;
    result.content_format = parse_format(plan, where);
    const json& operations = plan["operations"];
    for (std::size_t i = 0; i < operations.size(); ++i) {
        result.operations.push_back(
            parse_operation(operations[i], where + " operation " + std::to_string(i + 1)));
    }

    const json object_level = plan.value("object_level_writes", json(false));
    if (!object_level.is_boolean()) {
        throw std::runtime_error(where + ": \"object_level_writes\" must be true or false");
    }
    if (object_level.get<bool>()) {
        result.operations = join_instance_writes(std::move(result.operations));
    }

    const json pack = plan.value("pack", json(true));
    if (!pack.is_boolean()) {
        throw std::runtime_error(where + ": \"pack\" must be true or false");
    }
    result.pack = pack.get<bool>();
    return result;
}

}  // namespace

BootstrapConfig BootstrapConfig::load(const std::string& path) {
    std::ifstream file(path);
    if (!file) {
        throw std::runtime_error("failed to open bootstrap config '" + path + "'");
    }
    const json document = json::parse(file, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        throw std::runtime_error("bootstrap config '" + path + "' is not a JSON object");
    }

    BootstrapConfig config;
    if (document.contains("default")) {
        config.default_plan_ = parse_plan(document["default"], path + ": default");
    }
    const json endpoints = document.value("endpoints", json::object());
    if (!endpoints.is_object()) {
        throw std::runtime_error(path + ": \"endpoints\" must map endpoint names to plans");
    }
    for (const auto& [endpoint, plan] : endpoints.items()) {
        config.plans_[endpoint] = parse_plan(plan, path + ": endpoint '" + endpoint + "'");
    }
    return config;
}

const BootstrapPlan* BootstrapConfig::find(const std::string& endpoint) const {
    if (auto it = plans_.find(endpoint); it != plans_.end()) {
        return &it->second;
    }
    return default_plan_ ? &*default_plan_ : nullptr;
}

std::string bootstrap_command_name(BootstrapOperationKind kind) {
    switch (kind) {
        case BootstrapOperationKind::kDelete:
            return "bootstrap-delete";
        case BootstrapOperationKind::kWrite:
            return "bootstrap-write";
        case BootstrapOperationKind::kRead:
            return "bootstrap-read";
        case BootstrapOperationKind::kDiscover:
            return "bootstrap-discover";
        case BootstrapOperationKind::kFinish:
            return "bootstrap-finish";
    }
    return "bootstrap-finish";
}

}  // namespace lwm2m::server
