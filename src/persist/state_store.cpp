#include "persist/state_store.hpp"

#include <cstring>

namespace lwm2m::persist {
namespace {

using detail::ServerObject;

// Bits of the flags byte of the Server object.
constexpr uint8_t kNotificationStoring = 1 << 0;
constexpr uint8_t kMuteSend = 1 << 1;
constexpr uint8_t kRegistrationFailureBlock = 1 << 2;
constexpr uint8_t kBootstrapOnRegistrationFailure = 1 << 3;
constexpr uint8_t kSmsTrigger = 1 << 4;
constexpr uint8_t kKnownFlags = (1 << 5) - 1;

// Appends little-endian fields; remembers an overflow instead of writing past the end.
class Writer {
  public:
    explicit Writer(std::span<uint8_t> out) : out_(out) {}

    void u8(uint8_t value) {
        if (size_ < out_.size()) {
            out_[size_] = value;
        } else {
            overflow_ = true;
        }
        ++size_;
    }
    void u16(uint16_t value) {
        u8(static_cast<uint8_t>(value));
        u8(static_cast<uint8_t>(value >> 8));
    }
    void u32(uint32_t value) {
        u16(static_cast<uint16_t>(value));
        u16(static_cast<uint16_t>(value >> 16));
    }
    void i64(int64_t value) {
        const auto bits = static_cast<uint64_t>(value);
        u32(static_cast<uint32_t>(bits));
        u32(static_cast<uint32_t>(bits >> 32));
    }
    // A length byte, then the characters without the NUL.
    void text(const char* value, size_t capacity) {
        // memchr() in place of strnlen(), which is POSIX and hidden by
        // newlib in strict C++20 mode.
        const void* nul = std::memchr(value, '\0', capacity);
        const size_t length =
            nul != nullptr ? static_cast<size_t>(static_cast<const char*>(nul) - value) : capacity;
        u8(static_cast<uint8_t>(length));
        for (size_t i = 0; i < length; ++i) {
            u8(static_cast<uint8_t>(value[i]));
        }
    }

    // A two-byte length, then the bytes.
    void bytes(const uint8_t* value, uint16_t length) {
        u16(length);
        for (uint16_t i = 0; i < length; ++i) {
            u8(value[i]);
        }
    }

    size_t size() const { return size_; }
    bool overflow() const { return overflow_; }

  private:
    std::span<uint8_t> out_;
    size_t size_ = 0;
    bool overflow_ = false;
};

// Reads little-endian fields; after the first failure every read fails and
// returns zeros, so callers check ok() once per group of fields.
class Reader {
  public:
    explicit Reader(std::span<const uint8_t> in) : in_(in) {}

    uint8_t u8() {
        if (position_ >= in_.size()) {
            error_ = error_ == DecodeError::kNone ? DecodeError::kTruncated : error_;
            return 0;
        }
        return in_[position_++];
    }
    uint16_t u16() {
        const uint16_t low = u8();
        return static_cast<uint16_t>(low | u8() << 8);
    }
    uint32_t u32() {
        const uint32_t low = u16();
        return low | uint32_t{u16()} << 16;
    }
    int64_t i64() {
        const uint64_t low = u32();
        return static_cast<int64_t>(low | uint64_t{u32()} << 32);
    }
    // Reads a text written by Writer::text() into `out` with its NUL. A text
    // that does not fit `out` or contains a NUL is invalid.
    void text(std::span<char> out) {
        const uint8_t length = u8();
        if (length >= out.size()) {
            fail(DecodeError::kInvalidField);
        }
        if (!ok()) {
            out[0] = '\0';
            return;
        }
        for (uint8_t i = 0; i < length; ++i) {
            out[i] = static_cast<char>(u8());
            if (out[i] == '\0') {
                fail(DecodeError::kInvalidField);
            }
        }
        out[length] = '\0';
    }

    // Reads bytes written by Writer::bytes() into `out`; longer than `out` is invalid.
    template <size_t N>
    void bytes(uint8_t (&out)[N], uint16_t& length) {
        length = u16();
        if (length > N) {
            fail(DecodeError::kInvalidField);
        }
        if (!ok()) {
            length = 0;
            return;
        }
        for (uint16_t i = 0; i < length; ++i) {
            out[i] = u8();
        }
    }

    void fail(DecodeError error) {
        if (error_ == DecodeError::kNone) {
            error_ = error;
        }
    }
    // Fails with kInvalidField unless `condition` holds.
    void require(bool condition) {
        if (!condition) {
            fail(DecodeError::kInvalidField);
        }
    }
    bool ok() const { return error_ == DecodeError::kNone; }
    DecodeError error() const { return error_; }
    bool at_end() const { return position_ == in_.size(); }

