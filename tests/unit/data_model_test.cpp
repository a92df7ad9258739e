// The data model: path parsing and Read, Write, Execute, Delete and Discover on
// /0/0, /1/0 and /3/0.
#include "dm/data_model.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dm_test_support.hpp"
#include "io/payload_sink.hpp"

namespace lwm2m::dm {
namespace {

using coap::DecodeResult;
using coap::Message;
using coap::MessageWriter;
using coap::Type;
using test_support::configure;
using test_support::DataModel;
using test_support::Exchange;
using test_support::FakeClock;
using test_support::kManufacturer;
namespace code = coap::code;
namespace option = coap::option;
namespace format = coap::format;

// ---------------------------------------------------------------------------
// parse_path
// ---------------------------------------------------------------------------

TEST(Unit, PathOfFourSegments) {
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "11", "0"});

    ASSERT_TRUE(exchange.parse());

    const Path& path = exchange.parsed_path();
    ASSERT_EQ(path.length, 4);
    EXPECT_EQ(path.ids[0], 3);
    EXPECT_EQ(path.ids[1], 0);
    EXPECT_EQ(path.ids[2], 11);
    EXPECT_EQ(path.ids[3], 0);
}

TEST(Unit, PathRootHasNoSegments) {
    Exchange exchange(code::kGet);

    ASSERT_TRUE(exchange.parse());

    EXPECT_EQ(exchange.parsed_path().length, 0);
}

TEST(Unit, PathLargestIdAccepted) {
    Exchange exchange(code::kGet);
    exchange.path({"65534"});

    ASSERT_TRUE(exchange.parse());

    EXPECT_EQ(exchange.parsed_path().ids[0], 65534);
}

TEST(Unit, PathNonNumericSegmentRejected) {
    const char* const segments[] = {"a", "3a", "-1", "+3", " 3", "3.0", ""};
    for (const char* segment : segments) {
        SCOPED_TRACE(segment);
        Exchange exchange(code::kGet);
        exchange.path({"3", segment});

        EXPECT_FALSE(exchange.parse());
    }
}

TEST(Unit, PathFiveSegmentsRejected) {
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "11", "0", "0"});

    EXPECT_FALSE(exchange.parse());
}

TEST(Unit, PathReservedIdRejected) {
    // 65535 is reserved, so no object, instance or resource has that ID.
    const char* const segments[] = {"65535", "65536", "4294967296", "99999999999"};
    for (const char* segment : segments) {
        SCOPED_TRACE(segment);
        Exchange exchange(code::kGet);
        exchange.path({"3", segment});

        EXPECT_FALSE(exchange.parse());
    }
}

// ---------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------

TEST(Unit, ReadManufacturerAsText) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "0"});

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);

    EXPECT_EQ(exchange.response_format(), format::kTextPlain);
    EXPECT_EQ(exchange.response_payload(), kManufacturer);
}

TEST(Unit, ReadDeviceStrings) {
    struct ReadCase {
        const char* resource;
        std::string expected;
    };
    const ReadCase cases[] = {
        {"1", "M-1"}, {"2", "0042"}, {"3", "1.0.0"}, {"13", "1700000000"}, {"16", "U"},
    };
    for (const ReadCase& test : cases) {
        SCOPED_TRACE(test.resource);
        DataModel model;
        Exchange exchange(code::kGet);
        exchange.path({"3", "0", test.resource});

        ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);
        EXPECT_EQ(exchange.response_payload(), test.expected);
    }
}

TEST(Unit, ReadCurrentTimeBeforeEpoch) {
    DataModel model;
    model.clock.real_time_s_ = -5;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "13"});

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);

    EXPECT_EQ(exchange.response_payload(), "-5");
}

