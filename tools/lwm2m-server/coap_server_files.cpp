// Files served for download by the serve and unserve commands: a GET on any endpoint gets
// the file in Block2 blocks (RFC 7959), with an ETag derived from the content.
#include <algorithm>
#include <array>
#include <bit>
#include <optional>
#include <span>

#include "coap_server.hpp"

namespace lwm2m::server {
namespace {

constexpr std::uint16_t kOctetStream = 42;
constexpr std::size_t kMinBlockSize = 16;

// Bytes of a block response besides the payload, rounded up: header 4, token 8, ETag 9,
// Content-Format 2, Block2 4, Size2 5 and the payload marker 1.
constexpr std::size_t kResponseOverhead = 40;

// SZX 7 is reserved (RFC 7959, 2.2).
constexpr unsigned kReservedSzx = 7;

// 64-bit FNV-1a, so the ETag depends on the content alone and survives a restart.
std::uint64_t fnv1a_64(std::span<const std::uint8_t> bytes) {
    constexpr std::uint64_t kOffsetBasis = 0xcbf29ce484222325;
    constexpr std::uint64_t kPrime = 0x00000100000001b3;

    std::uint64_t hash = kOffsetBasis;
    for (std::uint8_t byte : bytes) {
        hash ^= byte;
        hash *= kPrime;
    }
    return hash;
}

std::array<std::uint8_t, 8> etag_bytes(std::uint64_t etag) {
    std::array<std::uint8_t, 8> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<std::uint8_t>(etag >> (56 - 8 * i));
    }
    return bytes;
}

// The Block2 option of a request: NUM and SZX (RFC 7959, 2.2). The M bit of a request is
// ignored on reception.
struct Block2Request {
    std::uint32_t num = 0;
    unsigned szx = 0;
};

std::optional<Block2Request> block2_of(const coap_pdu_t* request) {
    const std::optional<std::uint32_t> value = uint_option(request, COAP_OPTION_BLOCK2);
    if (!value) {
        return std::nullopt;
    }
    return Block2Request{*value >> 4, *value & 0x7};
}

void add_uint_option(coap_pdu_t* pdu, coap_option_num_t number, std::uint32_t value) {
    std::uint8_t buffer[4];
    const unsigned length = coap_encode_var_safe(buffer, sizeof(buffer), value);
    coap_add_option(pdu, number, length, buffer);
}

// Adds the client fields that end every download event.
void add_client_fields(Json& event, const coap_session_t* session) {
    const Peer peer = peer_of(session);
    event["peer"] = peer.address;
    event["port"] = peer.port;
    event["secure"] = coap_session_get_proto(session) == COAP_PROTO_DTLS;
}

struct BlockResponse {
    std::size_t size = 0;
    bool more = false;
};

// Fills `response` with block `num` of `content` in blocks of `block_size` bytes. The
// response carries Block2 when the request did or more blocks follow, and Size2 when
// `with_size` is set.
BlockResponse add_block(coap_pdu_t* response, const std::vector<std::uint8_t>& content,
                        std::uint64_t etag, std::uint32_t num, std::size_t block_size,
                        bool requested_block, bool with_size) {
    const std::size_t offset = std::size_t{num} * block_size;
    BlockResponse block;
    block.size = std::min(block_size, content.size() - offset);
    block.more = offset + block.size < content.size();

    // Options go in ascending number order: ETag 4, Content-Format 12, Block2 23, Size2 28.
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
    const auto etag_value = etag_bytes(etag);
    coap_add_option(response, COAP_OPTION_ETAG, etag_value.size(), etag_value.data());
    add_uint_option(response, COAP_OPTION_CONTENT_FORMAT, kOctetStream);
    if (requested_block || block.more) {
        const auto szx = static_cast<std::uint32_t>(std::countr_zero(block_size)) - 4;
        add_uint_option(response, COAP_OPTION_BLOCK2, (num << 4) | (block.more ? 0x8 : 0) | szx);
    }
    if (with_size) {
        add_uint_option(response, COAP_OPTION_SIZE2, static_cast<std::uint32_t>(content.size()));
    }
    coap_add_data(response, block.size, content.data() + offset);
    return block;
}

}  // namespace

void CoapServer::serve(Command command) {
    const auto [it, inserted] = served_files_.try_emplace(command.path);
    ServedFile& file = it->second;
    if (inserted) {
        // libcoap keys a resource by its Uri-Path options joined with '/', without a leading
        // one.
        const std::string uri = command.path.substr(1);
        coap_str_const_t* uri_string =
            coap_new_str_const(reinterpret_cast<const std::uint8_t*>(uri.data()), uri.size());
        coap_resource_t* resource =
            uri_string != nullptr ? coap_resource_init(uri_string, COAP_RESOURCE_FLAGS_RELEASE_URI)
                                  : nullptr;
        if (resource == nullptr) {
            served_files_.erase(it);
            log_.error("serve " + command.path + ": failed to create the libcoap resource",
                       command.id);
            return;
        }
        coap_register_request_handler(resource, COAP_REQUEST_GET, handle_file_request);
        coap_add_resource(context_, resource);
        file.resource = resource;
    }

    file.content = std::move(command.file_content);
    file.etag = fnv1a_64(file.content);

    Json event = log_.make("serving");
    event["id"] = command.id;
    event["path"] = command.path;
    event["file"] = command.file;
    event["size"] = file.content.size();
    event["etag"] = to_hex(etag_bytes(file.etag));
    event["replaced"] = !inserted;
    log_.write(event);
}

