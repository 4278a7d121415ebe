// One initial sync, in a fresh process so its RSS delta is the memory the data costs:
//
//   hs_sync_bench --system hotstate --url http://127.0.0.1:P --collection C --records N
//   hs_sync_bench --system redis --redis-port R --redis-db D --records N
//
// hotstate: a new hotstate::Client until LIVE. redis: what a service would do instead to
// hold the same data: SCAN every key, MGET them in pipelined batches into an
// std::unordered_map<std::string, std::string>. Prints one JSON line:
// {"seconds":..,"rss_delta":..,"bytes_per_record":..,"client_bytes":..,"keys":..}

#include <malloc.h>

#include <chrono>
#include <optional>
#include <hotstate/client.hpp>
#include <iostream>
#include <string>
#include <unordered_map>

#include "bench_common.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kScanCount = 1000;  // keys per SCAN step and per MGET

bench::ReplyPtr get_reply(redisContext* c) {
  void* reply = nullptr;
  if (redisGetReply(c, &reply) != REDIS_OK || !reply) throw std::runtime_error(std::string("redis reply failed: ") + c->errstr);
  bench::ReplyPtr r(static_cast<redisReply*>(reply));
  if (r->type == REDIS_REPLY_ERROR) throw std::runtime_error(std::string("redis: ") + r->str);
  return r;
}

// SCAN and MGET pipelined on one connection: each round trip carries the next SCAN step
// and the MGET of the keys the previous step returned (a SCAN needs the previous cursor,
// so round trips = SCAN steps, the least possible).
std::size_t redis_fetch(redisContext* c, std::unordered_map<std::string, std::string>& out) {
  std::vector<std::string> pending;  // keys of the MGET in flight, if any
  auto read_mget = [&] {
    bench::ReplyPtr r = get_reply(c);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != pending.size()) throw std::runtime_error("redis MGET failed");
    for (std::size_t i = 0; i < pending.size(); ++i)
      if (r->element[i]->type == REDIS_REPLY_STRING)
        out.emplace(std::move(pending[i]), std::string(r->element[i]->str, r->element[i]->len));
    pending.clear();
  };
  std::string cursor = "0";
  do {
    redisAppendCommand(c, "SCAN %s COUNT %s", cursor.c_str(), std::to_string(kScanCount).c_str());  // hiredis 0.14: no %zu
    if (!pending.empty()) read_mget();  // replies come in order: the MGET sent before
    bench::ReplyPtr r = get_reply(c);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) throw std::runtime_error("redis SCAN failed");
    cursor.assign(r->element[0]->str, r->element[0]->len);
    const redisReply* batch = r->element[1];
    if (batch->elements == 0) continue;
    std::vector<const char*> argv{"MGET"};
    std::vector<std::size_t> lens{4};
    for (std::size_t i = 0; i < batch->elements; ++i) {
      pending.emplace_back(batch->element[i]->str, batch->element[i]->len);
      argv.push_back(batch->element[i]->str);
      lens.push_back(batch->element[i]->len);
    }
    redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data());  // sent with the next SCAN
  } while (cursor != "0");
  if (!pending.empty()) read_mget();
  return out.size();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    bench::Flags flags(argc, argv);
    const std::string system = flags.str("system");
    const std::size_t records = flags.num("records");
    malloc_trim(0);
    const std::size_t rss_before = bench::rss_bytes();
    std::size_t keys = 0, client_bytes = 0;
    double seconds = 0;

    // Kept alive to the end: RSS is measured while the data is held.
    std::optional<hotstate::Client> client;
    std::unordered_map<std::string, std::string> map;
    if (system == "hotstate") {
      auto t0 = Clock::now();
      client.emplace(hotstate::ClientOptions{.urls = {flags.str("url")}, .selectors = {{flags.str("collection"), ""}}});
      if (!client->wait_ready(std::chrono::seconds(120))) throw std::runtime_error("not LIVE within 120 s");
      seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      hotstate::ClientStatus status = client->status();
      keys = status.keys;
      client_bytes = status.bytes;
    } else if (system == "redis") {
      bench::RedisPtr redis = bench::redis_connect(static_cast<int>(flags.num("redis-port")), static_cast<int>(flags.num("redis-db")));
      auto t0 = Clock::now();
      keys = redis_fetch(redis.get(), map);
      seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    } else {
      throw std::invalid_argument("--system is hotstate or redis");
    }
    if (keys != records) throw std::runtime_error("got " + std::to_string(keys) + " records, expected " + std::to_string(records));
    malloc_trim(0);  // freed buffers (hiredis replies, snapshot frames) are not data held
    const std::size_t rss_after = bench::rss_bytes();
    const double delta = static_cast<double>(rss_after) - static_cast<double>(rss_before);
    std::cout << "{\"seconds\":" << seconds << ",\"rss_delta\":" << delta
              << ",\"bytes_per_record\":" << delta / static_cast<double>(records) << ",\"client_bytes\":" << client_bytes
              << ",\"keys\":" << keys << "}" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "hs_sync_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
