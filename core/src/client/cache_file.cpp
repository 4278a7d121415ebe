#include "cache_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>

#include "hotstate/value.hpp"
#include "hotstate/wire/hotstate_generated.h"

namespace hotstate::client {
namespace {

constexpr char kMagic[8] = {'H', 'S', 'C', 'A', 'C', 'H', 'E', '1'};
constexpr char kIdentifier[] = "HSC1";
constexpr std::uint32_t kFormat = 1;
constexpr std::size_t kHeaderBytes = 8 + 8 + 4;
// write_cache's temporary file is the path plus this plus the writer's process id.
constexpr char kTempInfix[] = ".tmp.";

std::uint32_t crc32(const std::uint8_t* data, std::size_t size) {
  boost::crc_32_type crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

void write_all(int fd, const void* data, std::size_t size, const std::string& path) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Sets `problem` (the warning the client logs) and returns "no cache".
std::optional<StatePtr> refused(std::string& problem, const std::string& path, const std::string& why) {
  problem = "ignoring offline cache " + path + ": " + why;
  return std::nullopt;
}

bool same_selectors(const flatbuffers::Vector<flatbuffers::Offset<wire::Selector>>& stored,
                    const std::vector<Selector>& wanted) {
  if (stored.size() != wanted.size()) return false;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const auto* s = stored.Get(static_cast<flatbuffers::uoffset_t>(i));
    std::string prefix = s->prefix() ? s->prefix()->str() : "";
    if (s->collection()->str() != wanted[i].collection || prefix != wanted[i].prefix) return false;
  }
  return true;
}

}  // namespace

void write_cache(const std::string& path, const State& state, const std::vector<Selector>& selectors) {
  flatbuffers::FlatBufferBuilder fbb(state.bytes + state.keys * 64 + 1024);
  std::vector<flatbuffers::Offset<wire::Record>> records;
  records.reserve(state.keys);
  for (const auto& [name, map] : state.collections)
    map.for_each([&](const RecordPtr& r) {
      auto collection = fbb.CreateString(r->collection);
      auto key = fbb.CreateString(r->key);
      auto value = fbb.CreateVector(r->value.data(), r->value.size());
      records.push_back(wire::CreateRecord(fbb, collection, key, value, r->create_revision,
                                           r->mod_revision, r->version));
    });
  std::vector<flatbuffers::Offset<wire::Selector>> stored;
  for (const auto& s : selectors)
    stored.push_back(wire::CreateSelector(fbb, fbb.CreateString(s.collection), fbb.CreateString(s.prefix)));
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  auto root = wire::CreateCacheFile(fbb, kFormat, state.epoch, state.revision, fbb.CreateVector(stored),
                                    fbb.CreateVector(records), static_cast<std::uint64_t>(now_ms));
  fbb.Finish(root, kIdentifier);

  std::uint64_t length = fbb.GetSize();
  std::uint32_t checksum = crc32(fbb.GetBufferPointer(), fbb.GetSize());
  std::string temp = path + kTempInfix + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + temp + ": " + std::strerror(errno));
  try {
    write_all(fd, kMagic, sizeof kMagic, temp);
    write_all(fd, &length, sizeof length, temp);
    write_all(fd, &checksum, sizeof checksum, temp);
    write_all(fd, fbb.GetBufferPointer(), fbb.GetSize(), temp);
    if (::fsync(fd) != 0) throw std::runtime_error("cannot fsync " + temp + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    throw std::runtime_error("cannot rename " + temp + " to " + path + ": " + std::strerror(err));
  }
  // Make the rename itself durable.
  auto dir = std::filesystem::path(path).parent_path();
  int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void wipe_cache(const std::string& path) {
  auto remove_file = [](const std::filesystem::path& file) {
    // unlink, not remove: a directory where the file should be is never deleted.
    if (::unlink(file.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR)
      throw std::runtime_error("cannot remove offline cache " + file.string() + ": " + std::strerror(errno));
  };
  remove_file(path);
  std::filesystem::path file(path);
  std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  std::string temp_prefix = file.filename().string() + kTempInfix;
  std::error_code ec;
  std::filesystem::directory_iterator entries(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) return;
    throw std::runtime_error("cannot list " + dir.string() + " for leftover offline cache files: " + ec.message());
  }
  for (; entries != std::filesystem::directory_iterator(); entries.increment(ec)) {
    std::string name = entries->path().filename().string();
    std::string_view suffix = std::string_view(name).substr(std::min(name.size(), temp_prefix.size()));
    bool is_temp = name.starts_with(temp_prefix) && !suffix.empty() &&
                   std::all_of(suffix.begin(), suffix.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (is_temp) remove_file(entries->path());
  }
  if (ec)
    throw std::runtime_error("cannot list " + dir.string() + " for leftover offline cache files: " + ec.message());
}

std::optional<StatePtr> read_cache(const std::string& path, const std::vector<Selector>& selectors,
                                   std::string& problem) {
  problem.clear();
  std::error_code ec;
  auto type = std::filesystem::status(path, ec).type();
  if (type == std::filesystem::file_type::not_found) return std::nullopt;  // no cache yet: not a problem
  auto refuse = [&](const std::string& why) { return refused(problem, path, why); };
  if (ec) return refuse("cannot inspect it: " + ec.message());
  if (type == std::filesystem::file_type::directory) return refuse("it is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return refuse(std::string("cannot open it: ") + std::strerror(errno));
  std::vector<std::uint8_t> bytes;
  try {
    // libstdc++ throws from here when read() fails (EIO, EISDIR): start-up must not.
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {
    return refuse(std::string("cannot read it: ") + e.what());
  }
  if (in.bad()) return refuse("cannot read it");
  return parse_cache(bytes, selectors, path, problem);
}

std::optional<StatePtr> parse_cache(std::span<const std::uint8_t> bytes, const std::vector<Selector>& selectors,
                                    const std::string& path, std::string& problem) {
  problem.clear();
  auto refuse = [&](const std::string& why) { return refused(problem, path, why); };
  if (bytes.empty()) return refuse("the file is empty");
  // A file cut inside the header still starts like one: say truncated, not foreign.
  std::size_t magic_bytes = std::min(bytes.size(), sizeof kMagic);
  if (std::memcmp(bytes.data(), kMagic, magic_bytes) != 0) return refuse("not a hotstate cache file");
  if (bytes.size() < kHeaderBytes)
    return refuse("truncated inside the header (" + std::to_string(bytes.size()) + " of " +
                  std::to_string(kHeaderBytes) + " bytes)");
  std::uint64_t length = 0;
  std::uint32_t checksum = 0;
  std::memcpy(&length, bytes.data() + 8, sizeof length);
  std::memcpy(&checksum, bytes.data() + 16, sizeof checksum);
  std::uint64_t stored = bytes.size() - kHeaderBytes;
  if (length > stored)
    return refuse("truncated (the header announces " + std::to_string(length) + " payload bytes, the file holds " +
                  std::to_string(stored) + ")");
  if (length < stored)
    return refuse("padded (" + std::to_string(stored - length) + " bytes after the announced payload)");
  const std::uint8_t* payload = bytes.data() + kHeaderBytes;
  if (crc32(payload, length) != checksum) return refuse("checksum mismatch (corrupt)");
  flatbuffers::Verifier verifier(payload, length, 64, 100'000'000);
  if (!verifier.VerifyBuffer<wire::CacheFile>(kIdentifier)) return refuse("does not verify");
  const auto* file = flatbuffers::GetRoot<wire::CacheFile>(payload);
  if (file->format() != kFormat) return refuse("unknown format " + std::to_string(file->format()));
  if (!same_selectors(*file->selectors(), selectors))
    return refuse("written for other selectors");

  StateBuilder builder(file->epoch(), file->revision());
  for (const auto* r : *file->records()) {
    // Reads hand out views of values without checking them again; the verifier above
    // misses unterminated FlexBuffers keys (verify_flex) and allows an absent value.
    if (!r->value() || !verify_flex({r->value()->data(), r->value()->size()}))
      return refuse("a record has no valid value");
    auto record = std::make_shared<Record>();
    record->collection = r->collection()->str();
    record->key = r->key()->str();
    record->value.assign(r->value()->begin(), r->value()->end());
    record->create_revision = r->create_revision();
    record->mod_revision = r->mod_revision();
    record->version = r->version();
    builder.put(std::move(record));
  }
  return builder.build();
}

}  // namespace hotstate::client