  private:
    std::span<const uint8_t> in_;
    size_t position_ = 0;
    DecodeError error_ = DecodeError::kNone;
};

// The used slot of `slots` with the lowest instance ID above `after`, or nullptr.
template <typename Instance, size_t N>
const Instance* next_instance(const Instance (&slots)[N], int32_t after) {
    const Instance* next = nullptr;
    for (const Instance& slot : slots) {
        if (slot.id != detail::kNoInstance && slot.id > after &&
            (next == nullptr || slot.id < next->id)) {
            next = &slot;
        }
    }
    return next;
}

// Bits of the flags byte of a Security instance.
constexpr uint8_t kBootstrapServer = 1 << 0;

void encode_security(Writer& writer,
                     const detail::SecurityInstance (&accounts)[LWM2M_MAX_SECURITY_INSTANCES]) {
    uint8_t count = 0;
    for (const detail::SecurityInstance& account : accounts) {
        if (account.id != detail::kNoInstance) {
            ++count;
        }
    }
    writer.u8(count);
    // In ascending instance ID order, which the decoder checks: the slots
    // may hold them in any order.
    for (const detail::SecurityInstance* next = next_instance(accounts, -1); next != nullptr;
         next = next_instance(accounts, next->id)) {
        const detail::SecurityInstance& account = *next;
        writer.u16(account.id);
        writer.u8(account.bootstrap_server ? kBootstrapServer : 0);
        writer.u8(account.security_mode);
        writer.u16(account.short_server_id);
        writer.u32(account.client_hold_off_s);
        writer.u32(account.account_timeout_s);
        writer.text(account.uri, sizeof(account.uri));
        writer.bytes(account.identity, account.identity_length);
        writer.bytes(account.server_key, account.server_key_length);
        writer.bytes(account.secret_key, account.secret_key_length);
        writer.u8(account.certificate_usage);
        writer.text(account.sni, sizeof(account.sni));
    }
}

void decode_security(Reader& reader,
                     detail::SecurityInstance (&accounts)[LWM2M_MAX_SECURITY_INSTANCES]) {
    const uint8_t count = reader.u8();
    reader.require(count <= LWM2M_MAX_SECURITY_INSTANCES);
    for (uint8_t i = 0; reader.ok() && i < count; ++i) {
        detail::SecurityInstance& account = accounts[i];
        account.id = reader.u16();
        // Instance IDs ascend strictly, so none repeats.
        reader.require(account.id != detail::kNoInstance &&
                       (i == 0 || account.id > accounts[i - 1].id));
        const uint8_t flags = reader.u8();
        reader.require((flags & ~kBootstrapServer) == 0);
        account.bootstrap_server = (flags & kBootstrapServer) != 0;
        account.security_mode = reader.u8();
        reader.require(account.security_mode <= 4);
        account.short_server_id = reader.u16();
        account.client_hold_off_s = reader.u32();
        account.account_timeout_s = reader.u32();
        reader.text(account.uri);
        reader.bytes(account.identity, account.identity_length);
        reader.bytes(account.server_key, account.server_key_length);
        reader.bytes(account.secret_key, account.secret_key_length);
        account.certificate_usage = reader.u8();
        reader.require(account.certificate_usage <= 3);
        reader.text(account.sni);
    }
}

#if LWM2M_WITH_ACCESS_CONTROL
void encode_acl(Writer& writer, const detail::AclInstance (&instances)[LWM2M_MAX_ACL_INSTANCES]) {
    uint8_t count = 0;
    for (const detail::AclInstance& instance : instances) {
        if (instance.id != detail::kNoInstance) {
            ++count;
        }
    }
    writer.u8(count);
    for (const detail::AclInstance* next = next_instance(instances, -1); next != nullptr;
         next = next_instance(instances, next->id)) {
        const detail::AclInstance& instance = *next;
        writer.u16(instance.id);
        writer.u16(instance.object_id);
        writer.u16(instance.instance_id);
        writer.u16(instance.owner);
        writer.u8(instance.entry_count);
        for (uint8_t i = 0; i < instance.entry_count; ++i) {
            writer.u16(instance.entries[i].short_server_id);
            writer.u16(instance.entries[i].rights);
        }
    }
}

void decode_acl(Reader& reader, detail::AclInstance (&instances)[LWM2M_MAX_ACL_INSTANCES]) {
    const uint8_t count = reader.u8();
    reader.require(count <= LWM2M_MAX_ACL_INSTANCES);
    for (uint8_t i = 0; reader.ok() && i < count; ++i) {
        detail::AclInstance& instance = instances[i];
        instance.id = reader.u16();
        // Instance IDs ascend strictly, so none repeats.
        reader.require(instance.id != detail::kNoInstance &&
                       (i == 0 || instance.id > instances[i - 1].id));
        instance.object_id = reader.u16();
        instance.instance_id = reader.u16();
        instance.owner = reader.u16();
        instance.entry_count = reader.u8();
        reader.require(instance.entry_count <= LWM2M_MAX_ACL_ENTRIES);
        for (uint8_t j = 0; reader.ok() && j < instance.entry_count; ++j) {
            instance.entries[j].short_server_id = reader.u16();
            instance.entries[j].rights = reader.u16();
            // Entries ascend by Short Server ID, as the object keeps them.
            reader.require(j == 0 || instance.entries[j].short_server_id >
                                         instance.entries[j - 1].short_server_id);
        }
    }
}
#endif

#if !LWM2M_WITH_ACCESS_CONTROL
// Reads past the Access Control instances of a state saved by a build with
// access control, which this build has no use for (every server has every
// right here), so the accounts and registrations in it still load.
void skip_acl(Reader& reader) {
    const uint8_t count = reader.u8();
    for (uint8_t i = 0; reader.ok() && i < count; ++i) {
        // Instance ID, object ID, object instance ID and owner.
        for (int field = 0; field < 4; ++field) {
            (void)reader.u16();
        }
        const uint8_t entries = reader.u8();
        for (uint8_t j = 0; reader.ok() && j < entries; ++j) {
            (void)reader.u16();  // Short Server ID
            (void)reader.u16();  // access rights
        }
    }
}
#endif

void encode_server(Writer& writer, const ServerObject& server) {
    writer.u16(server.instance_id);
    writer.u16(server.short_server_id);
    writer.u32(server.lifetime_s);
    writer.u32(server.default_pmin_s);
    writer.u32(server.default_pmax_s);
    writer.u32(server.disable_timeout_s);
    uint8_t flags = 0;
    flags |= server.notification_storing ? kNotificationStoring : 0;
    flags |= server.mute_send ? kMuteSend : 0;
    flags |= server.registration_failure_block ? kRegistrationFailureBlock : 0;
    flags |= server.bootstrap_on_registration_failure ? kBootstrapOnRegistrationFailure : 0;
    flags |= server.sms_trigger ? kSmsTrigger : 0;
    writer.u8(flags);
    writer.text(server.binding, sizeof(server.binding));
    writer.u16(server.apn_link.object_id);
    writer.u16(server.apn_link.instance_id);
    writer.u32(server.initial_registration_delay_s);
    writer.i64(server.last_bootstrapped_s);
    writer.u8(static_cast<uint8_t>(server.preferred_transport));
    writer.u8(server.default_notification_mode);
    writer.u8(server.profile_id_hash_algorithm);

    writer.u8(server.alternate_apn_link_count);
    for (uint8_t i = 0; i < server.alternate_apn_link_count; ++i) {
        const detail::ApnLinkInstance& item = server.alternate_apn_links[i];
        writer.u16(item.id);
        writer.u16(item.link.object_id);
        writer.u16(item.link.instance_id);
    }
    writer.u8(server.server_version_count);
    for (uint8_t i = 0; i < server.server_version_count; ++i) {
        const detail::ServerVersionInstance& item = server.server_versions[i];
        writer.u16(item.id);
        writer.text(item.text, sizeof(item.text));
    }
}

void decode_server(Reader& reader, ServerObject& server) {
    server.instance_id = reader.u16();
    server.short_server_id = reader.u16();
    server.lifetime_s = reader.u32();
    // A Server instance has a Short Server ID and a lifetime.
    reader.require(
        server.instance_id == detail::kNoInstance ||
        (server.lifetime_s != 0 && server.short_server_id != 0 && server.short_server_id != 65535));
    server.default_pmin_s = reader.u32();
    server.default_pmax_s = reader.u32();
    server.disable_timeout_s = reader.u32();
    const uint8_t flags = reader.u8();
    reader.require((flags & ~kKnownFlags) == 0);
    server.notification_storing = (flags & kNotificationStoring) != 0;
    server.mute_send = (flags & kMuteSend) != 0;
    server.registration_failure_block = (flags & kRegistrationFailureBlock) != 0;
    server.bootstrap_on_registration_failure = (flags & kBootstrapOnRegistrationFailure) != 0;
    server.sms_trigger = (flags & kSmsTrigger) != 0;
    reader.text(server.binding);
    reader.require(server.instance_id == detail::kNoInstance || server.binding[0] != '\0');
    server.apn_link.object_id = reader.u16();
    server.apn_link.instance_id = reader.u16();
    server.initial_registration_delay_s = reader.u32();
    server.last_bootstrapped_s = reader.i64();
    server.preferred_transport = static_cast<char>(reader.u8());
    reader.require(server.preferred_transport >= 'A' && server.preferred_transport <= 'Z');
    server.default_notification_mode = reader.u8();
    reader.require(server.default_notification_mode <= 1);
    server.profile_id_hash_algorithm = reader.u8();

    // Instance IDs ascend strictly, as the Server object keeps them.
    server.alternate_apn_link_count = reader.u8();
    reader.require(server.alternate_apn_link_count <= LWM2M_MAX_ALTERNATE_APN_LINKS);
    for (uint8_t i = 0; reader.ok() && i < server.alternate_apn_link_count; ++i) {
        detail::ApnLinkInstance& item = server.alternate_apn_links[i];
        item.id = reader.u16();
        item.link.object_id = reader.u16();
        item.link.instance_id = reader.u16();
        reader.require(i == 0 || item.id > server.alternate_apn_links[i - 1].id);
    }
    server.server_version_count = reader.u8();
    reader.require(server.server_version_count <= LWM2M_MAX_SERVER_VERSIONS);
    for (uint8_t i = 0; reader.ok() && i < server.server_version_count; ++i) {
        detail::ServerVersionInstance& item = server.server_versions[i];
        item.id = reader.u16();
        reader.text(item.text);
        reader.require(i == 0 || item.id > server.server_versions[i - 1].id);
    }
}

void encode_retry(Writer& writer, const RegistrationRetry& retry) {
    writer.u8(retry.retry_count);
    writer.u32(retry.retry_timer_s);
    writer.u32(retry.sequence_delay_s);
    writer.u8(retry.sequence_retry_count);
}

void decode_retry(Reader& reader, RegistrationRetry& retry) {
    retry.retry_count = reader.u8();
    retry.retry_timer_s = reader.u32();
    retry.sequence_delay_s = reader.u32();
    retry.sequence_retry_count = reader.u8();
    // configure() rejects zero counts, so a stored zero is damage.
    reader.require(retry.retry_count != 0 && retry.sequence_retry_count != 0);
}

void encode_registration(Writer& writer, const RegistrationRecord& record) {
    writer.u8(record.registered ? 1 : 0);
    writer.u16(record.local_port);
    writer.text(record.location, sizeof(record.location));
    writer.u32(record.lifetime_s);
    writer.i64(record.expiry_s);
}

void decode_registration(Reader& reader, RegistrationRecord& record) {
    const uint8_t registered = reader.u8();
    reader.require(registered <= 1);
    record.registered = registered == 1;
    record.local_port = reader.u16();
    reader.text(record.location);
    record.lifetime_s = reader.u32();
    record.expiry_s = reader.i64();
    if (record.registered) {
        reader.require(record.local_port != 0 && record.location[0] == '/' &&
                       record.lifetime_s != 0);
    }
}

void put_u16(uint8_t* out, uint16_t value) {
    out[0] = static_cast<uint8_t>(value);
    out[1] = static_cast<uint8_t>(value >> 8);
}

void put_u32(uint8_t* out, uint32_t value) {
    put_u16(out, static_cast<uint16_t>(value));
    put_u16(out + 2, static_cast<uint16_t>(value >> 16));
}

}  // namespace

const char* describe(DecodeError error) {
    switch (error) {
        case DecodeError::kNone:
            return "valid";
        case DecodeError::kBadMagic:
            return "bad magic number";
        case DecodeError::kUnsupportedVersion:
            return "unsupported format version";
        case DecodeError::kTruncated:
            return "truncated";
        case DecodeError::kBadChecksum:
            return "bad checksum";
        case DecodeError::kInvalidField:
            return "invalid field";
        case DecodeError::kTrailingBytes:
            return "trailing bytes";
    }
    return "unknown error";
}

uint32_t crc32(std::span<const uint8_t> bytes, uint32_t crc) {
    // Bit by bit rather than with a 1 KiB table: the state is a few hundred
    // bytes and is checked once per boot.
    crc = ~crc;
    for (uint8_t byte : bytes) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc >> 1) ^ (0xedb88320 & (0 - (crc & 1)));
        }
    }
    return ~crc;
}

