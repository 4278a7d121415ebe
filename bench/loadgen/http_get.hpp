#pragma once
// A blocking GET with a deadline, for /v1/status and /metrics between measurements.

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>

namespace loadgen {

std::string http_get(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& target,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
// The value of an unlabelled Prometheus sample `name` in a /metrics body.
double metric(const std::string& body, const std::string& name);

}  // namespace loadgen
