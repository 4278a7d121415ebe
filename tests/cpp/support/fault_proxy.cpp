#include "fault_proxy.hpp"

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <exception>
#include <future>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace hotstate::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kChunkSize = 64 * 1024;

// Only loopback targets: the proxy is a test tool and must never reach off the machine.
tcp::endpoint loopback_endpoint(const std::string& host, unsigned short port) {
  if (host == "localhost") return {asio::ip::address_v4::loopback(), port};
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec || !address.is_loopback())
    throw std::invalid_argument("FaultProxy target must be 127.0.0.1, ::1 or localhost, not \"" +
                                host + "\"");
  return {address, port};
}

}  // namespace

// Everything below except the atomics is touched only on the io thread.
struct FaultProxy::Impl {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  unsigned short port = 0;

  tcp::endpoint target;
  bool stalled = false;
  bool refusing = false;
  std::chrono::milliseconds delay{0};
  // cut_after_bytes_to_client(): while armed, each server->client write reserves its bytes
  // from the budget when issued and settles when it completes, so concurrent writes on
  // several connections never deliver more than n between them.
  struct CutBudget {
    std::uint64_t unreserved = 0;
    std::uint64_t reserved = 0;
  };
  std::optional<CutBudget> cut_after;        // armed when set
  std::uint64_t cut_after_arming = 0;        // bumped on each arm; older writes don't count
  std::map<Connection*, std::shared_ptr<Connection>> connections;

  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> open{0};
  std::atomic<std::uint64_t> to_client{0};
  std::atomic<std::uint64_t> to_server{0};

  std::thread thread;

  void accept_next();
  void forget(Connection* connection);
  void wake_parked();  // after a stall ends or cut budget frees up
  std::vector<std::shared_ptr<Connection>> snapshot() const;

  // Runs `fn` on the io thread and waits for it, so the change is in effect on return.
  template <class Fn>
  void run_on_io(Fn&& fn) {
    if (io.get_executor().running_in_this_thread()) {
      fn();
      return;
    }
    std::promise<void> done;
    auto finished = done.get_future();
    asio::post(io, [&] {
      try {
        fn();
        done.set_value();
      } catch (...) {
        done.set_exception(std::current_exception());
      }
    });
    finished.get();
  }
};