uint32_t factory_checksum(const ClientConfig& config) {
    // Each URI goes in with its NUL, so moving bytes between them changes the
    // sum. A missing one counts as a lone 0xff, which no URI is.
    auto add_text = [](const char* text, uint32_t crc) {
        static constexpr uint8_t kMissing = 0xff;
        if (text == nullptr) {
            return crc32({&kMissing, 1}, crc);
        }
        return crc32({reinterpret_cast<const uint8_t*>(text), std::strlen(text) + 1}, crc);
    };
    // The credentials go in too, so that new factory keys replace saved ones.
    auto add_security = [&add_text](const AccountSecurity& security, uint32_t crc) {
        const uint8_t modes[2] = {static_cast<uint8_t>(security.mode),
                                  static_cast<uint8_t>(security.certificate_usage)};
        crc = crc32(modes, crc);
        for (const std::span<const uint8_t> key :
             {security.identity, security.server_public_key, security.secret_key}) {
            const uint8_t length[2] = {static_cast<uint8_t>(key.size()),
                                       static_cast<uint8_t>(key.size() >> 8)};
            crc = crc32(key, crc32(length, crc));
        }
        return add_text(security.sni, crc);
    };
    uint32_t crc = add_text(config.server_uri, 0);
    const uint8_t id[2] = {static_cast<uint8_t>(config.short_server_id),
                           static_cast<uint8_t>(config.short_server_id >> 8)};
    crc = crc32(id, crc);
    crc = add_security(config.server_security, crc);
    crc = add_text(config.bootstrap_server_uri, crc);
    return add_security(config.bootstrap_server_security, crc);
}

