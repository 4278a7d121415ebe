#include "writer.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "key_space.hpp"
#include "refusal.hpp"

namespace hotstate::soak {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string record_path(const std::string& collection, const std::string& key) {
  return "/v1/c/" + collection + "/" + testing::percent_encode(key);
}

std::string describe(const std::optional<std::string>& value) { return value ? *value : "<absent>"; }

std::string shortened(const std::string& text) { return text.size() <= 300 ? text : text.substr(0, 300) + "..."; }

}  // namespace

Writer::Writer(int id, std::string host, unsigned short port, std::uint64_t seed, Problems& problems)
    : id_(id), http_(std::move(host), port), random_(seed), problems_(problems) {
  // Far beyond any group commit: a write unanswered this long to a live, unfaulted server
  // is a failure of its own (see send()).
  http_.set_timeout(15s);
}

void Writer::run(const StopSignal& stop) {
  while (!stop.raised()) {
    try {
      write_once();
    } catch (const std::exception& error) {  // an answer that is not what the API documents
      problems_.add("writer: unreadable answer", error.what());
    }
    stop.sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 6)(random_)));
  }
}

void Writer::write_once() {
  int pick = std::uniform_int_distribution<int>(0, 99)(random_);
  if (pick < 45)
    put(random_key(), false);
  else if (pick < 55)
    put(random_key(), true);
  else if (pick < 70)
    del(random_key());
  else
    txn();
}

Writer::KeyId Writer::random_key() {
  auto pick = [&](int count) { return std::uniform_int_distribution<int>(0, count - 1)(random_); };
  std::string collection(kWriterCollections[pick(kWriterCollections.size())]);
  return {collection, key_name(id_, pick(kGroupsPerWriter), pick(kKeysPerGroup))};
}

std::string Writer::next_value() {
  // Mostly small values, some of a few KiB: those fill stream queues and snapshot chunks.
  bool large = std::uniform_int_distribution<int>(0, 9)(random_) == 0;
  std::size_t size = large ? std::uniform_int_distribution<std::size_t>(500, 4000)(random_)
                           : std::uniform_int_distribution<std::size_t>(0, 40)(random_);
  std::string pad(size, ' ');
  for (char& c : pad) c = static_cast<char>('a' + std::uniform_int_distribution<int>(0, 25)(random_));
  // Members in sorted order, as the server renders values (FlexBuffers maps are sorted),
  // so the server's JSON of this value is this exact text. `s` makes every value unique.
  json::object value;
  value["p"] = pad;
  value["s"] = ++sequence_;
  value["w"] = id_;
  return json::serialize(value);
}

std::optional<testing::HttpResponse> Writer::send(const std::string& verb, const std::string& target,
                                                  const std::string& body,
                                                  const std::map<std::string, std::string>& headers) {
  try {
    return http_.request(verb, target, body, headers);
  } catch (const std::exception& error) {
    // The writers talk to the server directly, never through a fault proxy: no answer
    // means the server stopped answering (or lost a reply). The ledger still treats the
    // write as possibly committed, so the final check stays exact.
    problems_.add("writer: a request got no answer", verb + " " + target + ": " + error.what());
    return std::nullopt;
  }
}

void Writer::unexpected(const std::string& what, const testing::HttpResponse& response) {
  problems_.add("writer: unexpected answer to " + what,
                "w" + std::to_string(id_) + ": " + std::to_string(response.status) + " " + shortened(response.body));
}

void Writer::acknowledged(const std::vector<std::pair<KeyId, Value>>& writes, const testing::HttpResponse& response,
                          bool must_advance) {
  std::uint64_t revision = 0;
  try {
    revision = response.json().at("revision").to_number<std::uint64_t>();
  } catch (const std::exception&) {
    unexpected("a write (no revision in the answer)", response);
    return;
  }
  // One thread's writes are ordered: each commit comes after the previous one. (A
  // transaction of deletes of absent keys commits nothing and answers the current
  // revision, which may equal the last one.)
  if (revision < last_revision_ || (must_advance && revision == last_revision_))
    problems_.add("writer: revisions went backwards", "w" + std::to_string(id_) + ": acknowledged " +
                                                          std::to_string(revision) + " after " +
                                                          std::to_string(last_revision_));
  last_revision_ = std::max(last_revision_, revision);
  for (const auto& [id, value] : writes) {
    auto& entry = ledger_[id];
    entry.acked = true;
    entry.acked_value = value;
    entry.acked_revision = revision;
  }
}

void Writer::unanswered(const std::vector<std::pair<KeyId, Value>>& writes) {
  ++totals_.unknown;
  for (const auto& [id, value] : writes) ledger_[id].unknown.push_back(value);
}

