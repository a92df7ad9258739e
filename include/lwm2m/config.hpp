// Build-time capacities and feature switches of the library, fixed at build
// time because the library never allocates from the heap. Override them with
// the CMake cache variables of the same name (cmake -DLWM2M_IN_BUFFER_SIZE=512)
// or a named configuration (cmake -DLWM2M_CONFIGURATION=minimal); CMake
// writes the values into lwm2m/build_config.hpp, included below, which
// reaches the library and the application alike. Defining one in application
// code only would give the two different sizes of lwm2m::Client.
#pragma once

#if __has_include("lwm2m/build_config.hpp")
#include "lwm2m/build_config.hpp"
#endif

/// Size of the buffer that receives one datagram. RAM cost: this many bytes in
/// the Client object. Longer datagrams are dropped as too large.
#ifndef LWM2M_IN_BUFFER_SIZE
#define LWM2M_IN_BUFFER_SIZE 1200
#endif

/// Size of the buffer in which an outgoing message is built. RAM cost: this many
/// bytes in the Client object. It bounds every response and the Block1 block
/// size of a Register or Update whose payload does not fit in one message.
#ifndef LWM2M_OUT_BUFFER_SIZE
#define LWM2M_OUT_BUFFER_SIZE 1200
#endif

/// Bytes kept for cached responses, which are sent again to retransmitted requests
/// for EXCHANGE_LIFETIME without processing them again. RAM cost: this many bytes
/// plus 8 bytes for each entry slot (LWM2M_RESPONSE_CACHE_ENTRIES).
#ifndef LWM2M_RESPONSE_CACHE_SIZE
#define LWM2M_RESPONSE_CACHE_SIZE 256
#endif

/// Number of responses the cache can hold at once.
#ifndef LWM2M_RESPONSE_CACHE_ENTRIES
#define LWM2M_RESPONSE_CACHE_ENTRIES 4
#endif

/// Options a received message may carry; a request with more gets 4.00 Bad
/// Request. RAM cost: 12 bytes each on the stack of a 32-bit MCU (24 on a
/// 64-bit host) while a message is handled.
#ifndef LWM2M_MAX_OPTIONS
#define LWM2M_MAX_OPTIONS 16
#endif

/// Bytes kept for the Location-Path the server assigns at Register, all
/// segments together. RAM cost: this many bytes in the Client object.
#ifndef LWM2M_LOCATION_PATH_SIZE
#define LWM2M_LOCATION_PATH_SIZE 40
#endif

/// Segments of the Location-Path kept (for example "rd" and "5a3f" are two).
#ifndef LWM2M_MAX_LOCATION_SEGMENTS
#define LWM2M_MAX_LOCATION_SEGMENTS 4
#endif

/// Length of the tokens the client generates, 1 to 8 bytes. Shorter tokens save
/// bytes on air; RFC 7252, 5.3.1 recommends at least 32 random bits on the internet.
#ifndef LWM2M_TOKEN_LENGTH
#define LWM2M_TOKEN_LENGTH 4
#endif

/// Maximum length of the endpoint name, the server URI and the host part of it.
#ifndef LWM2M_MAX_URI_LENGTH
#define LWM2M_MAX_URI_LENGTH 96
#endif

/// LwM2M Servers the client registers with at once, each with its own
/// transport, registration and Server object instance (about 350 bytes of
/// RAM each on Cortex-M4).
#ifndef LWM2M_MAX_SERVERS
#define LWM2M_MAX_SERVERS 2
#endif

/// Security object instances (/0/x) the client keeps: its server accounts
/// and the Bootstrap-Server account, each about 230 bytes with the default
/// key sizes.
#ifndef LWM2M_MAX_SECURITY_INSTANCES
#define LWM2M_MAX_SECURITY_INSTANCES (LWM2M_MAX_SERVERS + 1)
#endif

/// Bytes kept for Public Key or Identity (/0/x/3), such as a PSK identity.
#ifndef LWM2M_SECURITY_IDENTITY_SIZE
#define LWM2M_SECURITY_IDENTITY_SIZE 32
#endif

/// Bytes kept for each of Server Public Key (/0/x/4) and Secret Key (/0/x/5).
/// The default fits pre-shared keys of up to 32 bytes. Certificate mode needs
/// room for DER certificates (420 to 490 bytes for EC P-256 in the tests).
#ifndef LWM2M_SECURITY_KEY_SIZE
#define LWM2M_SECURITY_KEY_SIZE 32
#endif

