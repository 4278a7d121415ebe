// Local reads of a hotstate replica beside what a C/C++ service would do instead: a Redis
// GET on loopback (hiredis, blocking), a std::unordered_map and an absl::flat_hash_map of its own.
//
//   hs_reads_bench --url http://127.0.0.1:P --collection C --records N
//                  --redis-port R --redis-db D --cpu1t 1 [Google Benchmark flags]
//
// Every subject looks up the same keys in the same random order (built before timing), from
// one of three key lists:
//   hit   every record once, in random order: each lookup misses the CPU caches;
//   miss  as many absent keys;
//   hot   1,000 random records cycled: the flags a service checks on every request.
// Two loops per subject:
//   indep  consecutive lookups are independent (the CPU may overlap them): throughput;
//   chain  the next key's position depends on the previous result: latency.
// Each lookup returns the value's size plus its last byte (0 when absent) into a sink: the
// value's bytes are read, as a caller reading the value would (the FlexBuffers root is at
// the end), and nothing can be elided.
// Threads pin themselves: 1 thread on --cpu1t, 2 threads on CPUs 0 and 1.

#include <benchmark/benchmark.h>
#include <hotstate.h>

#include <chrono>
#include <cstring>
#include <hotstate/client.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <unordered_map>

#include <absl/container/flat_hash_map.h>

#include "bench_common.hpp"

