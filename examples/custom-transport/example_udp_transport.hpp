// A minimal IPv4 UDP transport written only against the public interface in
// lwm2m/transport.hpp. Start a port for your modem or IP stack from here. The
// comments state what the client expects of each method.
#pragma once

#include <cstdint>

#include "lwm2m/transport.hpp"

class ExampleUdpTransport final : public lwm2m::net::Transport {
public:
    ~ExampleUdpTransport();

    lwm2m::Status create() override;
    lwm2m::Status connect(const char* host, uint16_t port) override;
    lwm2m::Status send(std::span<const std::byte> datagram) override;
    lwm2m::Result<size_t> receive(std::span<std::byte> buffer) override;
    lwm2m::Status shutdown() override;
    lwm2m::Status close() override;
    lwm2m::Status cleanup() override;
    lwm2m::net::TransportState state() const override { return state_; }
    size_t inner_mtu() const override { return 1200; }
    uint16_t local_port() const override { return last_port_; }
    void set_receive_off(bool receive_off) override;
    lwm2m::Status reuse_last_port() override;

    int socket_handle() const { return socket_; }

private:
    int socket_ = -1;
    uint16_t last_port_ = 0;
    lwm2m::net::TransportState state_ = lwm2m::net::TransportState::kClosed;
};
