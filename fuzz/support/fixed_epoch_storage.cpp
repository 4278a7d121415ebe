#include "fixed_epoch_storage.hpp"

namespace hotstate::fuzz {
namespace {

class FixedEpochStorage final : public Storage {
 public:
  const char* engine_name() const override { return "memory"; }
  bool persistent() const override { return false; }
  RecoveredState open() override { return RecoveredState{kServerEpoch, 0, {}, {}}; }
  void commit(std::span<const CommittedTxnPtr>) override {}
  void trim_changelog(std::uint64_t) override {}
};

}  // namespace

std::unique_ptr<Storage> make_fixed_epoch_storage() { return std::make_unique<FixedEpochStorage>(); }

}  // namespace hotstate::fuzz
