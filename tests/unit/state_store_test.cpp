// The binary format of the persisted client state: round trips, the header,
// and rejection of damaged blobs.
#include "persist/state_store.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <utility>
#include <vector>

namespace lwm2m::persist {
namespace {

PersistedState sample_state() {
    PersistedState state;
    std::strcpy(state.endpoint_name, "dev1");
    state.factory_checksum = 0x12345678;
    state.session_count = 1;
    state.security[0].id = 0;
    state.security[0].short_server_id = 1;
    std::strcpy(state.security[0].uri, "coap://192.0.2.1:5683");
    state.security[0].identity_length = 3;
    std::memcpy(state.security[0].identity, "dev", 3);
    state.security[1].id = 1;
    state.security[1].bootstrap_server = true;
    state.security[1].client_hold_off_s = 10;
    state.security[1].account_timeout_s = 3600;
    state.security[1].secret_key_length = 2;
    state.security[1].secret_key[0] = 0xab;
    std::strcpy(state.security[1].uri, "coap://192.0.2.9:5693");
    state.sessions[0].server.instance_id = 0;
    state.sessions[0].server.short_server_id = 1;
    state.sessions[0].server.lifetime_s = 120;
    state.sessions[0].server.default_pmin_s = 5;
    state.sessions[0].server.default_pmax_s = 60;
    state.sessions[0].server.disable_timeout_s = 300;
    state.sessions[0].server.notification_storing = false;
    state.sessions[0].server.mute_send = true;
    state.sessions[0].server.sms_trigger = true;
    std::strcpy(state.sessions[0].server.binding, "UQ");
    state.sessions[0].server.apn_link = {11, 2};
    state.sessions[0].server.initial_registration_delay_s = 7;
    state.sessions[0].server.last_bootstrapped_s = 1700000000;
    state.sessions[0].server.preferred_transport = 'T';
    state.sessions[0].server.default_notification_mode = 1;
    state.sessions[0].server.profile_id_hash_algorithm = 1;
    state.sessions[0].server.alternate_apn_link_count = 1;
    state.sessions[0].server.alternate_apn_links[0] = {3, {11, 4}};
    state.sessions[0].server.server_version_count = 1;
    state.sessions[0].server.server_versions[0].id = 0;
    std::strcpy(state.sessions[0].server.server_versions[0].text, "1.2.1");
    state.sessions[0].retry = {3, 30, 600, 2};
    state.sessions[0].registration.registered = true;
    state.sessions[0].registration.local_port = 40000;
    std::strcpy(state.sessions[0].registration.location, "/rd/5a");
    state.sessions[0].registration.lifetime_s = 120;
    state.sessions[0].registration.expiry_s = 1700000120;
    return state;
}

std::vector<uint8_t> encode(const PersistedState& state) {
    std::vector<uint8_t> blob(kMaxEncodedSize);
    blob.resize(encode_state(state, blob));
    return blob;
}

// Stores a new CRC after the content, so that a test reaches the field checks.
void fix_checksum(std::vector<uint8_t>& blob) {
    const size_t length = blob[5] | size_t{blob[6]} << 8;
    const uint32_t crc = crc32({blob.data() + kHeaderSize, length});
    for (size_t i = 0; i < 4; ++i) {
        blob[kHeaderSize + length + i] = static_cast<uint8_t>(crc >> (8 * i));
    }
}

TEST(StateStore, Crc32MatchesCheckValue) {
    // The CRC-32/ISO-HDLC check value of "123456789".
    const uint8_t text[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    EXPECT_EQ(crc32(text), 0xcbf43926u);
}

TEST(StateStore, RoundTripsEveryField) {
    const PersistedState state = sample_state();
    const std::vector<uint8_t> blob = encode(state);
    ASSERT_FALSE(blob.empty());

    PersistedState decoded;
    ASSERT_EQ(decode_state(blob, decoded), DecodeError::kNone);
    EXPECT_STREQ(decoded.endpoint_name, "dev1");
    EXPECT_EQ(decoded.factory_checksum, 0x12345678u);
    EXPECT_TRUE(decoded.security[0] == state.security[0]);
    EXPECT_TRUE(decoded.security[1] == state.security[1]);
    EXPECT_TRUE(decoded.sessions[0].server == state.sessions[0].server);
    EXPECT_TRUE(decoded.sessions[0].retry == state.sessions[0].retry);
    EXPECT_TRUE(decoded.sessions[0].registration.registered);
    EXPECT_EQ(decoded.sessions[0].registration.local_port, 40000);
    EXPECT_STREQ(decoded.sessions[0].registration.location, "/rd/5a");
    EXPECT_EQ(decoded.sessions[0].registration.lifetime_s, 120u);
    EXPECT_EQ(decoded.sessions[0].registration.expiry_s, 1700000120);
}

TEST(StateStore, HeaderHasMagicVersionLength) {
    const std::vector<uint8_t> blob = encode(sample_state());
    ASSERT_GE(blob.size(), kHeaderSize + kChecksumSize);
    EXPECT_EQ(blob[0], 'L');
    EXPECT_EQ(blob[1], 'W');
    EXPECT_EQ(blob[2], 'M');
    EXPECT_EQ(blob[3], '2');
    EXPECT_EQ(blob[4], kFormatVersion);
    const size_t length = blob[5] | size_t{blob[6]} << 8;
    EXPECT_EQ(length, blob.size() - kHeaderSize - kChecksumSize);
    // Content starts with the endpoint name: length byte, then "dev1".
    EXPECT_EQ(blob[7], 4);
    EXPECT_EQ(blob[8], 'd');
}

TEST(StateStore, LargestStateFitsBound) {
    PersistedState state = sample_state();
    std::memset(state.endpoint_name, 'e', sizeof(state.endpoint_name) - 1);
    uint16_t instance_id = 0;
    for (detail::SecurityInstance& account : state.security) {
        account.id = instance_id++;
        std::memset(account.uri, 'u', sizeof(account.uri) - 1);
        account.identity_length = LWM2M_SECURITY_IDENTITY_SIZE;
        account.server_key_length = LWM2M_SECURITY_KEY_SIZE;
        account.secret_key_length = LWM2M_SECURITY_KEY_SIZE;
        std::memset(account.sni, 's', sizeof(account.sni) - 1);
    }
    uint16_t acl_id = 0;
    for (detail::AclInstance& instance : state.acl) {
        instance.id = acl_id++;
        instance.entry_count = LWM2M_MAX_ACL_ENTRIES;
        for (uint8_t i = 0; i < LWM2M_MAX_ACL_ENTRIES; ++i) {
            instance.entries[i] = {i, detail::access::kAll};
        }
    }
    state.session_count = LWM2M_MAX_SERVERS;
    for (SessionRecord& session : state.sessions) {
        session = state.sessions[0];
        std::memset(session.registration.location, 'l', sizeof(session.registration.location) - 1);
        session.registration.location[0] = '/';
        detail::ServerObject& server = session.server;
        std::strcpy(server.binding, "UQS");
        server.alternate_apn_link_count = LWM2M_MAX_ALTERNATE_APN_LINKS;
        server.server_version_count = LWM2M_MAX_SERVER_VERSIONS;
        for (uint8_t i = 0; i < LWM2M_MAX_ALTERNATE_APN_LINKS; ++i) {
            server.alternate_apn_links[i] = {i, {11, i}};
        }
        for (uint8_t i = 0; i < LWM2M_MAX_SERVER_VERSIONS; ++i) {
            server.server_versions[i].id = i;
            std::memset(server.server_versions[i].text, 'v',
                        sizeof(server.server_versions[i].text) - 1);
        }
    }

    const std::vector<uint8_t> blob = encode(state);
    ASSERT_FALSE(blob.empty());
    EXPECT_EQ(blob.size(), kMaxEncodedSize);
    PersistedState decoded;
    EXPECT_EQ(decode_state(blob, decoded), DecodeError::kNone);
    EXPECT_EQ(decoded.session_count, LWM2M_MAX_SERVERS);
    EXPECT_TRUE(decoded.sessions[LWM2M_MAX_SERVERS - 1].server ==
                state.sessions[LWM2M_MAX_SERVERS - 1].server);
}

TEST(StateStore, ShortBufferEncodesNothing) {
    const std::vector<uint8_t> full = encode(sample_state());
    std::vector<uint8_t> out(full.size() - 1);
    EXPECT_EQ(encode_state(sample_state(), out), 0u);
}

TEST(StateStore, FlippedByteFailsChecksum) {
    std::vector<uint8_t> blob = encode(sample_state());
    blob[kHeaderSize + 3] ^= 0x01;
    PersistedState decoded;
    EXPECT_EQ(decode_state(blob, decoded), DecodeError::kBadChecksum);
}

TEST(StateStore, EveryTruncationRejected) {
    const std::vector<uint8_t> blob = encode(sample_state());
    for (size_t length = 0; length < blob.size(); ++length) {
        SCOPED_TRACE(length);
        PersistedState decoded;
        const DecodeError error = decode_state({blob.data(), length}, decoded);
        EXPECT_NE(error, DecodeError::kNone);
    }
}

TEST(StateStore, TrailingBytesRejected) {
    std::vector<uint8_t> blob = encode(sample_state());
    blob.push_back(0);
    PersistedState decoded;
    EXPECT_EQ(decode_state(blob, decoded), DecodeError::kTrailingBytes);
}

TEST(StateStore, OtherVersionRejected) {
    std::vector<uint8_t> blob = encode(sample_state());
    blob[4] = kFormatVersion + 1;
    PersistedState decoded;
    EXPECT_EQ(decode_state(blob, decoded), DecodeError::kUnsupportedVersion);
}

TEST(StateStore, BadMagicRejected) {
    std::vector<uint8_t> blob = encode(sample_state());
    blob[0] = 'X';
    PersistedState decoded;
    EXPECT_EQ(decode_state(blob, decoded), DecodeError::kBadMagic);
}

TEST(StateStore, OverlongTextRejected) {
    std::vector<uint8_t> blob = encode(sample_state());
    // The endpoint name's length byte claims more than the capacity.
    blob[kHeaderSize] = 0xff;
    fix_checksum(blob);
    PersistedState decoded;
    EXPECT_EQ(decode_state(blob, decoded), DecodeError::kInvalidField);
}

TEST(StateStore, SecurityCountAboveCapacityRejected) {
    std::vector<uint8_t> blob = encode(sample_state());
    // The instance count follows the endpoint (5) and the factory checksum (4).
    const size_t count_offset = kHeaderSize + 5 + 4;
    ASSERT_EQ(blob[count_offset], 2);
    blob[count_offset] = LWM2M_MAX_SECURITY_INSTANCES + 1;
    fix_checksum(blob);
    PersistedState decoded;
    EXPECT_EQ(decode_state(blob, decoded), DecodeError::kInvalidField);
}

TEST(StateStore, KeyAboveCapacityRejected) {
    PersistedState state = sample_state();
    state.security[0].identity_length = 0;
    std::vector<uint8_t> blob = encode(state);
    // Instance 0: 14 fixed bytes, then the URI and the identity's two-byte length.
    const size_t length_offset =
        kHeaderSize + 5 + 4 + 1 + 14 + 1 + std::strlen(state.security[0].uri);
    ASSERT_EQ(blob[length_offset], 0);
    ASSERT_EQ(blob[length_offset + 1], 0);
    constexpr uint16_t kTooLong = LWM2M_SECURITY_IDENTITY_SIZE + 1;
    blob[length_offset] = static_cast<uint8_t>(kTooLong);
    blob[length_offset + 1] = static_cast<uint8_t>(kTooLong >> 8);
    fix_checksum(blob);
    PersistedState decoded;
    EXPECT_NE(decode_state(blob, decoded), DecodeError::kNone);
}

TEST(StateStore, AbsentServerInstanceNeedsNoLifetime) {
    PersistedState state = sample_state();
    state.sessions[0].server = {};
    state.sessions[0].server.lifetime_s = 0;
    const std::vector<uint8_t> blob = encode(state);
    PersistedState decoded;
    ASSERT_EQ(decode_state(blob, decoded), DecodeError::kNone);
    EXPECT_EQ(decoded.sessions[0].server.instance_id, detail::kNoInstance);
}

TEST(StateStore, InstancesInAnySlotOrderRoundTrip) {
    PersistedState state = sample_state();
    std::swap(state.security[0], state.security[1]);
    state.acl[2].id = 4;
    state.acl[0].id = 1;
    const std::vector<uint8_t> blob = encode(state);
    PersistedState decoded;
    ASSERT_EQ(decode_state(blob, decoded), DecodeError::kNone);
    EXPECT_EQ(decoded.security[0].id, 0);
    EXPECT_EQ(decoded.security[1].id, 1);
    EXPECT_EQ(decoded.acl[0].id, 1);
    EXPECT_EQ(decoded.acl[1].id, 4);
}

TEST(StateStore, ZeroLifetimeRejected) {
    PersistedState state = sample_state();
    state.sessions[0].server.lifetime_s = 0;
    const std::vector<uint8_t> blob = encode(state);
    PersistedState decoded;
    EXPECT_EQ(decode_state(blob, decoded), DecodeError::kInvalidField);
}

TEST(StateStore, CountAboveCapacityRejected) {
    PersistedState state = sample_state();
    state.sessions[0].server.alternate_apn_link_count = 0;
    state.sessions[0].server.server_version_count = 0;
    std::vector<uint8_t> blob = encode(state);
    // Content: endpoint (5), factory checksum (4), the Security instances,
    // the session count (1), then the Server instance ID and Short Server
    // ID (4) and 39 bytes of fixed Server fields with the binding "UQ" and
    // Last Bootstrapped.
    size_t security_size = 1;
    for (const detail::SecurityInstance& account : state.security) {
        if (account.id == detail::kNoInstance) {
            continue;
        }
        security_size += 14 + 1 + std::strlen(account.uri) + 6 + account.identity_length +
                         account.server_key_length + account.secret_key_length + 1 + 1 +
                         std::strlen(account.sni);
    }
    // The Access Control instance count (1) follows the Security instances.
    const size_t count_offset = kHeaderSize + 5 + 4 + security_size + 1 + 1 + 4 + 39;
    ASSERT_EQ(blob[count_offset], 0);
    blob[count_offset] = LWM2M_MAX_ALTERNATE_APN_LINKS + 1;
    fix_checksum(blob);
    PersistedState decoded;
    EXPECT_EQ(decode_state(blob, decoded), DecodeError::kInvalidField);
}

}  // namespace
}  // namespace lwm2m::persist
