#pragma once
// A compiled JsonLogic rule: a flat array of nodes (operator + argument node indices),
// with `var` paths split once, constant sub-expressions folded, and the inputs of flagd's
// operators prepared (fractional's buckets, sem_ver's target version). Immutable after
// compile; every view in it points into storage it owns and never moves.

#include <boost/json/value.hpp>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "eval/semver.hpp"
#include "eval/value.hpp"

namespace hotstate::eval {

enum class Op : std::uint8_t {
  Const,       // a literal (or folded) value
  ArrayLit,    // an array whose elements are expressions
  Var,
  Missing,
  MissingSome,
  If,          // also "?:"
  And,
  Or,
  Not,
  NotNot,
  Equal,
  StrictEqual,
  NotEqual,
  StrictNotEqual,
  Less,
  LessOrEqual,
  Greater,
  GreaterOrEqual,
  Max,
  Min,
  Add,
  Subtract,
  Multiply,
  Divide,
  Modulo,
  Merge,
  In,
  Cat,
  Substr,
  Log,
  Map,
  Filter,
  Reduce,
  All,
  None,
  Some,
  Fractional,
  SemVer,
  StartsWith,
  EndsWith,
  Record,
};

inline constexpr std::uint32_t kNoIndex = std::numeric_limits<std::uint32_t>::max();

struct Node {
  Op op = Op::Const;
  std::uint32_t first_arg = 0;  // into Program::args
  std::uint32_t arg_count = 0;
  std::uint32_t aux = kNoIndex;  // Var/Record: a path in Program::paths; Fractional, SemVer: a plan
  Val constant;                  // Op::Const
};

// A dotted path, split at compile time ("a.b.0" -> a, b, 0). Empty: the whole data.
struct Path {
  std::vector<std::string> segments;
};

// fractional with constant buckets: names and running weight sums, ready to search.
struct FractionalPlan {
  bool has_bucketing_expression = false;  // args[0] is the bucketing value, not a bucket
  std::vector<Val> names;                 // empty when the buckets are not constant
  std::vector<std::uint64_t> running_sums;
  std::uint64_t total_weight = 0;
};

// sem_ver with a constant operator and target version.
struct SemVerPlan {
  SemVerOp op = SemVerOp::Equal;
  SemVer target;
};

struct Program {
  std::vector<Node> nodes;
  std::vector<std::uint32_t> args;
  std::vector<Path> paths;
  std::vector<FractionalPlan> fractional_plans;
  std::vector<SemVerPlan> semver_plans;
  // Owned JSON that constants view: the rule itself and folded results (a deque: growing
  // it never moves an element, so views stay valid).
  std::deque<boost::json::value> owned;
  std::deque<std::string> owned_strings;
  std::uint32_t root = 0;
  std::string flag_key;  // fractional's default bucketing prefix, `$flagd.flagKey`
  bool reads_time = false;
  bool reads_records = false;

  std::uint32_t arg(const Node& node, std::uint32_t i) const { return args[node.first_arg + i]; }
};

}  // namespace hotstate::eval