size_t encode_state(const PersistedState& state, std::span<uint8_t> out) {
    if (out.size() < kHeaderSize + kChecksumSize) {
        return 0;
    }
    Writer writer(out.subspan(kHeaderSize, out.size() - kHeaderSize - kChecksumSize));
    writer.text(state.endpoint_name, sizeof(state.endpoint_name));
    writer.u32(state.factory_checksum);
    encode_security(writer, state.security);
#if LWM2M_WITH_ACCESS_CONTROL
    encode_acl(writer, state.acl);
#else
    writer.u8(0);  // no Access Control instances
#endif
    writer.u8(state.session_count);
    for (uint8_t i = 0; i < state.session_count && i < LWM2M_MAX_SERVERS; ++i) {
        encode_server(writer, state.sessions[i].server);
        encode_retry(writer, state.sessions[i].retry);
        encode_registration(writer, state.sessions[i].registration);
    }
    if (writer.overflow()) {
        return 0;
    }

    const size_t content_length = writer.size();
    std::memcpy(out.data(), kMagic, sizeof(kMagic));
    out[4] = kFormatVersion;
    put_u16(&out[5], static_cast<uint16_t>(content_length));
    put_u32(&out[kHeaderSize + content_length], crc32(out.subspan(kHeaderSize, content_length)));
    return kHeaderSize + content_length + kChecksumSize;
}