namespace {

struct Env {
  std::string url, collection;
  std::size_t records = 0;
  int redis_port = 0, redis_db = 0, cpu1t = 1;
  std::vector<std::string> hits, misses, hot;
  std::optional<hotstate::Client> client;
  hs_client* capi = nullptr;
  std::unordered_map<std::string, std::string> map;  // what a service would cache itself
  // The fastest general-purpose hash map a C++ service is likely to use (Swiss table).
  absl::flat_hash_map<std::string, std::string> absl_map;
};
Env env;

// What a lookup hands to the sink: touches the value's bytes, not just its length.
template <class Byte>
std::size_t token(const Byte* bytes, std::size_t len) {
  return len == 0 ? 0 : len + static_cast<unsigned char>(bytes[len - 1]);
}

enum class Keys { hit, miss, hot };
const char* name_of(Keys keys) { return keys == Keys::hit ? "hit" : keys == Keys::miss ? "miss" : "hot"; }
const std::vector<std::string>& keys_for(Keys keys) {
  return keys == Keys::hit ? env.hits : keys == Keys::miss ? env.misses : env.hot;
}

// The benchmark loop shared by every subject. `lookup(key)` returns token(value) or 0.
template <class Lookup>
void run_reads(benchmark::State& state, Keys which, bool chain, Lookup&& lookup) {
  bench::pin_to_cpu(state.threads() == 1 ? env.cpu1t : state.thread_index());
  const auto& keys = keys_for(which);
  const std::size_t n = keys.size();
  std::size_t pos = (n / static_cast<std::size_t>(state.threads())) * static_cast<std::size_t>(state.thread_index());
  std::size_t zero = 0;
  benchmark::DoNotOptimize(zero);  // opaque 0: makes the chain's dependency real
  std::size_t sink = 0;
  if (chain) {
    for (auto _ : state) {
      std::size_t token = lookup(keys[pos]);
      sink += token;
      pos += 1 + (token & zero);  // next address depends on this result
      if (pos >= n) pos = 0;
    }
  } else {
    for (auto _ : state) {
      sink += lookup(keys[pos]);
      if (++pos == n) pos = 0;
    }
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
}

void cpp_get(benchmark::State& state, Keys which, bool chain) {
  run_reads(state, which, chain, [&](const std::string& key) -> std::size_t {
    hotstate::RecordPtr r = env.client->get(env.collection, key);
    return r ? token(r->value.data(), r->value.size()) : 0;
  });
}

void readtxn_get(benchmark::State& state, Keys which, bool chain) {
  hotstate::ReadTxn txn = env.client->read();  // one pinned state for the whole run
  run_reads(state, which, chain, [&](const std::string& key) -> std::size_t {
    const hotstate::Record* r = txn.get(env.collection, key);
    return r ? token(r->value.data(), r->value.size()) : 0;
  });
}

void hs_get_bench(benchmark::State& state, Keys which, bool chain) {
  const char* collection = env.collection.c_str();
  run_reads(state, which, chain, [&](const std::string& key) -> std::size_t {
    hs_record* record = nullptr;
    if (hs_get(env.capi, collection, key.data(), key.size(), &record) != HS_OK) return 0;
    const std::uint8_t* bytes = nullptr;
    std::size_t len = 0;
    hs_record_value(record, &bytes, &len);
    std::size_t t = token(bytes, len);
    hs_record_free(record);
    return t;
  });
}

void hiredis_get(benchmark::State& state, Keys which, bool chain) {
  bench::RedisPtr redis = bench::redis_connect(env.redis_port, env.redis_db);  // one per thread
  run_reads(state, which, chain, [&](const std::string& key) -> std::size_t {
    bench::ReplyPtr reply(static_cast<redisReply*>(redisCommand(redis.get(), "GET %b", key.data(), key.size())));
    if (!reply) throw std::runtime_error("redis GET failed");
    return reply->type == REDIS_REPLY_STRING ? token(reply->str, static_cast<std::size_t>(reply->len)) : 0;
  });
}

void map_find(benchmark::State& state, Keys which, bool chain) {
  run_reads(state, which, chain, [&](const std::string& key) -> std::size_t {
    auto it = env.map.find(key);
    return it == env.map.end() ? 0 : token(it->second.data(), it->second.size());
  });
}

void absl_find(benchmark::State& state, Keys which, bool chain) {
  run_reads(state, which, chain, [&](const std::string& key) -> std::size_t {
    auto it = env.absl_map.find(key);
    return it == env.absl_map.end() ? 0 : token(it->second.data(), it->second.size());
  });
}

void setup(const bench::Flags& flags) {
  env.url = flags.str("url");
  env.collection = flags.str("collection");
  env.records = flags.num("records");
  env.redis_port = static_cast<int>(flags.num("redis-port"));
  env.redis_db = static_cast<int>(flags.num("redis-db"));
  env.cpu1t = static_cast<int>(flags.num("cpu1t"));
  env.hits = bench::shuffled_keys(env.records, true);
  env.misses = bench::shuffled_keys(env.records, false);
  env.hot = bench::hot_keys(env.hits);
  for (std::size_t i = 0; i < env.records; ++i) {
    env.map.emplace(bench::hit_key(i), bench::value_json(i));
    env.absl_map.emplace(bench::hit_key(i), bench::value_json(i));
  }

  constexpr auto ready_timeout = std::chrono::seconds(120);
  env.client.emplace(hotstate::ClientOptions{.urls = {env.url}, .selectors = {{env.collection, ""}}});
  if (!env.client->wait_ready(ready_timeout)) throw std::runtime_error("C++ client not LIVE in time");

  hs_options* options = nullptr;
  hs_options_new(&options);
  hs_options_add_url(options, env.url.c_str());
  hs_options_add_selector(options, env.collection.c_str(), nullptr);
  hs_status opened = hs_client_open(options, &env.capi);
  hs_options_free(options);
  if (opened != HS_OK || hs_client_wait_ready(env.capi, 120'000) != HS_OK)
    throw std::runtime_error(std::string("C client not LIVE: ") + hs_last_error());

  // Sanity: every system holds the whole data set before anything is timed.
  if (env.client->status().keys != env.records) throw std::runtime_error("replica does not hold every record");
  bench::RedisPtr redis = bench::redis_connect(env.redis_port, env.redis_db);
  bench::ReplyPtr size(static_cast<redisReply*>(redisCommand(redis.get(), "DBSIZE")));
  if (!size || size->type != REDIS_REPLY_INTEGER || static_cast<std::size_t>(size->integer) != env.records)
    throw std::runtime_error("redis does not hold every record");
}

void register_all() {
  using Fn = void (*)(benchmark::State&, Keys, bool);
  const std::pair<const char*, Fn> subjects[] = {{"cpp_get", cpp_get},       {"readtxn_get", readtxn_get},
                                                 {"hs_get", hs_get_bench},   {"hiredis_get", hiredis_get},
                                                 {"unordered_map", map_find},
                                                 {"absl_flat_hash_map", absl_find}};
  for (const auto& [name, fn] : subjects)
    for (Keys which : {Keys::hit, Keys::miss, Keys::hot})
      for (bool chain : {false, true}) {
        std::string label = std::string(name) + "/" + name_of(which) + (chain ? "/chain" : "/indep");
        benchmark::RegisterBenchmark(label.c_str(), [fn, which, chain](benchmark::State& s) { fn(s, which, chain); })
            ->Threads(1)
            ->Threads(2)
            ->UseRealTime();
      }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);  // takes its own --benchmark_* flags out of argv
  try {
    setup(bench::Flags(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "hs_reads_bench: " << e.what() << "\n";
    return 1;
  }
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  env.client.reset();
  hs_client_free(env.capi);
  return 0;
}
