#pragma once
// What the C++ read and sync benchmarks share with the Python and Node ones: the data set
// (key i is "k%08d", misses are "m%08d", the value of key i is
// {"enabled":true,"rollout":i%100}, see python/dataset.py), flag parsing, Redis
// connection and process RSS.

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <sched.h>
#include <unistd.h>
#include <vector>

namespace bench {

inline std::string hit_key(std::size_t i) {
  char buf[24];  // "k" + up to 20 digits
  std::snprintf(buf, sizeof buf, "k%08zu", i);
  return buf;
}

inline std::string miss_key(std::size_t i) {
  char buf[24];  // "k" + up to 20 digits
  std::snprintf(buf, sizeof buf, "m%08zu", i);
  return buf;
}

inline std::string value_json(std::size_t i) {
  return R"({"enabled":true,"rollout":)" + std::to_string(i % 100) + "}";
}

// `count` keys in a random order (fixed seed): random access over the whole key set.
inline std::vector<std::string> shuffled_keys(std::size_t count, bool hits) {
  std::vector<std::string> keys;
  keys.reserve(count);
  for (std::size_t i = 0; i < count; ++i) keys.push_back(hits ? hit_key(i) : miss_key(i));
  std::shuffle(keys.begin(), keys.end(), std::mt19937_64(42));
  return keys;
}

// The hot set: what a flag check reads over and over (a service evaluates the same few
// flags on every request). The first 1,000 keys of a shuffled hit list: random keys spread
// over the whole record set, cycled, so they stay in the CPU caches as real hot flags do.
constexpr std::size_t kHotKeys = 1000;
inline std::vector<std::string> hot_keys(const std::vector<std::string>& shuffled_hits) {
  return {shuffled_hits.begin(), shuffled_hits.begin() + static_cast<std::ptrdiff_t>(std::min(kHotKeys, shuffled_hits.size()))};
}

// --name value pairs; everything must be given (the script passes it all).
class Flags {
 public:
  Flags(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
      std::string name = argv[i];
      if (name.rfind("--", 0) != 0) throw std::invalid_argument("expected --flag value, got " + name);
      values_[name.substr(2)] = argv[i + 1];
    }
  }
  std::string str(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw std::invalid_argument("missing --" + name);
    return it->second;
  }
  std::size_t num(const std::string& name) const { return std::stoull(str(name)); }

 private:
  std::map<std::string, std::string> values_;
};

struct RedisDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using RedisPtr = std::unique_ptr<redisContext, RedisDeleter>;
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// A blocking hiredis connection on loopback, switched to `db`.
inline RedisPtr redis_connect(int port, int db) {
  timeval timeout{10, 0};  // every reply bounded
  RedisPtr c(redisConnectWithTimeout("127.0.0.1", port, timeout));
  if (!c || c->err) throw std::runtime_error("redis connect failed");
  redisSetTimeout(c.get(), timeout);
  ReplyPtr r(static_cast<redisReply*>(redisCommand(c.get(), "SELECT %d", db)));
  if (!r || r->type == REDIS_REPLY_ERROR) throw std::runtime_error("redis SELECT failed");
  return c;
}

// Resident set size of this process, bytes (/proc/self/statm, second field in pages).
inline std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace bench

namespace bench {

// Pins the calling thread to one CPU, so a figure says where the reader ran.
inline void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
}

}  // namespace bench
