#include "cache_writer.hpp"

#include <cstdio>

#include "cache_file.hpp"
#include "state_cell.hpp"
#include "status_board.hpp"

namespace hotstate::client {

namespace {

void warn(const std::string& message) { std::fprintf(stderr, "hotstate: %s\n", message.c_str()); }

}  // namespace

CacheWriter::CacheWriter(const ClientOptions& options, const StateCell& cell, StatusBoard& board)
    : options_(options), cell_(cell), board_(board) {}

CacheWriter::~CacheWriter() {
  // Only a core inherited through fork() is left unstopped, and it is never destroyed
  // (fork_guard.hpp); a thread object naming the parent's thread must not be joined.
  if (thread_.joinable()) thread_.detach();
}

void CacheWriter::start(std::shared_ptr<const void> owner) {
  thread_ = std::thread([this, owner = std::move(owner)] { loop(); });
}

void CacheWriter::stop() {
  {
    // Set under the mutex: the thread cannot miss it between its check and its wait.
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  write_now();
}

void CacheWriter::loop() {
  std::unique_lock lock(wake_mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.cache_interval, [&] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    write_now();
    lock.lock();
  }
}

void CacheWriter::mark_written(std::uint64_t epoch, std::uint64_t revision) {
  std::lock_guard lock(file_mutex_);
  written_epoch_ = epoch;
  written_revision_ = revision;
}

void CacheWriter::write_now() {
  std::lock_guard lock(file_mutex_);
  StatePtr current = cell_.current_shared();
  if (current->epoch == 0) return;  // nothing received yet: keep whatever file is there
  if (current->epoch == written_epoch_ && current->revision == written_revision_) return;
  try {
    write_cache(options_.cache_path, *current, options_.selectors);
    written_epoch_ = current->epoch;
    written_revision_ = current->revision;
    if (!failure_.empty()) warn("offline cache " + options_.cache_path + " written again");
    failure_.clear();
  } catch (const std::exception& e) {
    // Retried at every interval; the same failure again is not logged again.
    std::string failure = std::string("offline cache not written: ") + e.what();
    if (failure != failure_) warn(failure + " (retrying every interval)");
    failure_ = failure;
    board_.update([&](ClientStatus& s) { s.last_error = failure; });
  }
}

void CacheWriter::wipe() {
  std::lock_guard lock(file_mutex_);
  wipe_cache(options_.cache_path);
  // Not written again for the state it held: the caller wanted it gone, and writing the
  // same state back at the next interval would undo the wipe. The next change is written.
  StatePtr current = cell_.current_shared();
  written_epoch_ = current->epoch;
  written_revision_ = current->revision;
}

}  // namespace hotstate::client
