#pragma once
// A soak writer: PUTs, DELETEs, conditional writes and transactions over HTTP straight to
// the server, on keys only it writes (key_space.hpp), with a ledger of what each attempt
// came to:
//   200            acknowledged at a revision: it must be there, at that revision, until
//                  this writer overwrites it;
//   404, 412       refused: it certainly did not commit (the writer checks the refusal was
//                  the expected one);
//   no answer      (timeout, connection lost) it may or may not have committed, possibly
//                  even after later writes on other connections; the final check accepts
//                  it as the key's value but never requires it.
// While it runs it also checks what it can know exactly: a read-back after a write, the
// answer to a DELETE of a present or absent key, If-Match with the current or a stale
// mod_revision, and that revisions only grow.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "http_client.hpp"
#include "problems.hpp"
#include "server_export.hpp"
#include "stop_signal.hpp"

namespace hotstate::soak {

struct WriterTotals {
  std::uint64_t puts = 0, deletes = 0, txns = 0;  // acknowledged
  std::uint64_t conditional_puts = 0;             // acknowledged, with If-Match
  std::uint64_t refused = 0;                      // 404 / 412 as expected
  std::uint64_t unknown = 0;                      // no answer
  std::uint64_t read_backs = 0;
};

class Writer {
 public:
  Writer(int id, std::string host, unsigned short port, std::uint64_t seed, Problems& problems);

  // Writes until `stop` is raised. Run on a thread of its own.
  void run(const StopSignal& stop);

  // After run() returned: the keys this writer owns whose final state in `exported`
  // contradicts the ledger, one line each.
  std::vector<std::string> contradictions(const testing::ExportedState& exported) const;

  const WriterTotals& totals() const { return totals_; }
  int id() const { return id_; }

 private:
  using KeyId = std::pair<std::string, std::string>;  // collection, key
  using Value = std::optional<std::string>;           // canonical JSON; nullopt: absent

  struct KeyLedger {
    bool acked = false;          // some write was acknowledged
    Value acked_value;           // the last acknowledged one's result
    std::uint64_t acked_revision = 0;
    std::vector<Value> unknown;  // results of writes that got no answer
    // True while nothing unanswered could still change the key: its state is known.
    bool exact() const { return unknown.empty(); }
    std::uint64_t mod_revision() const { return acked && acked_value ? acked_revision : 0; }
  };

  void write_once();
  void put(const KeyId& id, bool conditional);
  void del(const KeyId& id);
  void txn();
  void read_back(const KeyId& id);

  // Sends and classifies: the answer, or nullopt when there was none (unknown outcome).
  std::optional<testing::HttpResponse> send(const std::string& verb, const std::string& target,
                                            const std::string& body,
                                            const std::map<std::string, std::string>& headers = {});
  void acknowledged(const std::vector<std::pair<KeyId, Value>>& writes, const testing::HttpResponse& response,
                    bool must_advance);
  void unanswered(const std::vector<std::pair<KeyId, Value>>& writes);
  void unexpected(const std::string& what, const testing::HttpResponse& response);

  KeyId random_key();
  std::string next_value();

  int id_;
  testing::HttpClient http_;
  std::mt19937_64 random_;
  Problems& problems_;
  std::map<KeyId, KeyLedger> ledger_;
  std::uint64_t sequence_ = 0;
  std::uint64_t last_revision_ = 0;
  WriterTotals totals_;
};

}  // namespace hotstate::soak
