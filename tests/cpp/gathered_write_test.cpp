// GatheredWrite: how a stream write's frames become buffers (core/src/server/gathered_write.hpp).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/gathered_write.hpp"

using hotstate::server::GatheredWrite;

namespace {

std::vector<std::uint8_t> frame(std::size_t size, std::uint8_t fill) { return std::vector<std::uint8_t>(size, fill); }

std::string bytes_of(const std::vector<boost::asio::const_buffer>& buffers) {
  std::string out;
  for (const auto& buffer : buffers) out.append(static_cast<const char*>(buffer.data()), buffer.size());
  return out;
}

}  // namespace

TEST(GatheredWrite, SmallFramesShareOneBufferAndLargeOnesAreReferencedInOrder) {
  auto a = frame(400, 'a'), b = frame(300, 'b'), big = frame(GatheredWrite::kCopyBelowBytes, 'L'), c = frame(10, 'c');
  GatheredWrite write;
  for (int i = 0; i < 60; ++i) write.add(a);  // a batch of deltas: one buffer, whatever its size
  write.add(b);
  write.add(big);
  write.add(c);

  const auto& buffers = write.buffers();
  ASSERT_EQ(buffers.size(), 3u) << "one run of small frames, the large frame, one more run";
  EXPECT_EQ(buffers[0].size(), 60 * 400u + 300u);
  EXPECT_EQ(buffers[1].data(), big.data()) << "a large frame is not copied";
  EXPECT_EQ(bytes_of(buffers), std::string(60 * 400, 'a') + std::string(300, 'b') +
                                   std::string(GatheredWrite::kCopyBelowBytes, 'L') + std::string(10, 'c'));
}

TEST(GatheredWrite, ClearStartsAnEmptyWrite) {
  auto a = frame(100, 'a'), b = frame(50, 'b');
  GatheredWrite write;
  write.add(a);
  EXPECT_EQ(bytes_of(write.buffers()), std::string(100, 'a'));
  write.clear();
  EXPECT_TRUE(write.buffers().empty());
  write.add(b);
  EXPECT_EQ(bytes_of(write.buffers()), std::string(50, 'b'));
}