/// Bytes kept for SNI (/0/x/14) with its NUL.
#ifndef LWM2M_SECURITY_SNI_SIZE
#define LWM2M_SECURITY_SNI_SIZE 32
#endif

/// Access Control object instances (/2/x) the client keeps, and ACL
/// resource instances (access rights of one server) in each. RAM cost:
/// 8 + 4 * LWM2M_MAX_ACL_ENTRIES bytes per instance, twice (with the copy
/// kept for rollback).
#ifndef LWM2M_MAX_ACL_INSTANCES
#define LWM2M_MAX_ACL_INSTANCES 8
#endif
#ifndef LWM2M_MAX_ACL_ENTRIES
#define LWM2M_MAX_ACL_ENTRIES 4
#endif

/// Objects a client can hold, the built-in Security, Server and Device
/// objects included. RAM cost: one pointer each in the Client object.
#ifndef LWM2M_MAX_OBJECTS
#define LWM2M_MAX_OBJECTS 10
#endif

/// Paths that can carry notification attributes (Write-Attributes) at once.
/// RAM cost: 64 bytes each in the Client object on Cortex-M4.
#ifndef LWM2M_MAX_ATTRIBUTES
#define LWM2M_MAX_ATTRIBUTES 8
#endif

/// Paths one Send (Client::send()) may name; each is copied. RAM cost: 10
/// bytes each in the Client object, plus 24 bytes on Cortex-M4 for the rest of
/// the Send state.
#ifndef LWM2M_MAX_SEND_PATHS
#define LWM2M_MAX_SEND_PATHS 4
#endif

/// Resource instances of Alternate APN Links (/1/0/24, LwM2M 1.2) the client
/// stores. RAM cost: 12 bytes each in the Client object (6 for the value, 6 for
/// its copy kept for rollback).
#ifndef LWM2M_MAX_ALTERNATE_APN_LINKS
#define LWM2M_MAX_ALTERNATE_APN_LINKS 2
#endif

/// Resource instances of Supported Server Versions (/1/0/25, LwM2M 1.2) the
/// client stores, each up to 11 characters ("255.255.255"). RAM cost: 28 bytes
/// each in the Client object (14 for the value, 14 for its copy kept for rollback).
#ifndef LWM2M_MAX_SERVER_VERSIONS
#define LWM2M_MAX_SERVER_VERSIONS 2
#endif

/// Observations (RFC 7641) the server can hold at once; an Observe beyond
/// them gets the response of a plain Read. RAM cost: 176 bytes each in the Client
/// object on Cortex-M4.
#ifndef LWM2M_MAX_OBSERVATIONS
#define LWM2M_MAX_OBSERVATIONS 8
#endif

/// Observe-Composite observations (LwM2M 1.1) the server can hold at once,
/// each of up to 8 paths; they count against LWM2M_MAX_OBSERVATIONS too.
/// RAM cost: 82 bytes each in the Client object.
#ifndef LWM2M_MAX_COMPOSITE_OBSERVATIONS
#define LWM2M_MAX_COMPOSITE_OBSERVATIONS 2
#endif

/// Bytes kept for notifications stored while the server cannot be reached
/// ("Notification Storing When Disabled or Offline", /1/0/6). Each stored
/// value takes 14 bytes, plus 2 per ID of its path, plus the value itself:
/// 8 bytes for a number (28 in all for a resource), 1 for a boolean, 4 for
/// an objlnk, or the length of a string or opaque value. The oldest are
/// dropped when it is full. RAM cost: this many bytes plus 12 in the Client object.
#ifndef LWM2M_NOTIFICATION_STORE_SIZE
#define LWM2M_NOTIFICATION_STORE_SIZE 512
#endif

/// Bytes kept from one Block1 block (RFC 7959) to the next while a Write or
/// Create in TLV, opaque or text/plain is applied block by block, which lets
/// such a payload have any size. A value of up to this many bytes, TLV
/// header included, reaches Object::write() whole. A longer string or opaque
/// value goes to Object::write_chunk() in pieces, and a longer text/plain
/// value gets 4.13. With 0, such requests are assembled like any other
/// (LWM2M_BLOCK1_BUFFER_SIZE). At least 16 if not 0. RAM cost: this many
/// bytes plus about 200 (about 400 on a 64-bit host) in the Client object.
#ifndef LWM2M_BLOCK1_CARRY_SIZE
#define LWM2M_BLOCK1_CARRY_SIZE 128
#endif

