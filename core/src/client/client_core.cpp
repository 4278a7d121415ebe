#include "client_core.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>

#include "cache_file.hpp"
#include "fork_guard.hpp"
#include "net/tls_client.hpp"

namespace hotstate {

namespace {

std::vector<net::ServerUrl> parse_servers(const ClientOptions& options) {
  std::vector<net::ServerUrl> servers;
  for (const auto& url : options.urls) servers.push_back(net::parse_server_url(url));
  return servers;
}

std::shared_ptr<boost::asio::ssl::context> tls_context_for(const std::vector<net::ServerUrl>& servers,
                                                           const ClientOptions& options) {
  bool any_tls = std::any_of(servers.begin(), servers.end(), [](const auto& s) { return s.tls; });
  // A CA file is checked even without an https:// URL: a typo should not wait for one.
  if (!any_tls && options.ca_file.empty()) return nullptr;
  return net::make_client_tls_context(options.ca_file);
}

}  // namespace

Client::Core::Core(ClientOptions opts)
    : fork_generation(client::fork_generation()),
      options(std::move(opts)),
      servers(parse_servers(options)),
      tls_context(tls_context_for(servers, options)),
      dispatcher(std::make_shared<client::Dispatcher>(options.callback_queue_limit)),
      board(*dispatcher),
      sync(options, cell, board, *dispatcher),
      cache(options, cell, board),
      transport(options, servers, tls_context, sync, board) {
  client::register_for_fork(this);  // last: a throw above leaves nothing registered
}

Client::Core::~Core() { client::unregister_for_fork(this); }

void Client::Core::start() {
  if (!options.cache_path.empty()) {
    std::string problem;
    std::optional<client::StatePtr> cached;
    try {
      cached = client::read_cache(options.cache_path, options.selectors, problem);
    } catch (const std::exception& e) {
      // read_cache reports what it expects as `problem`; anything else (out of memory
      // for a huge file, ...) must not stop the start either.
      problem = "ignoring offline cache " + options.cache_path + ": " + e.what();
    }
    if (cached) {
      sync.start_from_cache(std::make_shared<client::State>(**cached));
      cache.mark_written(sync.state()->epoch, sync.state()->revision);
    } else if (!problem.empty()) {
      std::fprintf(stderr, "hotstate: %s; starting empty and resyncing\n", problem.c_str());
      board.update([&](ClientStatus& s) { s.last_error = problem; });
    }
  }
  launch();
}

void Client::Core::launch() {
  dispatcher->start();
  if (!options.cache_path.empty()) cache.start(shared_from_this());
  transport.start(shared_from_this());
}

void Client::Core::lock_for_fork() {
  cell.lock_for_fork();
  board.lock_for_fork();
  transport.lock_for_fork();
  dispatcher->lock_for_fork();
}

void Client::Core::unlock_after_fork() {
  dispatcher->unlock_after_fork();
  transport.unlock_after_fork();
  board.unlock_after_fork();
  cell.unlock_after_fork();
}

void Client::Core::start_in_child(Core& inherited) {
  // The inherited locks are free here (fork_guard.cpp) and none of its threads exists.
  sync.adopt(inherited.cell.current_shared());
  // Already in the cache file (or about to be, by the parent): not rewritten until it moves.
  cache.mark_written(sync.state()->epoch, sync.state()->revision);
  board.inherit(inherited.board);
  dispatcher->adopt_subscriptions(*inherited.dispatcher);
  launch();
}

void Client::Core::release_inherited(std::string why) {
  closing = true;
  transport.release_inherited();
  board.mark_closed(std::move(why));
  client::unregister_for_fork(this);
}

void Client::Core::close() {
  if (closing.exchange(true)) return;
  transport.close();
  if (!options.cache_path.empty()) cache.stop();
  board.set_link_state(LinkState::Closed);  // no callback runs after close()
  dispatcher->stop();
}

}  // namespace hotstate
