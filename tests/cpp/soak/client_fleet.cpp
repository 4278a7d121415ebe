#include "client_fleet.hpp"

#include <boost/json.hpp>
#include <thread>

#include "hotstate/value.hpp"
#include "key_space.hpp"
#include "sanitized_build.hpp"

namespace hotstate::soak {

using namespace std::chrono_literals;
using testing::kSanitized;
namespace json = boost::json;

namespace {

using Records = std::map<std::pair<std::string, std::string>, testing::ReplicaRecord>;

bool selected(const std::vector<Selector>& selectors, const std::string& collection, const std::string& key) {
  for (const auto& s : selectors)
    if (s.collection == collection && key.starts_with(s.prefix)) return true;
  return false;
}

// Formatted as read_export() formats the server's values.
std::string canonical_json(const Record& record) { return json::serialize(json::parse(flex_to_json(record.value))); }

std::string describe(const std::pair<std::string, std::string>& id) { return id.first + "/" + id.second; }

std::string describe(const std::vector<Selector>& selectors) {
  std::string out;
  for (const auto& s : selectors) out += (out.empty() ? "" : ", ") + s.collection + ":" + s.prefix + "*";
  return out;
}

// The first difference between two maps, or "" when they are equal.
template <class Map, class Describe>
std::string first_difference(const Map& want, const Map& got, Describe describe_value) {
  for (const auto& [id, value] : want) {
    auto found = got.find(id);
    if (found == got.end()) return describe(id) + " missing";
    if (!(found->second == value))
      return describe(id) + " is " + describe_value(found->second) + ", expected " + describe_value(value);
  }
  for (const auto& [id, value] : got)
    if (!want.count(id)) return describe(id) + " should not be there";
  return "";
}

std::string describe_record(const testing::ReplicaRecord& r) {
  return r.json.substr(0, 80) + " (mod_revision " + std::to_string(r.mod_revision) + ", version " +
         std::to_string(r.version) + ")";
}

}  // namespace

std::vector<Selector> random_selectors(std::mt19937_64& random, int writers) {
  auto pick = [&](int count) { return std::uniform_int_distribution<int>(0, count - 1)(random); };
  std::vector<Selector> out;
  int count = 1 + pick(3);
  while (static_cast<int>(out.size()) < count) {
    std::string collection(kWriterCollections[pick(kWriterCollections.size())]);
    int writer = pick(writers), group = pick(kGroupsPerWriter), kind = pick(20);
    if (kind < 4)
      out.push_back({collection, ""});
    else if (kind < 10)
      out.push_back({collection, writer_prefix(writer)});
    else if (kind < 16)
      out.push_back({collection, group_prefix(writer, group)});
    else if (kind < 19)
      out.push_back({collection, key_name(writer, group, 1)});  // also k10..k15
    else
      out.push_back({std::string(kQuietCollection), ""});
  }
  return out;
}

FleetMember make_member(int proxy, const std::string& url, std::vector<Selector> selectors, MirrorKind mirror,
                        std::chrono::milliseconds stale_after) {
  FleetMember member;
  member.proxy = proxy;
  member.selectors = std::move(selectors);
  ClientOptions options;
  options.urls = {url};
  options.selectors = member.selectors;
  options.stale_after = stale_after;
  // A sanitizer build (-O0 in ci/test.sh) answers a herd's handshakes slowly.
  options.connect_timeout = kSanitized ? 5000ms : 1500ms;
  options.backoff_initial = 50ms;
  options.backoff_max = 1000ms;
  options.client_name = "soak";
  if (mirror == MirrorKind::Slow) options.callback_queue_limit = 4;
  member.client = std::make_unique<Client>(options);
  if (mirror == MirrorKind::None) return member;

  member.mirror = std::make_unique<ChangeMirror>();
  member.client->on_change({}, [m = member.mirror.get(), slow = mirror == MirrorKind::Slow](const ChangeBatch& batch) {
    if (slow) std::this_thread::sleep_for(2ms);
    std::lock_guard lock(m->mutex);
    ++m->batches;
    if (batch.reset) ++m->resets;
    for (const auto& change : batch.changes) {
      std::pair<std::string, std::string> id{std::string(change.collection), std::string(change.key)};
      if (change.after)
        m->values[id] = flex_to_json(change.after->value);
      else
        m->values.erase(id);
    }
  });
  return member;
}

std::optional<std::string> replica_difference(const FleetMember& member, const testing::ExportedState& exported) {
  ReadTxn read = member.client->read();
  std::string where = "[" + describe(member.selectors) + "] ";
  if (read.revision() != exported.revision)
    return where + "at revision " + std::to_string(read.revision()) + ", server at " +
           std::to_string(exported.revision);
  Records want, got;
  for (const auto& [id, record] : exported.records)
    if (selected(member.selectors, id.first, id.second)) want[id] = record;
  for (const auto& s : member.selectors)
    for (const Record* r : read.scan(s.collection, s.prefix))
      got[{r->collection, r->key}] = {canonical_json(*r), r->create_revision, r->mod_revision, r->version};
  if (read.size() != got.size())
    return where + "holds " + std::to_string(read.size()) + " records, " + std::to_string(got.size()) + " selected";
  std::string difference = first_difference(want, got, describe_record);
  if (difference.empty()) return std::nullopt;
  return where + difference + " (" + std::to_string(got.size()) + " records, " + std::to_string(want.size()) +
         " expected)";
}

std::optional<std::string> mirror_difference(const FleetMember& member) {
  if (!member.mirror) return std::nullopt;
  std::map<std::pair<std::string, std::string>, std::string> replica;
  ReadTxn read = member.client->read();
  for (const auto& s : member.selectors)
    for (const Record* r : read.scan(s.collection, s.prefix)) replica[{r->collection, r->key}] = flex_to_json(r->value);
  std::lock_guard lock(member.mirror->mutex);
  std::string difference =
      first_difference(replica, member.mirror->values, [](const std::string& v) { return v.substr(0, 80); });
  if (difference.empty()) return std::nullopt;
  return "callbacks built " + std::to_string(member.mirror->values.size()) + " records, replica holds " +
         std::to_string(replica.size()) + ": " + difference;
}

}  // namespace hotstate::soak
