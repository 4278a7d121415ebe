#pragma once
// What the opaque handles of hotstate.h are, and the exception firewall every entry
// point goes through.

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "hotstate.h"
#include "hotstate/client.hpp"
#include "hotstate/value.hpp"

struct hs_options {
  hotstate::ClientOptions options;
};

struct hs_client {
  std::unique_ptr<hotstate::Client> client;
  std::atomic<bool> closed{false};
};

struct hs_record {
  hotstate::RecordPtr record;
};

struct hs_iter {
  std::vector<hs_record> records;
  std::size_t next = 0;
};

struct hs_read {
  hotstate::ReadTxn txn;
  std::mutex mutex;  // hs_read_get may be called from several threads
  // The records hs_read_get handed out, one handle per record of the pinned snapshot (a
  // node map keeps their addresses): getting a record again returns the same handle, so
  // memory grows with the distinct records lent, never with the number of gets.
  std::unordered_map<const hotstate::Record*, hs_record> lent;
};

struct hs_change_batch {
  const hotstate::ChangeBatch* batch = nullptr;
  std::vector<hs_record> before, after;  // parallel to batch->changes
};

namespace hotstate::capi {

// The integer a C caller passed as an enum argument. C lets an enum object hold any int;
// in C++ reading a value outside the enumerators' range as the enum type is undefined (and
// clang's -fsanitize=enum reports it), so an argument that may be anything is copied out as
// its bits and compared as an int.
template <class Enum>
int enum_argument(const Enum& argument) {
  static_assert(std::is_enum_v<Enum> && sizeof(Enum) == sizeof(int));
  int value;
  std::memcpy(&value, &argument, sizeof value);
  return value;
}

// Owns a callback's user_data: free_user_data runs once, when the last copy of the
// callback is gone (unsubscribed, or the client freed).
struct UserData {
  void* data;
  hs_free_fn free_data;
  ~UserData() {
    if (free_data) free_data(data);
  }
};

// `text` as NUL-terminated text in memory for the caller to release with hs_free.
// Throws std::bad_alloc.
char* copy_to_c(const std::string& text);

hs_status fail(hs_status status, const std::string& message);
// HS_ERR_NOT_FOUND, "no record C/K": built in the thread's message buffer, so a miss (a
// hot path: lookups of absent keys) allocates nothing once the buffer has grown.
hs_status fail_not_found(std::string_view collection, std::string_view key);
// "`what` must not be NULL" as HS_ERR_INVALID_ARGUMENT.
hs_status fail_null(const char* what);
// The core's ErrorCode as hs_status: the same numbers (checked at compile time).
hs_status to_status(ErrorCode kind);
// A ClientError as its kind's hs_status, with "code: message" as hs_last_error.
hs_status fail_from_client_error(const ClientError& error);
const char* t_last_error_cstr();  // this thread's last message
// NULL -> HS_ERR_INVALID_ARGUMENT, closed -> HS_ERR_CLOSED, else HS_OK.
hs_status check_open(const hs_client* client);

// Runs `body` (returning hs_status); any exception becomes a status and a message.
template <typename Body>
hs_status guard(Body&& body) noexcept {
  try {
    return body();
  } catch (const ClientError& e) {
    return fail_from_client_error(e);
  } catch (const ValueError& e) {
    return fail(HS_ERR_INVALID_ARGUMENT, e.what());
  } catch (const std::bad_alloc&) {
    return fail(HS_ERR_NO_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(HS_ERR_INTERNAL, e.what());
  } catch (...) {
    return fail(HS_ERR_INTERNAL, "unknown error");
  }
}

}  // namespace hotstate::capi
