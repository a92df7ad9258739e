// parse_server_uri(): "coap://host:port" and "coaps://host:port" into host and port.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "core/context.hpp"

namespace lwm2m::core {
namespace {

struct Parsed {
    Status status;
    std::string host;
    uint16_t port;
};

Parsed parse(const char* uri) {
    std::array<char, 32> host{};
    host.fill('#');
    uint16_t port = 1;
    const Status status = parse_server_uri(uri, host, port);
    if (status != Status::kOk) {
        return {status, "", port};
    }
    return {status, host.data(), port};
}

TEST(Unit, UriHostGetsDefaultPort) {
    const Parsed parsed = parse("coap://lwm2m.example");

    ASSERT_EQ(parsed.status, Status::kOk);
    EXPECT_EQ(parsed.host, "lwm2m.example");
    EXPECT_EQ(parsed.port, 5683);
}

TEST(Unit, UriHostAndPort) {
    const Parsed parsed = parse("coap://127.0.0.1:15683");

    ASSERT_EQ(parsed.status, Status::kOk);
    EXPECT_EQ(parsed.host, "127.0.0.1");
    EXPECT_EQ(parsed.port, 15683);
}

TEST(Unit, UriIpv6LiteralWithPort) {
    const Parsed parsed = parse("coap://[::1]:5683");

    ASSERT_EQ(parsed.status, Status::kOk);
    EXPECT_EQ(parsed.host, "::1");
    EXPECT_EQ(parsed.port, 5683);
}

TEST(Unit, UriIpv6LiteralDefaultPort) {
    const Parsed parsed = parse("coap://[fe80::1:2]");

    ASSERT_EQ(parsed.status, Status::kOk);
    EXPECT_EQ(parsed.host, "fe80::1:2");
    EXPECT_EQ(parsed.port, 5683);
}

TEST(Unit, UriPortLimits) {
    const Parsed lowest = parse("coap://h:1");
    const Parsed highest = parse("coap://h:65535");

    ASSERT_EQ(lowest.status, Status::kOk);
    EXPECT_EQ(lowest.port, 1);
    ASSERT_EQ(highest.status, Status::kOk);
    EXPECT_EQ(highest.port, 65535);
}

TEST(Unit, UriTrailingSlashAccepted) {
    const Parsed plain = parse("coap://host/");
    const Parsed with_port = parse("coap://host:5684/");
    const Parsed ipv6 = parse("coap://[::1]/");

    ASSERT_EQ(plain.status, Status::kOk);
    EXPECT_EQ(plain.host, "host");
    EXPECT_EQ(plain.port, 5683);
    ASSERT_EQ(with_port.status, Status::kOk);
    EXPECT_EQ(with_port.host, "host");
    EXPECT_EQ(with_port.port, 5684);
    ASSERT_EQ(ipv6.status, Status::kOk);
    EXPECT_EQ(ipv6.host, "::1");
}

TEST(Unit, UriInvalidFormsRejected) {
    const char* const uris[] = {
        "coaps://host",  // DTLS is not supported yet
        "coaps://host:5684",
        "http://host",
        "host:5683",  // no scheme
        "coap:/host",
        "",
        "coap://",  // no host
        "coap://:5683",
        "coap:///",
        "coap://[]:5683",     // empty IPv6 literal
        "coap://host:0",      // port 0
        "coap://host:65536",  // port above 65535
        "coap://host:100000",
        "coap://host:1234567",
        "coap://host:",  // no port digits
        "coap://host:abc",
        "coap://host:56a",
        "coap://host:-1",
        "coap://host/rd",  // a path beyond "/"
        "coap://host//",
        "coap://host:5683/x",
        "coap://host?query",
        "coap://host#fragment",
        "coap://[::1",  // unterminated '['
        "coap://[::1:5683",
        "coap://[::1]x",
    };
    for (const char* uri : uris) {
        SCOPED_TRACE(uri);

        EXPECT_EQ(parse(uri).status, Status::kInvalidArgument);
    }
}

TEST(Unit, UriNullRejected) {
    std::array<char, 8> host{};
    uint16_t port = 0;

    EXPECT_EQ(parse_server_uri(nullptr, host, port), Status::kInvalidArgument);
}

TEST(Unit, UriHostTooLongNoSpace) {
    std::array<char, 8> host{};
    uint16_t port = 0;

    // Seven characters and the terminator fit; eight do not.
    EXPECT_EQ(parse_server_uri("coap://abcdefg", host, port), Status::kOk);
    EXPECT_EQ(std::string(host.data()), "abcdefg");
    EXPECT_EQ(parse_server_uri("coap://abcdefgh", host, port), Status::kNoSpace);
    EXPECT_EQ(parse_server_uri("coap://abcdefgh:5683", host, port), Status::kNoSpace);
    EXPECT_EQ(parse_server_uri("coap://[1:2:3:4::5]", host, port), Status::kNoSpace);
}

TEST(Unit, UriEmptyHostBufferNoSpace) {
    uint16_t port = 0;

    EXPECT_EQ(parse_server_uri("coap://h", std::span<char>{}, port), Status::kNoSpace);
}

TEST(Unit, UriSecureSchemeGetsPort5684) {
    std::array<char, 32> host{};
    uint16_t port = 0;
    bool secure = false;

    ASSERT_EQ(parse_server_uri("coaps://lwm2m.example", host, port, &secure), Status::kOk);
    EXPECT_EQ(std::string(host.data()), "lwm2m.example");
    EXPECT_EQ(port, 5684);
    EXPECT_TRUE(secure);
}

TEST(Unit, UriSecureSchemeWithPort) {
    std::array<char, 32> host{};
    uint16_t port = 0;
    bool secure = false;

    ASSERT_EQ(parse_server_uri("coaps://[::1]:15684", host, port, &secure), Status::kOk);
    EXPECT_EQ(std::string(host.data()), "::1");
    EXPECT_EQ(port, 15684);
    EXPECT_TRUE(secure);
}

TEST(Unit, UriPlainSchemeNotSecure) {
    std::array<char, 32> host{};
    uint16_t port = 0;
    bool secure = true;

    ASSERT_EQ(parse_server_uri("coap://10.0.0.1", host, port, &secure), Status::kOk);
    EXPECT_FALSE(secure);
}

TEST(Unit, UriSecureSchemeNeedsSecureCaller) {
    // A caller that cannot tell the schemes apart gets no coaps:// URI.
    EXPECT_EQ(parse("coaps://lwm2m.example").status, Status::kInvalidArgument);
}

TEST(Unit, UriOtherSchemesRejected) {
    std::array<char, 32> host{};
    uint16_t port = 0;
    bool secure = false;

    EXPECT_EQ(parse_server_uri("coap+tcp://h", host, port, &secure), Status::kInvalidArgument);
    EXPECT_EQ(parse_server_uri("coapss://h", host, port, &secure), Status::kInvalidArgument);
}

}  // namespace
}  // namespace lwm2m::core
