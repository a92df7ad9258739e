// Decoding of SenML packs (RFC 8428) in JSON (Content-Format 110) and CBOR
// (112) with nlohmann-json, independently of the client library. The unit
// tests of the client use it as an oracle too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lwm2m::server {

/// Returns the JSON name of an integer SenML CBOR label (RFC 8428, table 4),
/// or the number as text if RFC 8428 defines none.
inline std::string senml_label_name(std::int64_t label) {
    switch (label) {
        case -1:
            return "bver";
        case -2:
            return "bn";
        case -3:
            return "bt";
        case -4:
            return "bu";
        case -5:
            return "bv";
        case -6:
            return "bs";
        case 0:
            return "n";
        case 1:
            return "u";
        case 2:
            return "v";
        case 3:
            return "vs";
        case 4:
            return "vb";
        case 5:
            return "s";
        case 6:
            return "t";
        case 7:
            return "ut";
        case 8:
            return "vd";
        default:
            return std::to_string(label);
    }
}

namespace detail {

/// Copies one CBOR data item from `in` at `pos` to `out`, rewriting integer
/// map keys as text keys named by senml_label_name(). Returns false for a
/// truncated or invalid item, or nesting deeper than 16 levels.
inline bool copy_cbor_item(std::span<const std::uint8_t> in, std::size_t& pos,
                           std::vector<std::uint8_t>& out, bool is_key, int depth) {
    if (pos >= in.size() || depth > 16) {
        return false;
    }
    const std::size_t start = pos;
    const std::uint8_t initial = in[pos++];
    const unsigned major = initial >> 5;
    const unsigned info = initial & 0x1f;
    std::uint64_t argument = info;
    if (info >= 24 && info <= 27) {
        const std::size_t length = std::size_t{1} << (info - 24);
        if (in.size() - pos < length) {
            return false;
        }
        argument = 0;
        for (std::size_t i = 0; i < length; ++i) {
            argument = (argument << 8) | in[pos++];
        }
    } else if (info >= 28 && info <= 30) {
        return false;
    }
    const bool indefinite = info == 31;
    if (indefinite && (major == 0 || major == 1 || major == 6)) {
        return false;
    }

    if (is_key && (major == 0 || major == 1)) {
        const std::int64_t label = major == 0 ? static_cast<std::int64_t>(argument)
                                              : -1 - static_cast<std::int64_t>(argument);
        const std::string name = senml_label_name(label);
        const auto text = nlohmann::json::to_cbor(name);
        out.insert(out.end(), text.begin(), text.end());
        return true;
    }
    out.insert(out.end(), in.begin() + start, in.begin() + pos);

    switch (major) {
        case 2:
        case 3:
            if (indefinite) {
                while (pos < in.size() && in[pos] != 0xff) {
                    if (!copy_cbor_item(in, pos, out, false, depth + 1)) {
                        return false;
                    }
                }
                break;
            }
            if (in.size() - pos < argument) {
                return false;
            }
            out.insert(out.end(), in.begin() + pos, in.begin() + pos + argument);
            pos += argument;
            return true;
        case 4:
        case 5: {
            const int per_entry = major == 5 ? 2 : 1;
            for (std::uint64_t i = 0; indefinite || i < argument; ++i) {
                if (indefinite && pos < in.size() && in[pos] == 0xff) {
                    break;
                }
                for (int part = 0; part < per_entry; ++part) {
                    const bool key = major == 5 && part == 0;
                    if (!copy_cbor_item(in, pos, out, key, depth + 1)) {
                        return false;
                    }
                }
            }
            if (!indefinite) {
                return true;
            }
            break;
        }
        case 6:
            return copy_cbor_item(in, pos, out, false, depth + 1);
        default:
            // Integers, floats and simple values: the head was the whole item.
            return !indefinite;
    }
    // An indefinite-length item ends with the break byte.
    if (pos >= in.size()) {
        return false;
    }
    out.push_back(in[pos++]);
    return true;
}

}  // namespace detail

/// Decodes a SenML CBOR pack. nlohmann-json 3.11 reads only text map keys,
/// so the integer labels are first renamed as their JSON names ("n", "v",
/// "t", ...). nlohmann-json then decodes the values. Returns std::nullopt
/// for a payload that is not one valid CBOR item.
inline std::optional<nlohmann::json> decode_senml_cbor(std::span<const std::uint8_t> payload) {
    std::vector<std::uint8_t> rewritten;
    std::size_t pos = 0;
    if (!detail::copy_cbor_item(payload, pos, rewritten, false, 0) || pos != payload.size()) {
        return std::nullopt;
    }
    nlohmann::json pack = nlohmann::json::from_cbor(rewritten, true, false);
    if (pack.is_discarded()) {
        return std::nullopt;
    }
    return pack;
}

/// Decodes a SenML JSON pack; std::nullopt if it is not valid JSON.
inline std::optional<nlohmann::json> decode_senml_json(std::span<const std::uint8_t> payload) {
    nlohmann::json pack = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
    if (pack.is_discarded()) {
        return std::nullopt;
    }
    return pack;
}

/// Resolves the records of a SenML pack (RFC 8428, 4.6): each entry has
/// "name" (bn + n), "time" (bt + t, seconds) and "value", the first of v,
/// vs, vb, vd and vlo. Returns an empty array if `pack` is not an array of
/// objects.
inline nlohmann::json resolve_senml(const nlohmann::json& pack) {
    nlohmann::json resolved = nlohmann::json::array();
    if (!pack.is_array()) {
        return resolved;
    }
    std::string base_name;
    double base_time = 0;
    for (const nlohmann::json& record : pack) {
        if (!record.is_object()) {
            return nlohmann::json::array();
        }
        if (record.contains("bn") && record["bn"].is_string()) {
            base_name = record["bn"].get<std::string>();
        }
        if (record.contains("bt") && record["bt"].is_number()) {
            base_time = record["bt"].get<double>();
        }
        nlohmann::json entry;
        entry["name"] = base_name + record.value("n", std::string());
        const double time =
            base_time +
            (record.contains("t") && record["t"].is_number() ? record["t"].get<double>() : 0.0);
        entry["time"] = time;
        for (const char* label : {"v", "vs", "vb", "vd", "vlo"}) {
            if (record.contains(label)) {
                entry["value"] = record[label];
                break;
            }
        }
        resolved.push_back(entry);
    }
    return resolved;
}

}  // namespace lwm2m::server
