#pragma once
// The endpoint of a URL whose host is an IP address, so that it is connected to without
// the resolver. getaddrinfo() is not fork-safe: glibc holds a process-wide lock while it
// checks the interfaces (AI_ADDRCONFIG, which Asio's resolver asks for), and a fork() taken
// while another thread is inside it leaves that lock held forever in the child, whose
// first resolve then never returns (found by e2e_fork_test: a child forked while the
// parent wrote never connected). An IP address needs no resolving at all; host names
// still go through the resolver.

#include <boost/asio/ip/tcp.hpp>
#include <optional>

#include "url.hpp"

namespace hotstate::net {

std::optional<boost::asio::ip::tcp::endpoint> literal_endpoint(const ServerUrl& server);

}  // namespace hotstate::net