TEST(Unit, ReadServerResources) {
    struct ReadCase {
        const char* resource;
        std::string expected;
    };
    const ReadCase cases[] = {
        {"0", "101"},
        {"1", "86400"},
        {"6", "1"},
        {"7", "U"},
    };
    for (const ReadCase& test : cases) {
        SCOPED_TRACE(test.resource);
        DataModel model;
        Exchange exchange(code::kGet);
        exchange.path({"1", "0", test.resource});

        ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);
        EXPECT_EQ(exchange.response_format(), format::kTextPlain);
        EXPECT_EQ(exchange.response_payload(), test.expected);
    }
}

TEST(Unit, ReadMultipleResourceAsTextNotAcceptable) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "11"}).uint_option(option::kAccept, format::kTextPlain);

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kNotAcceptable);
}

TEST(Unit, ReadResourceInstance) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "11", "0"});

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);

    EXPECT_EQ(exchange.response_format(), format::kTextPlain);
    EXPECT_EQ(exchange.response_payload(), "0");
}

TEST(Unit, ReadMissingResourceInstance) {
    DataModel model;
    Exchange on_multiple(code::kGet);
    on_multiple.path({"3", "0", "11", "1"});
    Exchange on_single(code::kGet);
    on_single.path({"3", "0", "0", "0"});

    EXPECT_EQ(on_multiple.serve(model.data, model.clock), code::kNotFound);
    EXPECT_EQ(on_single.serve(model.data, model.clock), code::kNotFound);
}

TEST(Unit, ReadMissingInstanceNotFound) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "1", "0"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kNotFound);
}

TEST(Unit, ReadMissingResourceNotFound) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "5"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kNotFound);
}

TEST(Unit, ReadMissingObjectNotFound) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"4"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kNotFound);
}

TEST(Unit, ReadSecurityUnauthorized) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"0", "0", "0"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kUnauthorized);
}

TEST(Unit, ReadWithTlvAccept) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "0"}).uint_option(option::kAccept, format::kLwm2mTlv);

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);
    EXPECT_EQ(exchange.response_format(), format::kLwm2mTlv);
    std::string expected = {
        '\xc8',  // resource with value, 8-bit ID, 8-bit length
        '\x00',  // resource ID 0
        '\x13',  // length 19
    };
    expected += kManufacturer;
    EXPECT_EQ(exchange.response_payload(), expected);
}

TEST(Unit, ReadWithTextAcceptServed) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "0"}).uint_option(option::kAccept, format::kTextPlain);

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);

    EXPECT_EQ(exchange.response_payload(), kManufacturer);
}

TEST(Unit, ReadInstanceDefaultsToSenmlCbor) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kContent);
    EXPECT_EQ(exchange.response_format(), format::kSenmlCbor);
}

TEST(Unit, ReadInstanceAsSenmlJson) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0"}).uint_option(option::kAccept, format::kSenmlJson);

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);
    EXPECT_EQ(exchange.response_format(), format::kSenmlJson);
    // nlohmann-json parses the payload independently of the library.
    const nlohmann::json records = nlohmann::json::parse(exchange.response_payload());
    ASSERT_TRUE(records.is_array());
    std::string base_name;
    std::map<std::string, nlohmann::json> values;
    for (const nlohmann::json& record : records) {
        if (record.contains("bn")) {
            base_name = record["bn"].get<std::string>();
        }
        const std::string name = base_name + record.value("n", std::string());
        for (const char* key : {"v", "vs", "vb"}) {
            if (record.contains(key)) {
                values[name] = record[key];
            }
        }
    }
    EXPECT_EQ(values["/3/0/0"], kManufacturer);
    EXPECT_EQ(values["/3/0/1"], "M-1");
    EXPECT_EQ(values["/3/0/11/0"], 0);
    EXPECT_EQ(values["/3/0/13"], 1'700'000'000);
    EXPECT_EQ(values["/3/0/16"], "U");
    EXPECT_EQ(values.count("/3/0/4"), 0u) << "an executable resource was read";
}

TEST(Unit, ReadRootMethodNotAllowed) {
    DataModel model;
    Exchange exchange(code::kGet);

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kMethodNotAllowed);
}

