#include "eval/compiler.hpp"

#include <array>
#include <cmath>
#include <utility>
#include <vector>

#include "eval/evaluator.hpp"
#include "eval/js_semantics.hpp"
#include "eval/to_json.hpp"

namespace hotstate::eval {
namespace {

struct OpName {
  std::string_view name;
  Op op;
};
constexpr std::array kOperators{
    OpName{"var", Op::Var},           OpName{"missing", Op::Missing},       OpName{"missing_some", Op::MissingSome},
    OpName{"if", Op::If},             OpName{"?:", Op::If},                 OpName{"and", Op::And},
    OpName{"or", Op::Or},             OpName{"!", Op::Not},                 OpName{"!!", Op::NotNot},
    OpName{"==", Op::Equal},          OpName{"===", Op::StrictEqual},       OpName{"!=", Op::NotEqual},
    OpName{"!==", Op::StrictNotEqual}, OpName{"<", Op::Less},               OpName{"<=", Op::LessOrEqual},
    OpName{">", Op::Greater},         OpName{">=", Op::GreaterOrEqual},     OpName{"max", Op::Max},
    OpName{"min", Op::Min},           OpName{"+", Op::Add},                 OpName{"-", Op::Subtract},
    OpName{"*", Op::Multiply},        OpName{"/", Op::Divide},              OpName{"%", Op::Modulo},
    OpName{"merge", Op::Merge},       OpName{"in", Op::In},                 OpName{"cat", Op::Cat},
    OpName{"substr", Op::Substr},     OpName{"log", Op::Log},               OpName{"map", Op::Map},
    OpName{"filter", Op::Filter},     OpName{"reduce", Op::Reduce},         OpName{"all", Op::All},
    OpName{"none", Op::None},         OpName{"some", Op::Some},             OpName{"fractional", Op::Fractional},
    OpName{"sem_ver", Op::SemVer},    OpName{"starts_with", Op::StartsWith}, OpName{"ends_with", Op::EndsWith},
    OpName{"record", Op::Record},
};

// Operators whose result depends on their arguments alone: with constant arguments they
// are computed once, here. The others read the data, the clock or other records.
bool is_pure(Op op) {
  switch (op) {
    case Op::Var:
    case Op::Missing:
    case Op::MissingSome:
    case Op::Fractional:
    case Op::Record: return false;
    default: return true;
  }
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '.') {
      segments.emplace_back(path.substr(start, i - start));
      start = i + 1;
    }
  return segments;
}

class Compiler {
 public:
  Compiler(Program& program, std::string& error) : p_(program), error_(error) {}

  std::uint32_t compile(const boost::json::value& v, std::string& where, std::size_t depth) {
    if (depth > kMaxRuleDepth) return fail("the rule is nested deeper than " + std::to_string(kMaxRuleDepth) +
                                           " levels at " + location(where));
    if (p_.nodes.size() >= kMaxRuleNodes)
      return fail("the rule has more than " + std::to_string(kMaxRuleNodes) + " operators and values");
    if (v.is_array()) return compile_array(v.get_array(), where, depth);
    if (v.is_object() && v.get_object().size() == 1) return compile_operation(*v.get_object().begin(), where, depth);
    // Scalars, and objects that are not operations ({} or several keys), are literals.
    return add_const(Val::json(v));
  }

 private:
  std::uint32_t fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return kNoIndex;
  }
  static std::string location(const std::string& where) { return where.empty() ? "the top level" : where; }

  std::uint32_t add_const(Val value) {
    Node node;
    node.constant = value;
    p_.nodes.push_back(node);
    return static_cast<std::uint32_t>(p_.nodes.size() - 1);
  }
  const Node& node(std::uint32_t index) const { return p_.nodes[index]; }
  bool is_const(std::uint32_t index) const { return node(index).op == Op::Const; }
  Val const_arg(const Node& n, std::uint32_t i) const { return node(p_.arg(n, i)).constant; }

