#include <random>

#include "storage.hpp"

namespace hotstate {

std::uint64_t random_u64() {
  std::random_device device;
  std::uint64_t value = 0;
  while (value == 0) value = (std::uint64_t{device()} << 32) ^ device();
  return value;
}

namespace {

class MemoryStorage final : public Storage {
 public:
  const char* engine_name() const override { return "memory"; }
  bool persistent() const override { return false; }
  RecoveredState open() override { return RecoveredState{random_u64(), 0, {}, {}}; }
  void commit(std::span<const CommittedTxnPtr>) override {}
  void trim_changelog(std::uint64_t) override {}
};

}  // namespace

std::unique_ptr<Storage> make_memory_storage() { return std::make_unique<MemoryStorage>(); }

}  // namespace hotstate
