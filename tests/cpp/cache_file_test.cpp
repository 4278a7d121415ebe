// The offline cache loader on files that pass the checksum but hold records a reader could
// not use. Found by fuzz/cache_file.cpp (fuzz/regressions/cache_file/).

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/cache_file.hpp"
#include "client/replica.hpp"
#include "hotstate/value.hpp"

using namespace hotstate;

namespace {

std::optional<client::StatePtr> round_trip(const std::vector<std::uint8_t>& value, std::string& problem) {
  client::StateBuilder builder(0x77, 3);
  auto record = std::make_shared<Record>();
  record->collection = "flags";
  record->key = "k";
  record->value = value;
  record->create_revision = record->mod_revision = record->version = 1;
  builder.put(record);
  std::vector<Selector> selectors{{"flags", ""}};
  auto path = (std::filesystem::temp_directory_path() / ("hotstate-cache-test-" + std::to_string(::getpid()))).string();
  client::write_cache(path, *builder.build(), selectors);
  auto loaded = client::read_cache(path, selectors, problem);
  std::filesystem::remove(path);
  return loaded;
}

}  // namespace

TEST(CacheFile, ARecordWithoutAValidValueIsRefused) {
  std::string problem;
  EXPECT_FALSE(round_trip({}, problem).has_value()) << "an empty value (as for a tombstone)";

  // A FlexBuffer that FlatBuffers' nested verifier accepts but readers cannot use. (A record
  // with no value field at all: fuzz/regressions/cache_file/record-without-value.cache,
  // replayed by fuzz_replay.cache_file; write_cache cannot write one.)
  const std::vector<std::uint8_t> unterminated_key = {0x6b, 0x00, 0x00, 0x00, 0x28, 0x01, 0x02, 0x01, 0x02, 0x04, 0x04,
                                                      0x01, 0x08, 0x01, 0x01, 0x01, 0x09, 0x28, 0x02, 0x24, 0x01};
  EXPECT_FALSE(round_trip(unterminated_key, problem).has_value());
  EXPECT_NE(problem.find("no valid value"), std::string::npos) << problem;

  auto good = round_trip(json_to_flex(R"({"on":true})"), problem);  // control
  ASSERT_TRUE(good.has_value()) << problem;
  EXPECT_EQ((*good)->keys, 1u);
}
