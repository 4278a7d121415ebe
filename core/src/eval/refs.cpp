#include "eval/refs.hpp"

#include <algorithm>
#include <vector>

namespace hotstate::eval {
namespace {

// Evaluators referring to evaluators: deeper than this is a mistake, not a rule.
constexpr std::size_t kMaxRefNesting = 32;

class RefSubstitution {
 public:
  RefSubstitution(const boost::json::object& evaluators, std::string& error)
      : evaluators_(evaluators), error_(error) {}

  bool run(boost::json::value& v) {
    if (v.is_array()) {
      for (auto& item : v.get_array())
        if (!run(item)) return false;
      return true;
    }
    if (!v.is_object()) return true;
    auto& object = v.get_object();
    if (object.size() == 1 && object.begin()->key() == "$ref") return replace(v);
    for (auto& member : object)
      if (!run(member.value())) return false;
    return true;
  }

 private:
  bool replace(boost::json::value& v) {
    const auto& name_value = v.get_object().begin()->value();
    if (!name_value.is_string()) return fail("a $ref must name an evaluator (a string)");
    std::string name(name_value.get_string().data(), name_value.get_string().size());
    auto it = evaluators_.find(name);
    if (it == evaluators_.end()) return fail("$ref \"" + name + "\" names no evaluator in $evaluators");
    if (std::find(active_.begin(), active_.end(), name) != active_.end())
      return fail("$ref \"" + name + "\" refers to itself through $evaluators");
    if (active_.size() >= kMaxRefNesting) return fail("$refs are nested deeper than 32 evaluators");
    boost::json::value replacement = it->value();
    active_.push_back(name);
    bool ok = run(replacement);
    active_.pop_back();
    if (ok) v = std::move(replacement);
    return ok;
  }

  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  const boost::json::object& evaluators_;
  std::string& error_;
  std::vector<std::string> active_;
};

}  // namespace

bool substitute_refs(boost::json::value& rule, const boost::json::object& evaluators, std::string& error) {
  return RefSubstitution(evaluators, error).run(rule);
}

}  // namespace hotstate::eval