// One accepted client and its upstream connection: two pumps, one per direction. A pump
// holds at most one chunk; it parks (keeping the chunk, or not reading at all) while the
// proxy is stalled or while another write holds the rest of the cut budget, and is
// resumed when that ends.
class FaultProxy::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& proxy, tcp::socket client, tcp::endpoint target)
      : proxy_(proxy),
        client_(std::move(client)),
        server_(proxy.io),
        target_(target),
        pumps_{Pump(false, client_, server_), Pump(true, server_, client_)} {}

  void start() {
    if (!proxy_.stalled) connect();
  }

  // Moves whatever was parked (held by a stall, or waiting for cut budget), or connects
  // if the stall kept us from doing so.
  void resume() {
    if (closed_ || proxy_.stalled) return;
    if (!connect_started_) {
      connect();
      return;
    }
    for (auto& pump : pumps_) {
      if (pump.state == State::parked_before_read) read(pump);
      else if (pump.state == State::parked) deliver(pump);
    }
  }

  // Closes both sides at once; idempotent. Pending handlers see closed_ and stop.
  void close() {
    if (closed_) return;
    closed_ = true;
    auto self = shared_from_this();  // the registry may hold the last reference
    proxy_.forget(this);  // first, so open_connections() is current once a peer sees the close
    error_code ignored;
    client_.close(ignored);
    server_.close(ignored);
    for (auto& pump : pumps_) {
      pump.timer.cancel();
      settle_cut_budget(pump, 0);  // its completion handler will not get to it
    }
  }

 private:
  enum class State { idle, reading, delaying, writing, parked_before_read, parked, done };

  struct Pump {
    Pump(bool towards_client, tcp::socket& source, tcp::socket& sink)
        : to_client(towards_client), from(&source), to(&sink), timer(source.get_executor()) {}

    bool to_client;
    tcp::socket* from;
    tcp::socket* to;
    asio::steady_timer timer;
    std::array<char, kChunkSize> buffer{};
    std::size_t begin = 0;
    std::size_t end = 0;
    bool eof = false;     // the source closed cleanly: pass a FIN on after the data
    bool failed = false;  // the source reset or errored: close the whole connection
    std::optional<std::uint64_t> write_arming;  // the arming the write in flight counts toward
    std::size_t write_reserved = 0;             // the cut budget that write holds
    std::size_t write_length = 0;               // bytes of the write in progress
    State state = State::idle;
  };

  void connect() {
    connect_started_ = true;
    server_.async_connect(target_, [this, self = shared_from_this()](const error_code& ec) {
      if (closed_) return;
      if (ec) {
        close();  // nobody listening: the client sees the connection end
        return;
      }
      error_code ignored;
      for (auto* socket : {&client_, &server_}) {
        socket->set_option(tcp::no_delay(true), ignored);
        socket->non_blocking(true, ignored);
      }
      for (auto& pump : pumps_) read(pump);
    });
  }

  void read(Pump& pump) {
    if (closed_) return;
    if (proxy_.stalled) {
      pump.state = State::parked_before_read;  // leave the bytes in the kernel
      return;
    }
    pump.state = State::reading;
    pump.from->async_read_some(
        asio::buffer(pump.buffer),
        [this, self = shared_from_this(), &pump](const error_code& ec, std::size_t n) {
          if (closed_) return;
          pump.begin = 0;
          pump.end = n;
          if (ec == asio::error::eof) pump.eof = true;
          else if (ec) pump.failed = true;
          auto delay = proxy_.delay;
          if (delay.count() <= 0) {
            deliver(pump);
            return;
          }
          pump.state = State::delaying;
          pump.timer.expires_after(delay);
          pump.timer.async_wait([this, self, &pump](const error_code&) {
            if (closed_) return;
            deliver(pump);
          });
        });
  }

  // Writes what the pump holds, then passes on EOF or failure, then reads again.
  void deliver(Pump& pump) {
    if (closed_) return;
    if (proxy_.stalled) {
      pump.state = State::parked;
      return;
    }
    if (pump.begin < pump.end) {
      write_some(pump);
    } else if (pump.failed) {
      close();
    } else if (pump.eof) {
      error_code ignored;
      pump.to->shutdown(tcp::socket::shutdown_send, ignored);
      pump.state = State::done;
      if (pumps_[0].state == State::done && pumps_[1].state == State::done) close();
    } else {
      read(pump);
    }
  }

  void write_some(Pump& pump) {
    std::size_t length = pump.end - pump.begin;
    if (pump.to_client && proxy_.cut_after) {
      auto& budget = *proxy_.cut_after;
      if (budget.unreserved == 0) {
        if (budget.reserved > 0) {
          pump.state = State::parked;  // another write holds the rest; woken when it settles
          return;
        }
        proxy_.cut_after.reset();  // armed with n == 0
        close();
        return;
      }
      if (budget.unreserved < length) length = static_cast<std::size_t>(budget.unreserved);
      budget.unreserved -= length;
      budget.reserved += length;
      pump.write_arming = proxy_.cut_after_arming;
      pump.write_reserved = length;
    }
    pump.state = State::writing;
    pump.write_length = length;
    try_write(pump);
  }

  // Writes without blocking (both sockets are non-blocking) so the byte counters move
  // before the peer can see the bytes; waits for room only when the kernel has none.
  void try_write(Pump& pump) {
    error_code ec;
    std::size_t n =
        pump.to->write_some(asio::buffer(pump.buffer.data() + pump.begin, pump.write_length), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      pump.to->async_wait(tcp::socket::wait_write,
                          [this, self = shared_from_this(), &pump](const error_code& wait_ec) {
                            if (closed_) return;  // close() settled the budget
                            if (wait_ec) {
                              settle_cut_budget(pump, 0);
                              close();
                              return;
                            }
                            try_write(pump);
                          });
      return;
    }
    bool budget_spent = settle_cut_budget(pump, ec ? 0 : n);
    if (ec) {
      close();
      return;
    }
    pump.begin += n;
    (pump.to_client ? proxy_.to_client : proxy_.to_server) += n;
    if (budget_spent) {
      close();
      return;
    }
    deliver(pump);
  }

  // Ends the pump's reservation: what was not written goes back to the cut budget.
  // True when this write spent the last of the budget: the caller cuts this connection.
  bool settle_cut_budget(Pump& pump, std::size_t written) {
    if (!pump.write_arming) return false;
    bool current = proxy_.cut_after && *pump.write_arming == proxy_.cut_after_arming;
    std::size_t reserved = pump.write_reserved;
    pump.write_arming.reset();
    pump.write_reserved = 0;
    if (!current) return false;
    auto& budget = *proxy_.cut_after;
    budget.reserved -= reserved;
    budget.unreserved += reserved - written;
    if (budget.unreserved == 0 && budget.reserved == 0) {
      proxy_.cut_after.reset();
      proxy_.wake_parked();  // writes that waited for budget now go through unarmed
      return true;
    }
    if (written < reserved) proxy_.wake_parked();
    return false;
  }

  Impl& proxy_;
  tcp::socket client_;
  tcp::socket server_;
  tcp::endpoint target_;
  std::array<Pump, 2> pumps_;  // [0] client->server, [1] server->client
  bool connect_started_ = false;
  bool closed_ = false;
};

