// The client's offline cache file loader (core/src/client/cache_file.cpp), which runs at
// start-up on whatever file is on disk. Each input is tried twice:
//  - as the whole file, so the header checks (magic, length, CRC-32) are fuzzed;
//  - with a correct header put in front of its payload (input bytes from offset 20), so
//    damage inside the FlatBuffer gets past the checksum to the verifier and the loader.
// Properties: a file is either refused with a reason or loaded; a loaded state's counts
// match its records, and every record holds a value that verifies (clients hand out
// zero-copy views of it, and typed reads parse it without checking again).

#include <boost/crc.hpp>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "client/cache_file.hpp"
#include "fuzz_check.hpp"
#include "hotstate/value.hpp"

namespace {

using hotstate::fuzz::check;

constexpr std::size_t kHeaderBytes = 8 + 8 + 4;  // magic, payload length, CRC-32

// The selectors the seed files were written for (make_seeds.cpp).
const std::vector<hotstate::Selector>& selectors() {
  static const std::vector<hotstate::Selector> kSelectors{{"flags", ""}, {"users", "eu/"}};
  return kSelectors;
}

std::vector<std::uint8_t> with_true_header(std::span<const std::uint8_t> input) {
  std::span<const std::uint8_t> payload = input.subspan(kHeaderBytes);
  std::vector<std::uint8_t> file(kHeaderBytes);
  std::memcpy(file.data(), "HSCACHE1", 8);
  std::uint64_t length = payload.size();
  std::memcpy(file.data() + 8, &length, sizeof length);
  boost::crc_32_type crc;
  crc.process_bytes(payload.data(), payload.size());
  std::uint32_t checksum = crc.checksum();
  std::memcpy(file.data() + 16, &checksum, sizeof checksum);
  file.insert(file.end(), payload.begin(), payload.end());
  return file;
}

void load(std::span<const std::uint8_t> file) {
  std::string problem;
  auto state = hotstate::client::parse_cache(file, selectors(), "fuzz.cache", problem);
  if (!state) {
    check(!problem.empty(), "a refused cache file has no reason");
    return;
  }
  check(problem.empty(), "a loaded cache file reports a problem", problem);
  std::size_t keys = 0, bytes = 0;
  for (const auto& [collection, map] : (*state)->collections) {
    const std::string& name = collection;  // clang 14 cannot capture a structured binding
    map.for_each([&](const hotstate::RecordPtr& r) {
      check(r->collection == name, "a record sits under another collection's name", r->collection);
      check(hotstate::verify_flex(r->value), "a record without a valid value was loaded", r->key);
      ++keys;
      bytes += r->value.size();
    });
  }
  check(keys == (*state)->keys, "the state's key count is off");
  check(bytes == (*state)->bytes, "the state's byte count is off");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  load(input);
  if (size >= kHeaderBytes) load(with_true_header(input));
  return 0;
}
