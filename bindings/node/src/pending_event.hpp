// What a native callback hands to the JS thread: copied out of the lent batch, status or
// flag result on the client's callback thread (records retained, nothing decoded there),
// turned into JS values later on the JS thread (change_events.cpp).
#pragma once

#include <hotstate.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "flag_result_js.hpp"

namespace hotstate_node {

// One changed record: owned handles (retained), null on the side where it is absent.
class RecordPair {
 public:
  RecordPair(hs_record* before, hs_record* after) : before_(before), after_(after) {}
  RecordPair(RecordPair&& other) noexcept
      : before_(std::exchange(other.before_, nullptr)), after_(std::exchange(other.after_, nullptr)) {}
  RecordPair(const RecordPair&) = delete;
  RecordPair& operator=(const RecordPair&) = delete;
  RecordPair& operator=(RecordPair&&) = delete;
  ~RecordPair() {
    hs_record_free(before_);
    hs_record_free(after_);
  }
  const hs_record* before() const { return before_; }
  const hs_record* after() const { return after_; }

 private:
  hs_record* before_;
  hs_record* after_;
};

struct PendingEvent {
  enum class Kind { Change, Status, Flag };
  uint64_t subscription = 0;
  Kind kind = Kind::Change;
  // A change batch:
  uint64_t revision = 0;
  bool reset = false;
  std::vector<RecordPair> changes;
  // A status update:
  hs_client_status status = HS_CLIENT_STATUS_INIT;
  // A flag's new evaluation (onFlagChange):
  std::optional<FlagOutcome> flag;
};

// On the callback thread: retains every record of the lent batch.
PendingEvent copy_change_batch(uint64_t subscription, const hs_change_batch* batch);

}  // namespace hotstate_node
