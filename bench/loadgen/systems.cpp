// Picks a system by the name used in the results ("system" field).

#include <stdexcept>

#include "pubsub.hpp"

namespace loadgen {

std::unique_ptr<PubSub> make_system(const std::string& name, boost::asio::io_context& io, const Target& target,
                                    Hooks hooks) {
  if (name == "hotstate") return make_hotstate(io, target, std::move(hooks));
  if (name == "redis") return make_redis(io, target, std::move(hooks));
  if (name == "nats") return make_nats(io, target, std::move(hooks));
  throw std::invalid_argument("unknown system " + name + " (hotstate, redis, nats)");
}

}  // namespace loadgen
