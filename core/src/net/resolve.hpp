#pragma once
// The endpoints of a server URL, looked up in a way that is safe across fork().
//
// getaddrinfo() is not fork-safe: glibc holds process-wide locks inside it (the interface
// check that AI_ADDRCONFIG asks for, which Asio's resolver does), and a fork() taken while
// another thread is inside leaves them held forever in the child, whose first lookup then
// never returns. A pre-fork server (gunicorn, uWSGI) forks while its client may be
// connecting, so:
// - an IP-address host is not looked up at all;
// - a host name is looked up synchronously on the calling thread while it holds
//   resolver_gate(), and the fork guard (client/fork_guard.cpp) takes that gate before
//   fork(): a fork waits for a lookup of ours in progress (microseconds from /etc/hosts, up
//   to the resolver's timeout when DNS is down) and a child never starts inside one.
// Asio's async_resolve would run getaddrinfo on a thread of its own that the gate cannot
// see; a lookup of another library's thread is outside what we can guard.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <mutex>
#include <vector>

#include "url.hpp"

namespace hotstate::net {

// Held around every host-name lookup of the library, and by the fork guard across fork().
std::mutex& resolver_gate();

// The server's endpoints; empty with `error` set when its host cannot be resolved.
// Blocks the calling thread for a host-name lookup.
std::vector<boost::asio::ip::tcp::endpoint> resolve_endpoints(boost::asio::io_context& io, const ServerUrl& server,
                                                              boost::system::error_code& error);

}  // namespace hotstate::net