void CoapServer::unserve(const Command& command) {
    auto it = served_files_.find(command.path);
    if (it == served_files_.end()) {
        log_.error("unserve: " + command.path + " is not served", command.id);
        return;
    }

    coap_delete_resource(context_, it->second.resource);
    served_files_.erase(it);

    Json event = log_.make("unserved");
    event["id"] = command.id;
    event["path"] = command.path;
    log_.write(event);
}

void CoapServer::handle_file_request(coap_resource_t* resource, coap_session_t* session,
                                     const coap_pdu_t* request, const coap_string_t* /*query*/,
                                     coap_pdu_t* response) {
    CoapServer& server = from_session(session);
    try {
        server.on_file_request(resource, session, request, response);
    } catch (const std::exception& error) {
        server.log_.error(std::string("file request handling failed: ") + error.what());
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_INTERNAL_ERROR);
    }
}

std::size_t CoapServer::response_block_size(const coap_session_t* session,
                                            std::size_t requested) const {
    std::size_t block_size = std::min(requested, downlink_.block_size);
    const std::size_t max_pdu = coap_session_max_pdu_size(session);
    while (block_size > kMinBlockSize && block_size + kResponseOverhead > max_pdu) {
        block_size /= 2;
    }
    return block_size;
}

// GET of a served file. This handler receives every block request, because libcoap 4.3.1
// sends later Block2 blocks by itself only for a body handed to
// coap_add_data_large_response(), which this handler never calls.
void CoapServer::on_file_request(coap_resource_t* resource, coap_session_t* session,
                                 const coap_pdu_t* request, coap_pdu_t* response) {
    note_message_from(session);
    const coap_str_const_t* uri = coap_resource_get_uri_path(resource);
    const std::string path = "/" + std::string(reinterpret_cast<const char*>(uri->s), uri->length);
    auto it = served_files_.find(path);
    if (it == served_files_.end()) {
        coap_pdu_set_code(response, COAP_RESPONSE_CODE_NOT_FOUND);
        return;
    }
    const ServedFile& file = it->second;

    // Only a request with Block2 can be rejected, because a served file is never empty.
    const std::optional<Block2Request> block2 = block2_of(request);
    auto reject = [&](coap_pdu_code_t code, const std::string& reason) {
        Json event = log_.make("block_rejected");
        event["path"] = path;
        event["code"] = code_string(code);
        event["block"] = block2->num;
        event["reason"] = reason;
        add_client_fields(event, session);
        log_.write(event);

        coap_pdu_set_code(response, code);
        coap_add_data(response, reason.size(),
                      reinterpret_cast<const std::uint8_t*>(reason.data()));
    };

    if (block2 && block2->szx == kReservedSzx) {
        // RFC 7959, 2.2: a reserved SZX in a request MUST lead to 4.00.
        reject(COAP_RESPONSE_CODE_BAD_REQUEST, "Block2 SZX 7 is reserved");
        return;
    }

    const std::size_t requested_size =
        block2 ? std::size_t{1} << (block2->szx + 4) : downlink_.block_size;
    const std::uint64_t offset = block2 ? std::uint64_t{block2->num} * requested_size : 0;
    if (block2 && offset >= file.content.size()) {
        // RFC 7959 names no code for a block past the end. The Block2 option is critical and
        // must be processed or the request rejected (RFC 7959, 2.1), and a critical option
        // that cannot be processed gets 4.02 Bad Option (RFC 7252, 5.4.1).
        reject(COAP_RESPONSE_CODE_BAD_OPTION,
               "Block2 NUM " + std::to_string(block2->num) + " of " +
                   std::to_string(requested_size) + " bytes starts at byte " +
                   std::to_string(offset) + ", beyond the " + std::to_string(file.content.size()) +
                   " bytes of " + path);
        return;
    }

    // A smaller block size than the request's still divides the offset, because both are
    // powers of two. RFC 7959, 2.4 lets the server use a smaller block size.
    const std::size_t block_size = response_block_size(session, requested_size);
    const auto num = static_cast<std::uint32_t>(offset / block_size);
    const bool wants_size = num == 0 || uint_option(request, COAP_OPTION_SIZE2).has_value();
    const BlockResponse block = add_block(response, file.content, file.etag, num, block_size,
                                          block2.has_value(), wants_size);

    Json event = log_.make("block_served");
    event["path"] = path;
    event["block"] = num;
    event["size"] = block.size;
    event["block_size"] = block_size;
    event["more"] = block.more;
    event["etag"] = to_hex(etag_bytes(file.etag));
    add_client_fields(event, session);
    log_.write(event);
}

}  // namespace lwm2m::server