/// Bytes a request sent in Block1 blocks may have in all when it is not
/// applied block by block: Write-Composite, Execute, and the SenML, CBOR and
/// LwM2M CBOR or JSON formats. The blocks are assembled here, and the request
/// is served when the last one arrives. With 0, such requests get 4.13 with
/// Size1. RAM cost: this many bytes in the Client object.
#ifndef LWM2M_BLOCK1_BUFFER_SIZE
#define LWM2M_BLOCK1_BUFFER_SIZE 0
#endif

/// Log messages below this level are removed at compile time and cost no flash:
/// 0 trace, 1 debug, 2 info, 3 warning, 4 error, 5 off.
#ifndef LWM2M_LOG_LEVEL
#define LWM2M_LOG_LEVEL 1
#endif

/// Length of one formatted log message, on the stack of the logging call.
#ifndef LWM2M_LOG_MESSAGE_SIZE
#define LWM2M_LOG_MESSAGE_SIZE 160
#endif

// ---- Content formats. Each switch set to 0 removes the encoder and decoder
// of its formats, so a request in a format the client lacks gets 4.15 and an
// Accept of it 4.06. SenML CBOR is always built. None costs RAM in the
// Client object. Each flash and RAM figure below is what the switch at 0
// saves in the full Cortex-M4 image, from bench/footprint/switches
// (docs/benchmarks.md, "Feature switches").

/// TLV (11542, and 1542 of LwM2M 1.0): the format of LwM2M 1.0 servers, also
/// used for Bootstrap-Write. Without it a 1.0 server reads objects in SenML
/// CBOR, which it may not understand. Flash: 4.0 kB on Cortex-M4.
#ifndef LWM2M_WITH_TLV
#define LWM2M_WITH_TLV 1
#endif

/// SenML JSON (110) and the LwM2M 1.0 JSON decoder (11543, 1543), with the
/// JSON reader they share. Without it Client::send() takes SenML CBOR only.
/// Flash: 7.7 kB on Cortex-M4.
#ifndef LWM2M_WITH_JSON
#define LWM2M_WITH_JSON 1
#endif

/// LwM2M CBOR (11544, LwM2M 1.2). Flash: 1.6 kB on Cortex-M4.
#ifndef LWM2M_WITH_LWM2M_CBOR
#define LWM2M_WITH_LWM2M_CBOR 1
#endif

/// Decoding of the rarer CBOR encodings in SenML CBOR, LwM2M CBOR and plain
/// CBOR payloads: half-precision floats, decimal fractions (tag 4) and
/// indefinite-length strings (RFC 8949). Without them such a payload gets
/// 4.00. Flash: 0.9 kB on Cortex-M4. NOTE: RFC 8949, 4.1 prefers the
/// shortest float encoding, so a server may well write 1.5 as a half, which
/// a client without the extras rejects.
#ifndef LWM2M_WITH_CBOR_EXTRAS
#define LWM2M_WITH_CBOR_EXTRAS 1
#endif

/// text/plain (0) for single values, the default format of a Read of one
/// value, and of a Write without Content-Format. Without it such a Read
/// responds in plain CBOR if built, else SenML CBOR, and such a Write gets
/// 4.15. Flash: 1.9 kB on Cortex-M4.
#ifndef LWM2M_WITH_TEXT_PLAIN
#define LWM2M_WITH_TEXT_PLAIN 1
#endif

/// application/octet-stream (42) for opaque resources, the default format of
/// a Read of one opaque value (text/plain gives it in base64). Flash: 0.5 kB
/// on Cortex-M4.
#ifndef LWM2M_WITH_OPAQUE
#define LWM2M_WITH_OPAQUE 1
#endif

/// Plain CBOR (60) for single values. Flash: 0.4 kB on Cortex-M4.
#ifndef LWM2M_WITH_CBOR
#define LWM2M_WITH_CBOR 1
#endif

// ---- Other features.