  // Compiles each element of `items` as an argument; false on error.
  bool compile_args(const boost::json::array& items, std::string& where, std::size_t depth,
                    std::vector<std::uint32_t>& out) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto mark = where.size();
      where += "/" + std::to_string(i);
      auto index = compile(items[i], where, depth + 1);
      where.resize(mark);
      if (index == kNoIndex) return false;
      out.push_back(index);
    }
    return true;
  }

  std::uint32_t add_node(Op op, const std::vector<std::uint32_t>& args) {
    Node n;
    n.op = op;
    n.first_arg = static_cast<std::uint32_t>(p_.args.size());
    n.arg_count = static_cast<std::uint32_t>(args.size());
    p_.args.insert(p_.args.end(), args.begin(), args.end());
    p_.nodes.push_back(n);
    return static_cast<std::uint32_t>(p_.nodes.size() - 1);
  }

  std::uint32_t compile_array(const boost::json::array& items, std::string& where, std::size_t depth) {
    std::vector<std::uint32_t> args;
    if (!compile_args(items, where, depth, args)) return kNoIndex;
    return fold(add_node(Op::ArrayLit, args));
  }

  std::uint32_t compile_operation(const boost::json::key_value_pair& member, std::string& where, std::size_t depth) {
    std::string_view name(member.key().data(), member.key().size());
    auto mark = where.size();
    where += "/" + std::string(name);
    std::uint32_t result = compile_named(name, member.value(), where, depth);
    where.resize(mark);
    return result;
  }

  std::uint32_t compile_named(std::string_view name, const boost::json::value& value, std::string& where,
                              std::size_t depth) {
    const OpName* found = nullptr;
    for (const auto& candidate : kOperators)
      if (candidate.name == name) found = &candidate;
    if (found == nullptr) {
      if (name == "method") return fail("operator \"method\" at " + where + " is not supported (it would call host methods)");
      if (name == "$ref") return fail("a $ref at " + where + " was not substituted (no $evaluators given)");
      return fail("unknown operator \"" + std::string(name) + "\" at " + where);
    }
    // A single argument may be given bare: {"var": "a"} is {"var": ["a"]}.
    std::vector<std::uint32_t> args;
    if (value.is_array()) {
      if (!compile_args(value.get_array(), where, depth, args)) return kNoIndex;
    } else {
      auto arg = compile(value, where, depth + 1);
      if (arg == kNoIndex) return kNoIndex;
      args.push_back(arg);
    }
    if (found->op == Op::Multiply && args.empty())
      return fail("\"*\" at " + where + " needs at least one argument");
    std::uint32_t index = add_node(found->op, args);
    switch (found->op) {
      case Op::Var: prepare_var(index); break;
      case Op::Fractional: prepare_fractional(index); break;
      case Op::SemVer: return prepare_sem_ver(index);
      case Op::Record: prepare_record(index); break;
      default: break;
    }
    return fold(index);
  }

  // A constant path is split once: "a.b" -> a, b (null, "" or no argument: the whole data).
  void prepare_var(std::uint32_t index) {
    Node& n = p_.nodes[index];
    if (n.arg_count == 0) {
      n.aux = add_path({});
      return;
    }
    if (!is_const(p_.arg(n, 0))) {
      p_.reads_time = true;  // a computed path may name $flagd.timestamp
      return;
    }
    Val key = const_arg(n, 0);
    if (key.is(Val::Kind::Array) || key.is(Val::Kind::Object)) return;  // rare: left to run time
    std::vector<std::string> segments;
    if (!key.is_nullish() && !(key.is(Val::Kind::String) && key.as_string().empty())) {
      ScratchScope scope;
      segments = split_path(js_to_string(key, scope.arena()));
    }
    if (!segments.empty() && segments[0] == "$flagd" && (segments.size() == 1 || segments[1] == "timestamp"))
      p_.reads_time = true;
    p_.nodes[index].aux = add_path(std::move(segments));
  }

  std::uint32_t add_path(std::vector<std::string> segments) {
    p_.paths.push_back(Path{std::move(segments)});
    return static_cast<std::uint32_t>(p_.paths.size() - 1);
  }

  // fractional: a first argument that is not a bucket (an array) is the bucketing value.
  // Constant buckets are summed up once; anything else is left to run time (where bad
  // buckets make the result null).
  void prepare_fractional(std::uint32_t index) {
    FractionalPlan plan;
    const Node& n = node(index);
    std::uint32_t first = 0;
    if (n.arg_count > 0) {
      const Node& head = node(p_.arg(n, 0));
      bool is_bucket = head.op == Op::ArrayLit || (head.op == Op::Const && head.constant.is(Val::Kind::Array));
      plan.has_bucketing_expression = !is_bucket;
      first = is_bucket ? 0 : 1;
    }
    std::vector<Val> names;
    std::vector<std::uint64_t> sums;
    std::uint64_t total = 0;
    bool constant = n.arg_count > first;
    for (std::uint32_t i = first; i < n.arg_count && constant; ++i) {
      Val bucket = is_const(p_.arg(n, i)) ? const_arg(n, i) : Val();
      if (!bucket.is(Val::Kind::Array) || bucket.array_size() == 0) {
        constant = false;
        break;
      }
      double weight = 1;
      if (bucket.array_size() >= 2) {
        Val w = bucket.at(1);
        if (!w.is(Val::Kind::Number) || std::isnan(w.as_number()) || std::fabs(w.as_number()) > 4e9) {
          constant = false;
          break;
        }
        weight = std::trunc(w.as_number());
      }
      if (weight > 0) total += static_cast<std::uint64_t>(weight);
      names.push_back(bucket.at(0));
      sums.push_back(total);
    }
    if (constant && total > 0 && total <= 0xFFFFFFFFu) {
      plan.names = std::move(names);
      plan.running_sums = std::move(sums);
      plan.total_weight = total;
    }
    p_.fractional_plans.push_back(std::move(plan));
    p_.nodes[index].aux = static_cast<std::uint32_t>(p_.fractional_plans.size() - 1);
  }

  // sem_ver with a constant operator and target: parsed once. When either is invalid the
  // result is null whatever the version, so the node is that constant.
  std::uint32_t prepare_sem_ver(std::uint32_t index) {
    const Node& n = node(index);
    if (n.arg_count != 3) return fold(index);
    if (!is_const(p_.arg(n, 1)) || !is_const(p_.arg(n, 2))) return fold(index);
    Val op = const_arg(n, 1), target = const_arg(n, 2);
    std::optional<SemVerOp> parsed_op;
    std::optional<SemVer> parsed_target;
    if (op.is(Val::Kind::String)) parsed_op = parse_semver_op(op.as_string());
    if (target.is(Val::Kind::String)) parsed_target = parse_semver(target.as_string());
    if (!parsed_op || !parsed_target) {
      p_.nodes[index] = Node{};
      p_.nodes[index].constant = Val::null();
      return index;
    }
    p_.semver_plans.push_back(SemVerPlan{*parsed_op, *parsed_target});
    p_.nodes[index].aux = static_cast<std::uint32_t>(p_.semver_plans.size() - 1);
    return fold(index);
  }

  void prepare_record(std::uint32_t index) {
    p_.reads_records = true;
    const Node& n = node(index);
    if (n.arg_count == 2) {
      p_.nodes[index].aux = add_path({});
    } else if (n.arg_count == 3 && is_const(p_.arg(n, 2))) {
      Val path = const_arg(n, 2);
      if (path.is_nullish() || (path.is(Val::Kind::String) && path.as_string().empty()))
        p_.nodes[index].aux = add_path({});
      else if (path.is(Val::Kind::String))
        p_.nodes[index].aux = add_path(split_path(path.as_string()));
    }
  }

  // A pure operation on constants is replaced by its result.
  std::uint32_t fold(std::uint32_t index) {
    const Node& n = node(index);
    if (!is_pure(n.op)) return index;
    for (std::uint32_t i = 0; i < n.arg_count; ++i)
      if (!is_const(p_.arg(n, i))) return index;
    try {
      ScratchScope scope;
      Evaluator evaluator(p_, Val::null(), nullptr, scope.arena());
      Val result = evaluator.eval(index, Val::null());
      Val stored = result.is(Val::Kind::Undefined) ? Val() : Val::json(p_.owned.emplace_back(to_json(result)));
      Node folded;
      folded.constant = stored;
      p_.nodes[index] = folded;
    } catch (const EvalLimitError&) {
      // Too big to keep as a constant: computed at each evaluation (and failing there).
    }
    return index;
  }

  Program& p_;
  std::string& error_;
};

}  // namespace

std::unique_ptr<Program> compile_rule(const boost::json::value& rule, std::string_view flag_key, std::string& error) {
  error.clear();
  auto program = std::make_unique<Program>();
  program->flag_key = std::string(flag_key);
  // Constants view the program's own copy of the rule.
  const auto& owned_rule = program->owned.emplace_back(rule);
  Compiler compiler(*program, error);
  std::string where;
  auto root = compiler.compile(owned_rule, where, 0);
  if (root == kNoIndex) return nullptr;
  program->root = root;
  return program;
}

}  // namespace hotstate::eval