void Writer::put(const KeyId& id, bool conditional) {
  const std::string value = next_value();
  const KeyLedger& entry = ledger_[id];
  conditional = conditional && entry.exact();  // If-Match needs the current mod_revision
  bool stale_condition = conditional && std::uniform_int_distribution<int>(0, 3)(random_) == 0;
  std::map<std::string, std::string> headers;
  if (conditional) {
    std::uint64_t expected = entry.mod_revision();
    if (stale_condition) expected += std::uniform_int_distribution<std::uint64_t>(1, 5)(random_);
    headers["If-Match"] = std::to_string(expected);
  }
  auto response = send("PUT", record_path(id.first, id.second), value, headers);
  if (!response) return unanswered({{id, value}});
  if (stale_condition) {
    // Refused, naming the mod_revision the ledger knows.
    bool named_current = false;
    if (is_refusal(*response, 412, "condition_failed")) {
      json::value body = response->json();
      const json::value* current = error_object(body)->if_contains("mod_revision");
      named_current = current && current->is_number() && current->to_number<std::uint64_t>() == entry.mod_revision();
    }
    if (!named_current) return unexpected("a PUT with a stale If-Match", *response);
    ++totals_.refused;
    return;
  }
  if (response->status != 200) return unexpected(conditional ? "a PUT with If-Match" : "a PUT", *response);
  acknowledged({{id, value}}, *response, true);
  ++(conditional ? totals_.conditional_puts : totals_.puts);
  if (std::uniform_int_distribution<int>(0, 7)(random_) == 0) read_back(id);
}

void Writer::del(const KeyId& id) {
  const KeyLedger& entry = ledger_[id];
  const bool known = entry.exact();
  const bool present = entry.mod_revision() != 0;
  auto response = send("DELETE", record_path(id.first, id.second), "");
  if (!response) return unanswered({{id, std::nullopt}});
  if (is_refusal(*response, 404, "not_found")) {
    if (known && present) return unexpected("a DELETE of a key the ledger holds", *response);
    ++totals_.refused;
    return;
  }
  if (response->status != 200) return unexpected("a DELETE", *response);
  if (known && !present) unexpected("a DELETE of a key the ledger says is absent", *response);
  acknowledged({{id, std::nullopt}}, *response, true);
  ++totals_.deletes;
}

void Writer::txn() {
  const int count = std::uniform_int_distribution<int>(2, 8)(random_);
  std::set<KeyId> keys;
  while (keys.size() < static_cast<std::size_t>(count)) keys.insert(random_key());
  json::array ops;
  std::vector<std::pair<KeyId, Value>> writes;
  bool any_put = false;
  for (const auto& id : keys) {
    json::object op;
    op["collection"] = id.first;
    op["key"] = id.second;
    if (std::uniform_int_distribution<int>(0, 3)(random_) == 0) {
      op["op"] = "delete";
      writes.emplace_back(id, std::nullopt);
    } else {
      std::string value = next_value();
      op["op"] = "put";
      op["value"] = json::parse(value);
      writes.emplace_back(id, std::move(value));
      any_put = true;
    }
    ops.push_back(std::move(op));
  }
  json::object body;
  body["ops"] = std::move(ops);
  // A condition that holds (the ledger knows the key exactly): the transaction commits.
  const KeyId& guarded = *keys.begin();
  if (ledger_[guarded].exact())
    body["if"] = json::array{json::object{
        {"collection", guarded.first}, {"key", guarded.second}, {"mod_revision", ledger_[guarded].mod_revision()}}};
  auto response = send("POST", "/v1/txn", json::serialize(body));
  if (!response) return unanswered(writes);
  if (response->status != 200) return unexpected("a transaction", *response);
  acknowledged(writes, *response, any_put);
  ++totals_.txns;
}

void Writer::read_back(const KeyId& id) {
  const KeyLedger& entry = ledger_[id];
  if (!entry.exact()) return;
  auto response = send("GET", record_path(id.first, id.second), "");
  if (!response) return;
  ++totals_.read_backs;
  bool as_acknowledged = false;
  if (response->status == 200 && entry.acked_value) {
    json::value body = response->json();
    as_acknowledged = json::serialize(body.at("value")) == *entry.acked_value &&
                      body.at("mod_revision").to_number<std::uint64_t>() == entry.acked_revision;
  } else {
    as_acknowledged = !entry.acked_value && is_refusal(*response, 404, "not_found");
  }
  if (!as_acknowledged)
    problems_.add("writer: a read-back differs from the acknowledged write",
                  id.first + "/" + id.second + ": acknowledged " + describe(entry.acked_value) + " at " +
                      std::to_string(entry.acked_revision) + ", read " + std::to_string(response->status) + " " +
                      shortened(response->body));
}

std::vector<std::string> Writer::contradictions(const testing::ExportedState& exported) const {
  std::vector<std::string> out;
  for (const auto& [id, entry] : ledger_) {
    auto found = exported.records.find(id);
    Value now = found == exported.records.end() ? Value() : Value(found->second.json);
    bool explained = false;
    if (entry.acked)
      explained = now == entry.acked_value && (!now || found->second.mod_revision == entry.acked_revision);
    else
      explained = !now;  // never acknowledged: absent, unless an unanswered write landed
    explained = explained || std::find(entry.unknown.begin(), entry.unknown.end(), now) != entry.unknown.end();
    if (!explained)
      out.push_back(id.first + "/" + id.second + ": server has " + shortened(describe(now)) +
                    (now ? " at mod_revision " + std::to_string(found->second.mod_revision) : "") +
                    "; last acknowledged " + (entry.acked ? shortened(describe(entry.acked_value)) : "nothing") +
                    " at revision " + std::to_string(entry.acked_revision) + ", " +
                    std::to_string(entry.unknown.size()) + " unanswered");
  }
  // Nothing this writer never wrote may appear under its prefix.
  const std::string prefix = writer_prefix(id_);
  for (const auto& [id, record] : exported.records)
    if (id.second.starts_with(prefix) && !ledger_.count(id))
      out.push_back(id.first + "/" + id.second + ": on the server, but never written");
  return out;
}

}  // namespace hotstate::soak
