// Writes the seed corpora under fuzz/corpus/<target>/ from the real encoders, so every seed
// is something hotstate really produces or accepts:
//   build/fuzz/fuzz_make_seeds fuzz/corpus
// Seeds are starting points; the fuzzer's own finds stay out of git unless they become
// regressions (docs/fuzzing.md).

#include <flatbuffers/flexbuffers.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "client/cache_file.hpp"
#include "client/replica.hpp"
#include "fixed_epoch_storage.hpp"
#include "hotstate/protocol.hpp"
#include "hotstate/value.hpp"
#include "message_stream.hpp"

namespace {

namespace fs = std::filesystem;
namespace protocol = hotstate::protocol;
using Bytes = std::vector<std::uint8_t>;

fs::path g_root;

void write_seed(const std::string& target, const std::string& name, const void* data, std::size_t size) {
  fs::create_directories(g_root / target);
  std::ofstream out(g_root / target / name, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}
void write_seed(const std::string& target, const std::string& name, const std::string& text) {
  write_seed(target, name, text.data(), text.size());
}
void write_seed(const std::string& target, const std::string& name, const Bytes& bytes) {
  write_seed(target, name, bytes.data(), bytes.size());
}

hotstate::RecordPtr record(std::string collection, std::string key, std::string_view json, std::uint64_t revision) {
  auto r = std::make_shared<hotstate::Record>();
  r->collection = std::move(collection);
  r->key = std::move(key);
  r->value = hotstate::json_to_flex(json);
  r->create_revision = r->mod_revision = revision;
  r->version = 1;
  return r;
}

// One WebSocket message holding the given frames back to back.
Bytes message_of(std::initializer_list<protocol::FramePtr> frames) {
  Bytes out;
  for (const auto& f : frames) out.insert(out.end(), f->bytes().begin(), f->bytes().end());
  return out;
}

// A fuzz input for the stream targets: optional leading bytes, then the messages.
Bytes connection(Bytes prefix, std::initializer_list<Bytes> messages) {
  for (const auto& m : messages) hotstate::fuzz::append_message(prefix, m);
  return prefix;
}

const std::vector<std::pair<std::string, std::string>> kJsonDocuments = {
    {"object", R"({"enabled":true,"rollout":25,"segments":["beta","staff"],"owner":null})"},
    {"nested", R"({"a":{"b":{"c":[1,[2,[3,{"d":"e"}]]]}}})"},
    {"numbers", R"([0,-0,1,-1,9223372036854775807,-9223372036854775808,18446744073709551615,0.5,-0.0,1e308,5e-324,2.5e-300,1E5,123456789012345678901234567890])"},
    {"strings", R"(["", "plain", "esc\"aped\\\/\b\f\n\r\t", "\u0001\u001f", "\u00e9\u4e2d\ud83d\ude00", "tab	in"])"},
    {"empty_object", "{}"},
    {"empty_array", "[]"},
    {"scalars", "[true,false,null]"},
    {"string", R"("just a string")"},
    {"number", "42"},
    {"double", "3.141592653589793"},
    {"whitespace", " \t\n{ \"k\" : [ 1 , 2 ] }\r\n"},
    {"duplicate_keys", R"({"k":1,"k":2})"},
    {"unicode_keys", R"({"ключ":1,"键":2,"":3})"},
};

void json_seeds() {
  for (const auto& [name, json] : kJsonDocuments) write_seed("json_to_flex", name + ".json", json);
  std::string deep(60, '[');
  deep += "1" + std::string(60, ']');
  write_seed("json_to_flex", "deep.json", deep);
}

void flex_seeds() {
  for (const auto& [name, json] : kJsonDocuments) {
    try {
      write_seed("flex_to_json", name + ".flex", hotstate::json_to_flex(json));
    } catch (const hotstate::ValueError&) {
    }
  }
  // Encodings the converter never writes but a FlexBuffer may hold.
  flexbuffers::Builder typed;
  typed.Vector(std::vector<int>{1, 2, 3});  // typed vector of ints
  typed.Finish();
  write_seed("flex_to_json", "typed_vector.flex", typed.GetBuffer());
  flexbuffers::Builder blob;
  std::uint8_t raw[] = {1, 2, 3};
  blob.Blob(raw, sizeof raw);
  blob.Finish();
  write_seed("flex_to_json", "blob.flex", blob.GetBuffer());
  flexbuffers::Builder floats;
  floats.Float(1.5f);
  floats.Finish();
  write_seed("flex_to_json", "float32.flex", floats.GetBuffer());
  flexbuffers::Builder indirect;
  auto start = indirect.StartVector();
  indirect.IndirectInt(-7);
  indirect.IndirectUInt(7);
  indirect.IndirectDouble(0.25);
  indirect.Key("key");
  indirect.EndVector(start, false, false);
  indirect.Finish();
  write_seed("flex_to_json", "indirect.flex", indirect.GetBuffer());
}

void client_frame_seeds() {
  constexpr std::uint64_t kEpoch = 0x77;  // the cached replica's epoch in client_frames.cpp
  auto a = record("flags", "checkout", R"({"enabled":false})", 6);
  auto b = record("users", "eu/ana", R"({"plan":"pro"})", 7);
  std::vector<hotstate::RecordPtr> records{a, b};
  hotstate::CommittedTxn put_txn{8, {{hotstate::OpKind::Put, record("flags", "beta", "true", 8)}}, 0};
  auto tombstone = std::make_shared<hotstate::Record>(*a);
  tombstone->value.clear();
  tombstone->mod_revision = 9;
  hotstate::CommittedTxn delete_txn{9, {{hotstate::OpKind::Delete, tombstone}}, 0};

  Bytes fresh{0}, cached{1};
  auto welcome = protocol::encode_welcome(kEpoch, 7, "server", 1000);
  auto welcome_other = protocol::encode_welcome(0x99, 3, "server", 1000);
  auto chunk = protocol::encode_snapshot_chunk(records);
  write_seed("client_frames", "snapshot_then_deltas",
             connection(fresh, {message_of({welcome}),
                                message_of({protocol::encode_snapshot_begin(kEpoch, 7, false), chunk,
                                            protocol::encode_snapshot_end(7)}),
                                message_of({protocol::encode_txn_delta(put_txn)}),
                                message_of({protocol::encode_txn_delta(delete_txn), protocol::encode_progress(12)}),
                                message_of({protocol::encode_pong(1, 12)})}));
  write_seed("client_frames", "snapshot_over_messages",
             connection(fresh, {message_of({welcome}), message_of({protocol::encode_snapshot_begin(kEpoch, 7, false)}),
                                message_of({chunk}), message_of({chunk}), message_of({protocol::encode_snapshot_end(7)}),
                                message_of({protocol::encode_progress(7)})}));
  write_seed("client_frames", "resume_from_cache",
             connection(cached, {message_of({welcome}), message_of({protocol::encode_progress(7)}),
                                 message_of({protocol::encode_txn_delta(put_txn)})}));
  write_seed("client_frames", "reset_to_other_epoch",
             connection(cached, {message_of({welcome_other}),
                                 message_of({protocol::encode_snapshot_begin(0x99, 3, true), chunk,
                                             protocol::encode_snapshot_end(3)})}));
  write_seed("client_frames", "server_error",
             connection(fresh, {message_of({welcome}),
                                message_of({protocol::encode_error("protocol_error", "bye", 1002)}),
                                message_of({welcome})}));
  write_seed("client_frames", "gap", connection(cached, {message_of({welcome}), message_of({protocol::encode_txn_delta(delete_txn)})}));
}

void stream_inbound_seeds() {
  constexpr std::uint64_t kEpoch = hotstate::fuzz::kServerEpoch;
  std::vector<protocol::SelectorSpec> both{{"flags", ""}, {"users", "eu/"}};
  std::vector<protocol::SelectorSpec> flags{{"flags", ""}};
  auto hello = protocol::encode_hello("fuzz", "");
  Bytes none;
  write_seed("stream_inbound", "subscribe",
             connection(none, {message_of({hello}), message_of({protocol::encode_subscribe(both, std::nullopt)}),
                               message_of({protocol::encode_ping(1)}), message_of({protocol::encode_ping(2)})}));
  write_seed("stream_inbound", "hello_and_subscribe_in_one",
             connection(none, {message_of({hello, protocol::encode_subscribe(flags, std::nullopt)}),
                               message_of({protocol::encode_ping(7)})}));
  write_seed("stream_inbound", "resume_in_log",
             connection(none, {message_of({hello}),
                               message_of({protocol::encode_subscribe(flags, protocol::PositionSpec{kEpoch, 5})})}));
  write_seed("stream_inbound", "resume_below_horizon",
             connection(none, {message_of({hello}),
                               message_of({protocol::encode_subscribe(both, protocol::PositionSpec{kEpoch, 1})})}));
  write_seed("stream_inbound", "resume_other_epoch",
             connection(none, {message_of({hello}),
                               message_of({protocol::encode_subscribe(both, protocol::PositionSpec{1, 5})})}));
  write_seed("stream_inbound", "unsubscribe_resubscribe",
             connection(none, {message_of({hello}), message_of({protocol::encode_subscribe(flags, std::nullopt)}),
                               message_of({protocol::encode_unsubscribe()}),
                               message_of({protocol::encode_subscribe(both, std::nullopt)}),
                               message_of({protocol::encode_ping(3)})}));
  write_seed("stream_inbound", "wrong_protocol", connection(none, {message_of({protocol::encode_hello("old", "", 0)})}));
  write_seed("stream_inbound", "subscribe_first",
             connection(none, {message_of({protocol::encode_subscribe(flags, std::nullopt)})}));
}

std::string http(std::string head, std::string_view body = {}) {
  if (!body.empty() || head.starts_with("PUT") || head.starts_with("POST"))
    head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return head + "\r\n" + std::string(body);
}

void http_seeds() {
  const std::string host = "Host: 127.0.0.1\r\n";
  std::string put = http("PUT /v1/c/flags/checkout HTTP/1.1\r\n" + host, R"({"enabled":true})");
  std::string put_if = http("PUT /v1/c/flags/checkout HTTP/1.1\r\n" + host + "If-Match: \"1\"\r\n", "[1,2]");
  std::string get = http("GET /v1/c/flags/checkout HTTP/1.1\r\n" + host);
  std::string del = http("DELETE /v1/c/flags/checkout HTTP/1.1\r\n" + host + "If-Match: 2\r\n");
  std::string list = http("GET /v1/c/flags?prefix=ch&limit=2&after=a HTTP/1.1\r\n" + host);
  std::string txn = http("POST /v1/txn HTTP/1.1\r\n" + host + "Content-Type: application/json\r\n",
                         R"({"if":[{"collection":"flags","key":"beta","mod_revision":0}],)"
                         R"("ops":[{"op":"put","collection":"flags","key":"beta","value":{"on":true}},)"
                         R"({"op":"delete","collection":"users","key":"eu/ana"}]})");
  write_seed("http_request", "put_get_list_delete", put + get + put_if + list + del + get);
  write_seed("http_request", "txn_then_export", txn + put + http("GET /v1/export HTTP/1.1\r\n" + host));
  write_seed("http_request", "import",
             http("POST /v1/import HTTP/1.1\r\n" + host,
                  "{\"format\":\"hotstate-export\",\"version\":1,\"epoch\":\"00000000000000aa\",\"revision\":9,"
                  "\"records\":2}\n"
                  "{\"collection\":\"flags\",\"key\":\"a\",\"value\":1,\"create_revision\":1,\"mod_revision\":3,"
                  "\"version\":2}\n"
                  "{\"collection\":\"users\",\"key\":\"eu/b\",\"value\":{\"x\":[]},\"create_revision\":9,"
                  "\"mod_revision\":9,\"version\":1}\n") +
                 get);
  write_seed("http_request", "status_metrics",
             http("GET /v1/status HTTP/1.1\r\n" + host) + http("GET /metrics HTTP/1.1\r\n" + host) +
                 http("HEAD /healthz HTTP/1.1\r\n" + host) + http("GET /readyz HTTP/1.0\r\n"));
  write_seed("http_request", "percent_encoded_key",
             http("PUT /v1/c/users/eu%2Fana%20%C3%A9 HTTP/1.1\r\n" + host, "\"x\"") +
                 http("GET /v1/c/users?prefix=eu%2F&limit=1000 HTTP/1.1\r\n" + host));
  write_seed("http_request", "chunked_put",
             "PUT /v1/c/flags/c HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n" +
                 get);
  write_seed("http_request", "refusals",
             http("POST /v1/c/flags HTTP/1.1\r\n" + host, "{}") + http("GET /nowhere HTTP/1.1\r\n" + host) +
                 http("GET /v1/stream HTTP/1.1\r\n" + host) +
                 http("PUT /v1/c/bad%20name/k HTTP/1.1\r\n" + host, "1") +
                 http("PUT /v1/c/flags/k HTTP/1.1\r\n" + host, "{\"unterminated\":") +
                 http("POST /v1/txn HTTP/1.1\r\n" + host, R"({"ops":[]})") +
                 http("GET /v1/c/flags/checkout HTTP/1.1\r\n" + host + "Connection: close\r\n"));
}

void cache_seeds() {
  hotstate::client::StateBuilder builder(0x77, 12);
  builder.put(record("flags", "checkout", R"({"enabled":true})", 3));
  builder.put(record("flags", "beta", "[1,2,3]", 5));
  builder.put(record("users", "eu/ana", R"({"plan":"pro","seats":3})", 12));
  std::vector<hotstate::Selector> selectors{{"flags", ""}, {"users", "eu/"}};  // as cache_file.cpp
  fs::path temp = fs::temp_directory_path() / ("hotstate-seed-" + std::to_string(::getpid()) + ".cache");
  for (const auto& [name, state] : {std::pair{std::string("replica.cache"), builder.build()},
                                    std::pair{std::string("empty.cache"), hotstate::client::StateBuilder(0x77, 1).build()}}) {
    hotstate::client::write_cache(temp.string(), *state, selectors);
    std::ifstream in(temp, std::ios::binary);
    Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    write_seed("cache_file", name, bytes);
  }
  fs::remove(temp);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FUZZ_CORPUS_DIR (e.g. fuzz/corpus)\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  json_seeds();
  flex_seeds();
  client_frame_seeds();
  stream_inbound_seeds();
  http_seeds();
  cache_seeds();
  std::printf("seeds written under %s\n", g_root.c_str());
  return 0;
}
