#pragma once
// The three scenarios; each reads its options, prints one result line per run, and
// throws on anything that makes the measurement invalid.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "options.hpp"

namespace loadgen {

void fanout_scenario(Options& options);
void idle_scenario(Options& options);
void recovery_scenario(Options& options);

// Runs the io_context until `done()` or `timeout`; throws `what` on timeout. Every wait in
// the load generator goes through here, so none can hang.
void run_until(boost::asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds timeout,
               const std::string& what);

}  // namespace loadgen