/// The client's state in ClientConfig::storage (accounts, Server object
/// values, registration) across reboots. With 0 the client ignores
/// ClientConfig::storage and registers afresh after every boot, so a
/// bootstrapped account is lost at reboot. The Firmware Update object still
/// keeps its own state there. Flash: 6.8 kB on Cortex-M4.
#ifndef LWM2M_WITH_PERSISTENCE
#define LWM2M_WITH_PERSISTENCE 1
#endif

/// Send (Client::send(), LwM2M 1.1 Information Reporting). With 0,
/// Client::send() returns kUnsupported. Flash: 1.0 kB on Cortex-M4; RAM: 64
/// bytes of the Client object with the default capacities.
#ifndef LWM2M_WITH_SEND
#define LWM2M_WITH_SEND 1
#endif

/// Information Reporting by observation: Observe and Observe-Composite
/// (RFC 7641), notifications and notifications stored while offline, and
/// the notification attributes of Write-Attributes. With 0, a GET or FETCH
/// with Observe is served as a plain Read (RFC 7641, 2: the option is
/// ignored), Write-Attributes gets 4.05, Discover lists no attributes and
/// Client::value_changed() does nothing. Flash: 10.3 kB on Cortex-M4; RAM:
/// the observations, attributes and notification store, 2.8 kB of the
/// Client object with the default capacities.
#ifndef LWM2M_WITH_OBSERVE
#define LWM2M_WITH_OBSERVE 1
#endif

/// The Access Control object (/2) and the access rights it gives each server
/// (LwM2M Core 1.1, 7.3.1), which matter only with more than one server
/// account. With 0, every server has every right, /2 is not in the data model
/// (a Bootstrap-Write to it gets 4.04), and nothing of it is saved.
/// Flash: 2.5 kB on Cortex-M4; RAM: 440 bytes of the Client object with the
/// default capacities.
#ifndef LWM2M_WITH_ACCESS_CONTROL
#define LWM2M_WITH_ACCESS_CONTROL 1
#endif

/// The cache of recent responses (LWM2M_RESPONSE_CACHE_SIZE), which sends the
/// first response again to a retransmitted request instead of serving it
/// again (RFC 7252, 4.5). With 0, a retransmitted Execute, Create or
/// non-idempotent Write is applied again. Flash: 0.8 kB on Cortex-M4; RAM:
/// 312 bytes of the Client object with the default capacities.
#ifndef LWM2M_WITH_RESPONSE_CACHE
#define LWM2M_WITH_RESPONSE_CACHE 1
#endif

/// Block-wise transfer of request payloads (RFC 7959, Block1) in both
/// directions: Writes and Creates from the server in blocks (see
/// LWM2M_BLOCK1_CARRY_SIZE and LWM2M_BLOCK1_BUFFER_SIZE), and Register,
/// Update and Send payloads larger than the out buffer. With 0, a request
/// with Block1 gets 4.02 (an unrecognized critical option, RFC 7252, 5.4.1),
/// and a Register whose links do not fit LWM2M_OUT_BUFFER_SIZE fails. Large
/// Read responses (Block2) stay. Flash: 3.3 kB on Cortex-M4; RAM: 328 bytes
/// of the Client object with the default capacities.
#ifndef LWM2M_WITH_BLOCK1
#define LWM2M_WITH_BLOCK1 1
#endif

/// The composite operations of LwM2M 1.1: Read-Composite (FETCH),
/// Write-Composite (iPATCH) and Observe-Composite. With 0 they get 4.05.
/// Flash: 1.2 kB on Cortex-M4.
#ifndef LWM2M_WITH_COMPOSITE
#define LWM2M_WITH_COMPOSITE 1
#endif

/// Client Initiated Bootstrap (the Bootstrap-Request, Bootstrap-Write, -Read,
/// -Discover, -Delete, -Finish and Bootstrap-Pack). With 0,
/// ClientConfig::bootstrap_server_uri is an invalid setting, and a client
/// without a usable server account fails. Flash: 3.7 kB on Cortex-M4; RAM:
/// 792 bytes of the Client object (the copy of the Security instances kept
/// for a rollback) with the default capacities.
#ifndef LWM2M_WITH_BOOTSTRAP
#define LWM2M_WITH_BOOTSTRAP 1
#endif
