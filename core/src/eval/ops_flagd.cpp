// flagd's operators: fractional, sem_ver, starts_with, ends_with. Bad input (a wrong
// argument count, a value of the wrong type, an invalid version) yields null, as in
// flagd, so the flag resolves to its default variant instead of an error.

#include <cmath>
#include <optional>

#include "eval/evaluator.hpp"
#include "eval/murmur3.hpp"

namespace hotstate::eval {
namespace {

// Weights are integers; the sum must keep (hash x total) within 64 bits.
constexpr std::uint64_t kMaxTotalWeight = 0xFFFFFFFFu;

// The bucket `hash` falls in: bucket = hash x total / 2^32, then the first bucket whose
// running weight sum exceeds it.
std::uint32_t pick(std::uint32_t hash, const std::uint64_t* running_sums, std::uint32_t count, std::uint64_t total) {
  std::uint64_t point = (std::uint64_t{hash} * total) >> 32;
  for (std::uint32_t i = 0; i < count; ++i)
    if (point < running_sums[i]) return i;
  return count - 1;  // unreachable: point < total == running_sums[count - 1]
}

// Buckets computed at run time ([name, weight] arrays whose parts may be expressions).
Val pick_dynamic(Evaluator& ev, const Node& node, const Val& data, std::uint32_t first, std::uint32_t hash) {
  std::uint32_t count = node.arg_count - first;
  Val* names = ev.arena.allocate<Val>(count == 0 ? 1 : count);
  auto* sums = ev.arena.allocate<std::uint64_t>(count == 0 ? 1 : count);
  std::uint64_t total = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    Val bucket = ev.arg(node, first + i, data);
    if (!bucket.is(Val::Kind::Array) || bucket.array_size() == 0) return Val::null();
    names[i] = bucket.at(0);
    double weight = 1;
    if (bucket.array_size() >= 2) {
      Val w = bucket.at(1);
      if (!w.is(Val::Kind::Number) || std::isnan(w.as_number())) return Val::null();
      weight = std::trunc(w.as_number());
    }
    if (weight > 0) total += weight >= static_cast<double>(kMaxTotalWeight) ? kMaxTotalWeight + 1 : static_cast<std::uint64_t>(weight);
    if (total > kMaxTotalWeight) return Val::null();
    sums[i] = total;  // a negative weight counts as 0
  }
  if (total == 0) return Val::null();
  return names[pick(hash, sums, count, total)];
}

// More than one bucket can be chosen (constant buckets: more than one with weight).
bool splits_users(const FractionalPlan& plan, const Node& node, std::uint32_t first_bucket) {
  if (plan.names.empty()) return node.arg_count > first_bucket + 1;
  std::size_t weighted = 0;
  for (std::size_t i = 0; i < plan.running_sums.size(); ++i)
    weighted += plan.running_sums[i] > (i ? plan.running_sums[i - 1] : 0);
  return weighted > 1;
}

}  // namespace

Val op_fractional(Evaluator& ev, const Node& node, const Val& data) {
  const FractionalPlan& plan = ev.program.fractional_plans[node.aux];
  std::uint32_t hash = 0, first_bucket = 0;
  if (plan.has_bucketing_expression) {
    Val key = ev.arg(node, 0, data);
    if (!key.is(Val::Kind::String)) return Val::null();  // e.g. a missing attribute
    hash = murmur3_32(key.as_string());
    first_bucket = 1;
  } else {
    // No bucketing value given: the flag key followed by the targeting key. Without a
    // targeting key every such user would land in the same bucket of a real split: no
    // bucket then, and the flag says why (TARGETING_KEY_MISSING) unless the rule goes on
    // to name a variant anyway. A single bucket needs no key (flagd-testbed agrees).
    Val targeting_key = ev.root.get("targetingKey");
    bool has_key = targeting_key.is(Val::Kind::String);
    if (!has_key && splits_users(plan, node, first_bucket)) {
      ev.missing_targeting_key = true;
      return Val::null();
    }
    hash = murmur3_32(ev.program.flag_key, has_key ? targeting_key.as_string() : std::string_view());
  }
  Val chosen;
  if (!plan.names.empty())
    chosen = plan.names[pick(hash, plan.running_sums.data(), static_cast<std::uint32_t>(plan.names.size()),
                             plan.total_weight)];
  else if (node.arg_count > first_bucket)
    chosen = pick_dynamic(ev, node, data, first_bucket, hash);
  else
    return Val::null();
  if (!chosen.is(Val::Kind::Null) && !chosen.is(Val::Kind::Undefined)) ev.split = true;
  return chosen;
}

Val op_sem_ver(Evaluator& ev, const Node& node, const Val& data) {
  if (node.arg_count != 3) return Val::null();
  Val version = ev.arg(node, 0, data);
  if (!version.is(Val::Kind::String)) return Val::null();
  auto parsed = parse_semver(version.as_string());
  if (!parsed) return Val::null();
  if (node.aux != kNoIndex) {
    const SemVerPlan& plan = ev.program.semver_plans[node.aux];
    return Val::boolean(semver_matches(*parsed, plan.op, plan.target));
  }
  Val op = ev.arg(node, 1, data), target = ev.arg(node, 2, data);
  if (!op.is(Val::Kind::String) || !target.is(Val::Kind::String)) return Val::null();
  auto parsed_op = parse_semver_op(op.as_string());
  auto parsed_target = parse_semver(target.as_string());
  if (!parsed_op || !parsed_target) return Val::null();
  return Val::boolean(semver_matches(*parsed, *parsed_op, *parsed_target));
}

Val op_affix(Evaluator& ev, const Node& node, const Val& data) {
  if (node.arg_count != 2) return Val::null();
  Val subject = ev.arg(node, 0, data), affix = ev.arg(node, 1, data);
  if (!subject.is(Val::Kind::String) || !affix.is(Val::Kind::String)) return Val::null();
  auto s = subject.as_string(), a = affix.as_string();
  bool match = s.size() >= a.size() &&
               same_text(node.op == Op::StartsWith ? s.substr(0, a.size()) : s.substr(s.size() - a.size()), a);
  return Val::boolean(match);
}

}  // namespace hotstate::eval
