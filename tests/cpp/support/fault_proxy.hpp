#pragma once
// A userland TCP proxy for tests that injects network faults between a client library and
// hotstated: cut every connection, black-hole traffic (stall), refuse connections, add
// latency, cut after N bytes, and retarget a restarted server. Point the client at url()
// instead of the server's and drive the faults from the test thread.
//
// The proxy runs its own io_context on its own thread (started by the constructor, joined
// by the destructor, which closes everything first and so never waits on a peer). Every
// control method may be called from any thread except the proxy's own; when it returns,
// the change is in effect for all data the proxy has not yet handed to the kernel.
//
// Forwarding reads at most one 64 KiB chunk per direction per connection and reads the
// next only after the previous one has been written, so TCP backpressure propagates
// end to end and nothing is buffered without bound.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace hotstate::testing {

class FaultProxy {
 public:
  // Listens on 127.0.0.1 (an ephemeral port) and forwards each accepted connection to
  // target_host:target_port over a fresh upstream connection. The target must be a
  // loopback address ("127.0.0.1", "::1" or "localhost"); anything else throws
  // std::invalid_argument. Throws boost::system::system_error when it cannot listen.
  FaultProxy(std::string target_host, unsigned short target_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  unsigned short port() const;
  std::string url() const;  // "http://127.0.0.1:PORT"

  // Connections accepted from now on go to the new target; open ones keep theirs.
  // Same address rules (and exception) as the constructor; on error nothing changes.
  void set_target(const std::string& host, unsigned short port);

  // Closes both sides of every current connection at once. New connections are still
  // accepted and forwarded.
  void cut();

  // While on, nothing moves in either direction and nothing is closed: a half-open link.
  // Bytes stay unread in the kernel (beyond at most one chunk per direction the proxy had
  // already read) so the sender's writes eventually block; EOFs and resets from either
  // side are held too. Connections accepted while stalled are not
  // connected upstream until the stall ends (the server sees nothing). Turning it off
  // forwards everything held, in order, with nothing lost.
  void stall(bool on);

  // While on, every accepted connection is closed at once without being connected
  // upstream (the server looks down: connect succeeds, then the client reads EOF).
  void refuse(bool on);

  // Holds each forwarded chunk for `delay` before writing it, per direction, keeping order.
  // Since a direction reads its next chunk only after writing the previous one, this also
  // caps throughput at about 64 KiB per `delay` per direction. Zero turns it off.
  void set_delay(std::chrono::milliseconds delay);

  // One-shot: after `n` more bytes (counted from this call, over all connections) have
  // been written server->client, the connection that wrote the n-th byte is cut (both
  // sides), then the trigger disarms. Exactly n bytes reach the client(s) before the cut;
  // the rest of that chunk is dropped. n == 0 cuts the next connection that has anything
  // for its client, before any of it is written. A later call re-arms with the new n.
  void cut_after_bytes_to_client(std::size_t n);

  // Connections accepted so far, including refused ones.
  std::size_t accepted() const;
  // Connections accepted and not yet closed (including ones waiting out a stall).
  std::size_t open_connections() const;
  // Bytes written to clients / to servers so far, over all connections. Each is updated
  // just after the bytes are handed to the kernel, so a peer may see them an instant
  // earlier: poll rather than read once. (accepted() and open_connections() change
  // before the client can observe the connection's fate.)
  std::uint64_t bytes_to_client() const;
  std::uint64_t bytes_to_server() const;

 private:
  struct Impl;
  class Connection;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hotstate::testing