TEST(Unit, ReadExecutableMethodNotAllowed) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"1", "0", "8"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kMethodNotAllowed);
}

// ---------------------------------------------------------------------------
// Write
// ---------------------------------------------------------------------------

TEST(Unit, WriteLifetimeChanged) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"1", "0", "1"})
        .uint_option(option::kContentFormat, format::kTextPlain)
        .payload("30");

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kChanged);

    EXPECT_EQ(model.data.session->server.lifetime_s, 30u);
    EXPECT_NE(model.data.session->changed_parameters & detail::changed::kLifetime, 0);
    EXPECT_TRUE(exchange.response().payload.empty());
}

TEST(Unit, WriteLifetimeWithoutContentFormat) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"1", "0", "1"}).payload("4294967295");

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kChanged);

    EXPECT_EQ(model.data.session->server.lifetime_s, 4294967295u);
}

TEST(Unit, WriteSameLifetimeNotFlagged) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"1", "0", "1"}).payload("86400");

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kChanged);

    EXPECT_EQ(model.data.session->changed_parameters & detail::changed::kLifetime, 0);
}

TEST(Unit, WriteInvalidLifetimeBadRequest) {
    const char* const payloads[] = {"abc", "0", "-1", "1.5", "4294967296", "12345678901", " 30"};
    for (const char* payload : payloads) {
        SCOPED_TRACE(payload);
        DataModel model;
        Exchange exchange(code::kPut);
        exchange.path({"1", "0", "1"}).payload(payload);

        EXPECT_EQ(exchange.serve(model.data, model.clock), code::kBadRequest);
        EXPECT_EQ(model.data.session->server.lifetime_s, 86400u);
        EXPECT_EQ(model.data.session->changed_parameters, 0);
    }
}

TEST(Unit, WriteEmptyLifetimeBadRequest) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"1", "0", "1"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kBadRequest);
}

TEST(Unit, WriteOpaqueToIntegerRejected) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"1", "0", "1"})
        .uint_option(option::kContentFormat, format::kOpaque)
        .payload("30");

    // Opaque carries only opaque resources; the lifetime is an integer.
    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kBadRequest);
    EXPECT_EQ(model.data.session->server.lifetime_s, 86400u);
}

TEST(Unit, WriteNotificationStoring) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"1", "0", "6"}).payload("0");

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kChanged);

    EXPECT_FALSE(model.data.session->server.notification_storing);
}

TEST(Unit, WriteNotificationStoringTwoRejected) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"1", "0", "6"}).payload("2");

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kBadRequest);
    EXPECT_TRUE(model.data.session->server.notification_storing);
}

TEST(Unit, WriteBindingOnlyUdp) {
    DataModel model;
    Exchange udp(code::kPut);
    udp.path({"1", "0", "7"}).payload("U");
    Exchange sms(code::kPut);
    sms.path({"1", "0", "7"}).payload("S");

    EXPECT_EQ(udp.serve(model.data, model.clock), code::kChanged);
    EXPECT_EQ(sms.serve(model.data, model.clock), code::kBadRequest);
}

TEST(Unit, WriteReadOnlyMethodNotAllowed) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"3", "0", "0"}).payload("Other");

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kMethodNotAllowed);
    EXPECT_STREQ(model.data.config.device.manufacturer, kManufacturer);
}

TEST(Unit, WriteObjectMethodNotAllowed) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"1"}).payload("30");

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kMethodNotAllowed);
}

// ---------------------------------------------------------------------------
// Execute and Delete
// ---------------------------------------------------------------------------

TEST(Unit, ExecuteUpdateTrigger) {
    DataModel model;
    Exchange exchange(code::kPost);
    exchange.path({"1", "0", "8"});

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kChanged);

    EXPECT_TRUE(model.data.session->update_requested);
    EXPECT_FALSE(model.data.reboot_requested);
}