void FaultProxy::Impl::accept_next() {
  acceptor.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    // Counters change before the client can observe anything, so a test that has seen
    // its connection end or echo already sees it counted.
    if (!ec && refusing) {
      ++accepted;
      error_code ignored;
      socket.close(ignored);
    } else if (!ec) {
      auto connection = std::make_shared<Connection>(*this, std::move(socket), target);
      connections.emplace(connection.get(), connection);
      open = connections.size();
      ++accepted;
      connection->start();
    }
    if (!ec) {
      accept_next();
      return;
    }
    // Out of descriptors or similar: retry shortly instead of spinning.
    accept_retry.expires_after(std::chrono::milliseconds(10));
    accept_retry.async_wait([this](const error_code& wait_ec) {
      if (!wait_ec && acceptor.is_open()) accept_next();
    });
  });
}

void FaultProxy::Impl::forget(Connection* connection) {
  connections.erase(connection);
  open = connections.size();
}

void FaultProxy::Impl::wake_parked() {
  for (auto& connection : snapshot()) connection->resume();
}

std::vector<std::shared_ptr<FaultProxy::Connection>> FaultProxy::Impl::snapshot() const {
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections.size());
  for (const auto& entry : connections) all.push_back(entry.second);
  return all;
}

FaultProxy::FaultProxy(std::string target_host, unsigned short target_port)
    : impl_(std::make_unique<Impl>()) {
  impl_->target = loopback_endpoint(target_host, target_port);
  tcp::endpoint listen_on{asio::ip::address_v4::loopback(), 0};
  impl_->acceptor.open(listen_on.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(listen_on);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept_next();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

FaultProxy::~FaultProxy() {
  impl_->run_on_io([impl = impl_.get()] {
    error_code ignored;
    impl->acceptor.close(ignored);
    impl->accept_retry.cancel();
    for (auto& connection : impl->snapshot()) connection->close();
  });
  // Everything is closed; stop() keeps a straggling handler from delaying the join. The
  // handlers not run are destroyed with the io_context.
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
}

unsigned short FaultProxy::port() const { return impl_->port; }

std::string FaultProxy::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

void FaultProxy::set_target(const std::string& host, unsigned short port) {
  auto target = loopback_endpoint(host, port);
  impl_->run_on_io([impl = impl_.get(), target] { impl->target = target; });
}

void FaultProxy::cut() {
  impl_->run_on_io([impl = impl_.get()] {
    for (auto& connection : impl->snapshot()) connection->close();
  });
}

void FaultProxy::stall(bool on) {
  impl_->run_on_io([impl = impl_.get(), on] {
    if (impl->stalled == on) return;
    impl->stalled = on;
    if (!on) impl->wake_parked();
  });
}

void FaultProxy::refuse(bool on) {
  impl_->run_on_io([impl = impl_.get(), on] { impl->refusing = on; });
}

void FaultProxy::set_delay(std::chrono::milliseconds delay) {
  if (delay.count() < 0) throw std::invalid_argument("FaultProxy delay must not be negative");
  impl_->run_on_io([impl = impl_.get(), delay] { impl->delay = delay; });
}

void FaultProxy::cut_after_bytes_to_client(std::size_t n) {
  impl_->run_on_io([impl = impl_.get(), n] {
    impl->cut_after = Impl::CutBudget{n, 0};
    ++impl->cut_after_arming;
    impl->wake_parked();  // pumps waiting on the previous arming's budget
  });
}

std::size_t FaultProxy::accepted() const { return impl_->accepted.load(); }
std::size_t FaultProxy::open_connections() const { return impl_->open.load(); }
std::uint64_t FaultProxy::bytes_to_client() const { return impl_->to_client.load(); }
std::uint64_t FaultProxy::bytes_to_server() const { return impl_->to_server.load(); }

}  // namespace hotstate::testing