DecodeError decode_state(std::span<const uint8_t> blob, PersistedState& state) {
    if (blob.size() < sizeof(kMagic) || std::memcmp(blob.data(), kMagic, sizeof(kMagic)) != 0) {
        return blob.size() < sizeof(kMagic) ? DecodeError::kTruncated : DecodeError::kBadMagic;
    }
    if (blob.size() < kHeaderSize) {
        return DecodeError::kTruncated;
    }
    if (blob[4] != kFormatVersion) {
        return DecodeError::kUnsupportedVersion;
    }
    const size_t content_length = blob[5] | size_t{blob[6]} << 8;
    if (blob.size() < kHeaderSize + content_length + kChecksumSize) {
        return DecodeError::kTruncated;
    }
    if (blob.size() > kHeaderSize + content_length + kChecksumSize) {
        return DecodeError::kTrailingBytes;
    }
    const std::span<const uint8_t> content = blob.subspan(kHeaderSize, content_length);
    Reader checksum(blob.subspan(kHeaderSize + content_length));
    if (checksum.u32() != crc32(content)) {
        return DecodeError::kBadChecksum;
    }

    state = {};
    Reader reader(content);
    reader.text(state.endpoint_name);
    state.factory_checksum = reader.u32();
    decode_security(reader, state.security);
#if LWM2M_WITH_ACCESS_CONTROL
    decode_acl(reader, state.acl);
#else
    skip_acl(reader);
#endif
    state.session_count = reader.u8();
    reader.require(state.session_count <= LWM2M_MAX_SERVERS);
    for (uint8_t i = 0; reader.ok() && i < state.session_count; ++i) {
        decode_server(reader, state.sessions[i].server);
        decode_retry(reader, state.sessions[i].retry);
        decode_registration(reader, state.sessions[i].registration);
    }
    if (reader.ok() && !reader.at_end()) {
        return DecodeError::kTrailingBytes;
    }
    return reader.error();
}

}  // namespace lwm2m::persist