TEST(Unit, ExecuteReboot) {
    DataModel model;
    Exchange exchange(code::kPost);
    exchange.path({"3", "0", "4"});

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kChanged);

    EXPECT_TRUE(model.data.reboot_requested);
    EXPECT_FALSE(model.data.session->update_requested);
}

TEST(Unit, ExecuteReadableMethodNotAllowed) {
    DataModel model;
    Exchange exchange(code::kPost);
    exchange.path({"3", "0", "0"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kMethodNotAllowed);
    EXPECT_FALSE(model.data.reboot_requested);
}

TEST(Unit, ExecuteResourceInstanceNotFound) {
    DataModel model;
    Exchange exchange(code::kPost);
    exchange.path({"1", "0", "8", "0"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kNotFound);
    EXPECT_FALSE(model.data.session->update_requested);
}

TEST(Unit, DeleteInstanceMethodNotAllowed) {
    DataModel model;
    Exchange exchange(code::kDelete);
    exchange.path({"3", "0"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kMethodNotAllowed);
}

TEST(Unit, FetchMethodNotAllowed) {
    DataModel model;
    Exchange exchange(code::kFetch);
    exchange.path({"3", "0", "0"});

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kMethodNotAllowed);
}

// ---------------------------------------------------------------------------
// Discover
// ---------------------------------------------------------------------------

TEST(Unit, DiscoverDeviceInstanceLinks) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0"}).uint_option(option::kAccept, format::kLinkFormat);

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);

    EXPECT_EQ(exchange.response_format(), format::kLinkFormat);
    const std::string links = exchange.response_payload();
    EXPECT_EQ(links.rfind("</3/0>,", 0), 0u) << links;
    EXPECT_NE(links.find(",</3/0/0>,"), std::string::npos) << links;
    EXPECT_NE(links.find(",</3/0/4>,"), std::string::npos) << links;
    EXPECT_NE(links.find(",</3/0/11>;dim=1,"), std::string::npos) << links;
    EXPECT_NE(links.find(",</3/0/16>"), std::string::npos) << links;
    EXPECT_EQ(links.find("</1/"), std::string::npos) << links;
    EXPECT_EQ(links.find("</3>"), std::string::npos) << links;
}

TEST(Unit, DiscoverDeviceObjectLinks) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3"}).uint_option(option::kAccept, format::kLinkFormat);

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);

    const std::string links = exchange.response_payload();
    EXPECT_EQ(links.rfind("</3>;ver=1.1,</3/0>,</3/0/0>,", 0), 0u) << links;
    EXPECT_NE(links.find("</3/0/11>;dim=1,"), std::string::npos) << links;
}

TEST(Unit, DiscoverServerResourceLink) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"1", "0", "1"}).uint_option(option::kAccept, format::kLinkFormat);

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);

    EXPECT_EQ(exchange.response_payload(), "</1/0/1>");
}

TEST(Unit, DiscoverResourceInstanceBadRequest) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "11", "0"}).uint_option(option::kAccept, format::kLinkFormat);

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kBadRequest);
}

TEST(Unit, RegistrationLinksLeaveOutSecurity) {
    std::array<uint8_t, 96> buffer{};
    io::PayloadSink sink(buffer);

    detail::ClientData data;
    data.session->server.instance_id = 0;
    FakeClock clock;
    register_builtin_objects(data, clock);
    write_registration_links(data, sink);

    const std::string links(reinterpret_cast<const char*>(sink.kept().data()), sink.kept().size());
    EXPECT_EQ(links, "</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>");
    EXPECT_FALSE(sink.overflowed());
}

