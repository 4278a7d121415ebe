#pragma once
// The memory engine with a known epoch instead of a random one, so a fuzz input can name
// the server's history (Subscribe{resume}) and every run of an input behaves the same.

#include <cstdint>
#include <memory>

#include "store/storage.hpp"

namespace hotstate::fuzz {

inline constexpr std::uint64_t kServerEpoch = 0x6877;

std::unique_ptr<Storage> make_fixed_epoch_storage();

}  // namespace hotstate::fuzz
