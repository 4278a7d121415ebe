// Flag evaluation on the client: the compiled flags of the published state, evaluated
// against a context, with the replica's freshness folded into the reason.

#include <mutex>
#include <optional>

#include "client_core.hpp"
#include "flag_index.hpp"

namespace hotstate {

namespace {

// The `record` operator reads the same state the flag came from: one consistent revision.
class StateRecords final : public eval::RecordSource {
 public:
  explicit StateRecords(const client::State& state) : state_(state) {}
  std::span<const std::uint8_t> find(std::string_view collection, std::string_view key) const override {
    const Record* record = state_.find(collection, key);
    return record ? std::span<const std::uint8_t>(record->value) : std::span<const std::uint8_t>();
  }

 private:
  const client::State& state_;
};

FlagReason public_reason(eval::Reason reason) {
  switch (reason) {
    case eval::Reason::Static: return FlagReason::Static;
    case eval::Reason::Default: return FlagReason::Default;
    case eval::Reason::TargetingMatch: return FlagReason::TargetingMatch;
    case eval::Reason::Split: return FlagReason::Split;
    case eval::Reason::Disabled: return FlagReason::Disabled;
    case eval::Reason::Error: return FlagReason::Error;
    case eval::Reason::Stale: return FlagReason::Stale;
    case eval::Reason::Cached: return FlagReason::Cached;
    case eval::Reason::Unknown: return FlagReason::Unknown;
  }
  return FlagReason::Unknown;
}

FlagErrorCode public_error(eval::ErrorCode code) {
  switch (code) {
    case eval::ErrorCode::None: return FlagErrorCode::None;
    case eval::ErrorCode::FlagNotFound: return FlagErrorCode::FlagNotFound;
    case eval::ErrorCode::ParseError: return FlagErrorCode::ParseError;
    case eval::ErrorCode::TypeMismatch: return FlagErrorCode::TypeMismatch;
    case eval::ErrorCode::TargetingKeyMissing: return FlagErrorCode::TargetingKeyMissing;
    case eval::ErrorCode::InvalidContext: return FlagErrorCode::InvalidContext;
    case eval::ErrorCode::General: return FlagErrorCode::General;
  }
  return FlagErrorCode::General;
}

FlagEvaluation failure(FlagErrorCode code, std::string message) {
  FlagEvaluation out;
  out.reason = FlagReason::Error;
  out.error = code;
  out.error_message = std::move(message);
  return out;
}

// A successful evaluation on a replica that is not live says so (OpenFeature's STALE and
// CACHED); DISABLED and errors keep their own reason.
bool resolved(FlagReason reason) {
  return reason == FlagReason::Static || reason == FlagReason::Default || reason == FlagReason::TargetingMatch ||
         reason == FlagReason::Split;
}

// Two evaluations a change listener tells apart.
bool same_result(const FlagEvaluation& a, const FlagEvaluation& b) {
  return a.error == b.error && a.has_value() == b.has_value() && a.variant() == b.variant() && a.json() == b.json();
}

}  // namespace

FlagEvaluation Client::Core::evaluate(std::string_view collection, std::string_view key, const EvalContext& context,
                                      eval::ValueType expected) const {
  const client::State& current = cell.current();
  using client::Freshness;
  Freshness fresh = board.freshness();
  if (fresh == Freshness::NotReady && current.epoch == 0)
    return failure(FlagErrorCode::ProviderNotReady,
                   "the replica holds no state yet (no server reached, no offline cache)");
  const client::FlagSet* set = current.flags ? current.flags->find(collection) : nullptr;
  if (!set)
    return failure(FlagErrorCode::General, "\"" + std::string(collection) +
                                               "\" is not one of this client's flag collections "
                                               "(ClientOptions::flag_collections)");
  const client::FlagPtr* flag = set->find(key);
  if (!flag)
    return failure(FlagErrorCode::FlagNotFound,
                   "no flag \"" + std::string(key) + "\" in collection \"" + std::string(collection) + "\"");
  StateRecords records(current);
  eval::Resolution resolution = (*flag)->evaluate(context.impl(), &records, expected);
  // flagd truncates a number to an integer; here 2.5 is no integer, as for typed reads.
  if (expected == eval::ValueType::Integer && resolution.variant && !resolution.variant->integral) {
    resolution.error_message = "flag \"" + std::string(key) + "\": variant \"" + resolution.variant->name +
                               "\" is " + resolution.variant->json + ", not an integer";
    resolution.variant = nullptr;
    resolution.reason = eval::Reason::Error;
    resolution.error = eval::ErrorCode::TypeMismatch;
  }
  FlagEvaluation out(*flag, resolution.variant);
  out.reason = public_reason(resolution.reason);
  out.error = public_error(resolution.error);
  out.error_message = std::move(resolution.error_message);
  if (out.error == FlagErrorCode::None && fresh != Freshness::Live && resolved(out.reason))
    out.reason = fresh == Freshness::Cached ? FlagReason::Cached : FlagReason::Stale;
  return out;
}

namespace {

eval::ValueType engine_type(ExpectedType expected) {
  switch (expected) {
    case ExpectedType::Any: return eval::ValueType::Any;
    case ExpectedType::Bool: return eval::ValueType::Bool;
    case ExpectedType::String: return eval::ValueType::String;
    case ExpectedType::Integer: return eval::ValueType::Integer;
    case ExpectedType::Double: return eval::ValueType::Float;
    case ExpectedType::Object: return eval::ValueType::Object;
  }
  return eval::ValueType::Any;
}

}  // namespace

FlagEvaluation Client::evaluate(std::string_view collection, std::string_view key, const EvalContext& context,
                                ExpectedType expected) const {
  // After close() an evaluation is the fallback with GENERAL, as hs_evaluate's result says.
  if (closed_.load(std::memory_order_acquire)) [[unlikely]] {
    FlagEvaluation closed;
    closed.reason = FlagReason::Error;
    closed.error = FlagErrorCode::General;
    closed.error_message = "the client is closed";
    return closed;
  }
  return core().evaluate(collection, key, context, engine_type(expected));
}

FlagDetails<bool> Client::evaluate_bool(std::string_view collection, std::string_view key, bool fallback,
                                        const EvalContext& context) const {
  FlagDetails<bool> out{fallback, evaluate(collection, key, context, ExpectedType::Bool)};
  if (out.details.has_value()) out.value = out.details.bool_value();
  return out;
}

FlagDetails<std::string> Client::evaluate_string(std::string_view collection, std::string_view key,
                                                 std::string fallback, const EvalContext& context) const {
  FlagDetails<std::string> out{std::move(fallback), evaluate(collection, key, context, ExpectedType::String)};
  if (out.details.has_value()) out.value = out.details.string_value();
  return out;
}

FlagDetails<std::int64_t> Client::evaluate_int(std::string_view collection, std::string_view key,
                                               std::int64_t fallback, const EvalContext& context) const {
  FlagDetails<std::int64_t> out{fallback, evaluate(collection, key, context, ExpectedType::Integer)};
  if (out.details.has_value()) out.value = out.details.int_value();
  return out;
}

FlagDetails<double> Client::evaluate_double(std::string_view collection, std::string_view key, double fallback,
                                            const EvalContext& context) const {
  FlagDetails<double> out{fallback, evaluate(collection, key, context, ExpectedType::Double)};
  if (out.details.has_value()) out.value = out.details.number_value();
  return out;
}

FlagDetails<std::string> Client::evaluate_object(std::string_view collection, std::string_view key,
                                                 std::string fallback_json, const EvalContext& context) const {
  FlagDetails<std::string> out{std::move(fallback_json), evaluate(collection, key, context, ExpectedType::Object)};
  if (out.details.has_value()) out.value = out.details.json();
  return out;
}

SubscriptionId Client::on_flag_change(std::string collection, std::string key, EvalContext context,
                                      FlagChangeCallback callback) {
  check_open();
  if (!callback) throw ClientError(ErrorCode::InvalidArgument, "on_flag_change needs a callback");
  struct Watch {
    std::string collection, key;
    EvalContext context;
    FlagChangeCallback callback;
    std::mutex mutex;  // the starting point may be taken by either thread (below)
    std::optional<FlagEvaluation> last;
  };
  auto watch = std::make_shared<Watch>();
  watch->collection = std::move(collection);
  watch->key = std::move(key);
  watch->context = std::move(context);
  watch->callback = std::move(callback);
  // Registered first, then the starting point taken: a change published in between is
  // either in the starting point or delivered to the subscription (never lost between
  // them). Whichever evaluation comes first is the starting point, without a call.
  // Any change may matter: the flag's own record, the `$evaluators` it uses, or a record
  // its rule reads with the `record` operator; re-evaluating costs far less than the
  // change that triggered it. The client outlives its subscriptions (close() ends them).
  auto id = core().dispatcher->add_change(ChangeFilter{}, [this, watch](const ChangeBatch&) {
    // The core's evaluation: while close() runs, "closed" is no change of the flag.
    FlagEvaluation now = core().evaluate(watch->collection, watch->key, watch->context, eval::ValueType::Any);
    {
      std::lock_guard lock(watch->mutex);
      bool first = !watch->last;
      if (!first && same_result(now, *watch->last)) return;
      watch->last = now;
      if (first) return;
    }
    watch->callback(now);
  });
  FlagEvaluation start = evaluate(watch->collection, watch->key, watch->context);
  std::lock_guard lock(watch->mutex);
  if (!watch->last) watch->last = std::move(start);
  return id;
}

std::vector<FlagProblem> Client::flag_problems() const {
  check_open();
  client::StatePtr current = core().cell.current_shared();
  return current->flags ? current->flags->problem_list() : std::vector<FlagProblem>{};
}

}  // namespace hotstate