TEST(Unit, RegistrationLinksWindow) {
    detail::ClientData data;
    data.session->server.instance_id = 0;
    FakeClock clock;
    register_builtin_objects(data, clock);

    // The window from byte 5 on, 10 bytes long, of "</1>;ver=1.1,</1/0>,...".
    std::array<uint8_t, 10> buffer{};
    io::PayloadSink sink(buffer, 5);
    write_registration_links(data, sink);

    const std::string window(reinterpret_cast<const char*>(sink.kept().data()), sink.kept().size());
    EXPECT_EQ(window, "ver=1.1,</");
    EXPECT_EQ(sink.total(), 39u);
    EXPECT_TRUE(sink.overflowed());
}

// ---------------------------------------------------------------------------
// Read-Composite and Write-Composite

TEST(Unit, ReadCompositeTwoPaths) {
    DataModel model;
    Exchange exchange(code::kFetch);
    exchange.uint_option(option::kContentFormat, format::kSenmlJson)
        .payload(R"([{"n":"/3/0/0"},{"n":"/1/0/1"},{"n":"/77/0/1"}])");

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);
    EXPECT_EQ(exchange.response_format(), format::kSenmlJson);
    const nlohmann::json records = nlohmann::json::parse(exchange.response_payload());
    std::string base_name;
    std::map<std::string, nlohmann::json> values;
    for (const nlohmann::json& record : records) {
        base_name = record.value("bn", base_name);
        const std::string name = base_name + record.value("n", std::string());
        values[name] = record.contains("v") ? record["v"] : record["vs"];
    }
    EXPECT_EQ(values.size(), 2u) << exchange.response_payload();
    EXPECT_EQ(values["/3/0/0"], kManufacturer);
    EXPECT_EQ(values["/1/0/1"], 86400);
}

TEST(Unit, ReadCompositeNothingFound) {
    DataModel model;
    Exchange exchange(code::kFetch);
    exchange.uint_option(option::kContentFormat, format::kSenmlJson)
        .payload(R"([{"n":"/77/0/1"}])");

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kNotFound);
}

TEST(Unit, WriteCompositeAppliesAll) {
    DataModel model;
    Exchange exchange(code::kIPatch);
    exchange.uint_option(option::kContentFormat, format::kSenmlJson)
        .payload(R"([{"n":"/1/0/1","v":120},{"n":"/3/0/14","vs":"+01:00"}])");

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kChanged);
    EXPECT_EQ(model.data.session->server.lifetime_s, 120u);
    EXPECT_STREQ(model.data.device.utc_offset, "+01:00");
}

TEST(Unit, WriteCompositeRollsBackAll) {
    DataModel model;
    Exchange exchange(code::kIPatch);
    exchange.uint_option(option::kContentFormat, format::kSenmlJson)
        .payload(R"([{"n":"/1/0/1","v":120},{"n":"/3/0/0","vs":"x"}])");

    // The manufacturer is read-only, so nothing of the request is applied.
    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kMethodNotAllowed);
    EXPECT_EQ(model.data.session->server.lifetime_s, 86400u);
    EXPECT_EQ(model.data.session->changed_parameters, 0);
}

TEST(Unit, WriteCompositeUnsupportedFormat) {
    DataModel model;
    Exchange exchange(code::kIPatch);
    exchange.uint_option(option::kContentFormat, format::kLwm2mTlv).payload("x");

    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kUnsupportedContentFormat);
}

TEST(Unit, WriteStringWithEscapes) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"3", "0", "15"})
        .uint_option(option::kContentFormat, format::kSenmlJson)
        .payload(R"([{"bn":"/3/0/15","vs":"Europe\/Berlin"}])");

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kChanged);
    EXPECT_STREQ(model.data.device.timezone, "Europe/Berlin");
}

// ---------------------------------------------------------------------------
// Write-Attributes and Discover with attributes

TEST(Unit, WriteAttributesShownInDiscover) {
    DataModel model;
    Exchange write(code::kPut);
    write.path({"1", "0", "1"}).query("pmin=10").query("pmax=60").query("gt=50.5");
    ASSERT_EQ(write.serve(model.data, model.clock), code::kChanged);

    Exchange discover(code::kGet);
    discover.path({"1", "0"}).uint_option(option::kAccept, format::kLinkFormat);
    ASSERT_EQ(discover.serve(model.data, model.clock), code::kContent);
    EXPECT_NE(discover.response_payload().find("</1/0/1>;pmin=10;pmax=60;gt=50.5,"),
              std::string::npos)
        << discover.response_payload();
}

