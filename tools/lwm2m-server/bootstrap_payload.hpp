// Payloads of Bootstrap-Write: resource values described in JSON, encoded as LwM2M TLV
// (Content-Format 11542), SenML JSON (110) or SenML CBOR (112).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace lwm2m::server {

constexpr std::uint16_t kFormatSenmlJson = 110;
constexpr std::uint16_t kFormatSenmlCbor = 112;
constexpr std::uint16_t kFormatTlv = 11542;

/// Value of a resource or resource instance: Integer, Float, Boolean, String or Opaque.
using ResourceValue =
    std::variant<std::int64_t, double, bool, std::string, std::vector<std::uint8_t>>;

/// Resource of a written instance: one value, or values by resource instance id.
struct ResourceEntry {
    std::optional<ResourceValue> value;
    std::map<std::uint16_t, ResourceValue> instances;
};

/// Object instance of a Bootstrap-Write, with its resources by resource id.
struct InstanceContent {
    std::uint16_t id = 0;
    std::map<std::uint16_t, ResourceEntry> resources;
};

/// Content of one Bootstrap-Write: a PUT on /O/I with one instance, or on /O with several
/// (object-level write, allowed since LwM2M 1.2).
struct WriteContent {
    std::uint16_t object_id = 0;
    bool object_level = false;
    std::vector<InstanceContent> instances;

    /// Target path, "/0/1" or "/0".
    std::string path() const;
};

/// Error in a write description; the message names the path and the invalid value.
class WriteContentError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Builds the content of a write on `path` (/O/I or /O) from a JSON object with the key
/// "values" (for /O/I) or "instances" (for /O), as README.md describes. Throws
/// WriteContentError for a wrong path, an unknown resource name or a value of the wrong type.
WriteContent parse_write_content(const std::string& path, const nlohmann::json& description);

/// Encodes `content` in `format`: kFormatTlv, kFormatSenmlJson or kFormatSenmlCbor.
/// Throws WriteContentError for any other format.
std::vector<std::uint8_t> encode_write_content(const WriteContent& content, std::uint16_t format);

/// Payload of a Bootstrap-Pack (LwM2M 1.2) and the number of SenML records in it.
struct BootstrapPack {
    std::vector<std::uint8_t> payload;
    std::size_t record_count = 0;
};

/// Encodes the values of `contents`, in order, as one SenML pack in `format`:
/// kFormatSenmlJson or kFormatSenmlCbor. Every record has its full path, such as "/0/1/0",
/// as its name. Throws WriteContentError for any other format.
BootstrapPack encode_bootstrap_pack(const std::vector<const WriteContent*>& contents,
                                    std::uint16_t format);

/// True if encode_write_content() supports `format`.
bool is_write_format(std::uint16_t format);

}  // namespace lwm2m::server