TEST(Unit, WriteAttributesClearWithoutValue) {
    DataModel model;
    Exchange set(code::kPut);
    set.path({"3", "0"}).query("pmin=5");
    ASSERT_EQ(set.serve(model.data, model.clock), code::kChanged);
    EXPECT_EQ(model.data.attribute_count, 1);

    Exchange clear(code::kPut);
    clear.path({"3", "0"}).query("pmin");
    ASSERT_EQ(clear.serve(model.data, model.clock), code::kChanged);
    EXPECT_EQ(model.data.attribute_count, 0);
}

TEST(Unit, WriteAttributesRejectsBadCombinations) {
    const std::vector<std::vector<const char*>> invalid = {
        {"gt=10", "lt=20"},         // lt must be below gt
        {"gt=10", "lt=5", "st=3"},  // lt + 2 * st must be below gt
        {"epmin=20", "epmax=10"},   // epmin above epmax
        {"pmin=-1"},                // negative period
        {"color=red"},              // unknown attribute
        {"st=-1"},                  // negative step
    };
    for (const auto& queries : invalid) {
        DataModel model;
        Exchange exchange(code::kPut);
        exchange.path({"1", "0", "1"});
        for (const char* query : queries) {
            exchange.query(query);
        }
        EXPECT_EQ(exchange.serve(model.data, model.clock), code::kBadRequest) << queries[0];
        EXPECT_EQ(model.data.attribute_count, 0) << queries[0];
    }
}

TEST(Unit, WriteAttributesGtOnlyOnNumbers) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"3", "0", "0"}).query("gt=1");
    EXPECT_EQ(exchange.serve(model.data, model.clock), code::kBadRequest);
}

TEST(Unit, DiscoverDepthZeroListsObjectOnly) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3"}).query("depth=0").uint_option(option::kAccept, format::kLinkFormat);
    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);
    EXPECT_EQ(exchange.response_payload(), "</3>;ver=1.1");
}

TEST(Unit, DiscoverResourceListsInstances) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "11"}).uint_option(option::kAccept, format::kLinkFormat);
    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);
    EXPECT_EQ(exchange.response_payload(), "</3/0/11>;dim=1,</3/0/11/0>");
}

// ---------------------------------------------------------------------------
// LwM2M CBOR and LwM2M 1.0 JSON

TEST(Unit, ReadInstanceAsLwm2mCbor) {
    DataModel model;
    Exchange exchange(code::kGet);
    exchange.path({"3", "0", "1"}).uint_option(option::kAccept, format::kLwm2mCbor);

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kContent);
    EXPECT_EQ(exchange.response_format(), format::kLwm2mCbor);
    const std::string expected = {
        '\xa1', '\x03',            // map(1), key 3 (object)
        '\xa1', '\x00',            // map(1), key 0 (instance)
        '\xa1', '\x01',            // map(1), key 1 (Model Number)
        '\x63', 'M',    '-', '1',  // text(3) "M-1"
    };
    EXPECT_EQ(exchange.response_payload(), expected);
}

TEST(Unit, WriteLwm2mJson) {
    DataModel model;
    Exchange exchange(code::kPut);
    exchange.path({"3", "0", "15"})
        .uint_option(option::kContentFormat, 11543)
        .payload(R"({"bn":"/3/0/","e":[{"n":"15","sv":"Asia/Tokyo"}]})");

    ASSERT_EQ(exchange.serve(model.data, model.clock), code::kChanged);
    EXPECT_STREQ(model.data.device.timezone, "Asia/Tokyo");
}

}  // namespace
}  // namespace lwm2m::dm
