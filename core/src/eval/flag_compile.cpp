// CompiledFlag::compile: a flagd flag definition checked against the flag schema
// (open-feature/flagd-schemas json/flags.json), its variants kept in every form callers
// read, its targeting compiled. A bad definition still yields a flag: one whose
// compile_error() says what is wrong, and that evaluates to a PARSE_ERROR.

#include <cmath>
#include <limits>

#include <boost/json/serialize.hpp>

#include "eval/compiler.hpp"
#include "eval/flag_impl.hpp"
#include "eval/refs.hpp"
#include "hotstate/value.hpp"

namespace hotstate::eval {
namespace {

ValueType kind_of(const boost::json::value& v) {
  if (v.is_bool()) return ValueType::Bool;
  if (v.is_string()) return ValueType::String;
  if (v.is_number()) return ValueType::Float;
  if (v.is_object()) return ValueType::Object;
  return ValueType::Any;  // null and arrays: not a variant value in flagd's schema
}

void fill_number(Variant& variant, const boost::json::value& v) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (v.is_int64()) {
    variant.integral = true;
    variant.int_value = v.get_int64();
    variant.number_value = static_cast<double>(variant.int_value);
  } else if (v.is_uint64()) {
    variant.number_value = static_cast<double>(v.get_uint64());
    variant.integral = v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (variant.integral) variant.int_value = static_cast<std::int64_t>(v.get_uint64());
  } else {
    double d = v.get_double();
    variant.number_value = d;
    // Integer requests of a fractional number truncate, as flagd's int64(value) does.
    if (std::isfinite(d) && d >= -kTwo63 && d < kTwo63) {
      variant.int_value = static_cast<std::int64_t>(d);
      variant.integral = std::trunc(d) == d;
    }
  }
}

Variant make_variant(std::string name, const boost::json::value& v) {
  Variant variant;
  variant.name = std::move(name);
  variant.type = kind_of(v);
  if (v.is_bool()) variant.bool_value = v.get_bool();
  if (v.is_string()) variant.string_value.assign(v.get_string().data(), v.get_string().size());
  if (v.is_number()) fill_number(variant, v);
  variant.flex = json_to_flex(boost::json::serialize(v));
  variant.json = flex_to_json(variant.flex);
  return variant;
}

class FlagCompiler {
 public:
  FlagCompiler(CompiledFlag::Impl& flag, const FlagSetShared& shared) : flag_(flag), shared_(shared.impl()) {}

  // False with flag_.compile_error set at the first problem.
  bool run(const boost::json::value& definition) {
    if (!definition.is_object()) return fail("the definition must be an object");
    const auto& def = definition.get_object();
    return read_state(def) && read_variants(def) && read_default(def) && read_metadata_of(def) && read_targeting(def);
  }

 private:
  bool fail(std::string message) {
    flag_.compile_error = "flag \"" + flag_.key + "\": " + std::move(message);
    return false;
  }

  bool read_state(const boost::json::object& def) {
    const auto* state = def.if_contains("state");
    if (state == nullptr) return fail("\"state\" is required (ENABLED or DISABLED)");
    if (*state == "ENABLED") flag_.enabled = true;
    else if (*state != "DISABLED") return fail("\"state\" must be \"ENABLED\" or \"DISABLED\"");
    return true;
  }

  bool read_variants(const boost::json::object& def) {
    const auto* variants = def.if_contains("variants");
    if (variants == nullptr) return fail("\"variants\" is required");
    if (!variants->is_object() || variants->get_object().empty())
      return fail("\"variants\" must be an object with at least one variant");
    for (const auto& member : variants->get_object()) {
      std::string name(member.key().data(), member.key().size());
      ValueType type = kind_of(member.value());
      if (type == ValueType::Any)
        return fail("variant \"" + name + "\" must be a boolean, string, number or object");
      if (flag_.type == ValueType::Any) flag_.type = type;
      if (type != flag_.type)
        return fail("variant \"" + name + "\" is a " + variant_type_name(type) + " but \"" +
                    flag_.variants.front().name + "\" is a " + variant_type_name(flag_.type) +
                    "; all variants must have one type");
      try {
        flag_.variants.push_back(make_variant(std::move(name), member.value()));
      } catch (const ValueError& e) {
        return fail("variant \"" + std::string(member.key()) + "\": " + e.what());
      }
    }
    return true;
  }

  bool read_default(const boost::json::object& def) {
    const auto* value = def.if_contains("defaultVariant");
    if (value == nullptr || value->is_null()) return true;  // the caller's default applies
    if (!value->is_string()) return fail("\"defaultVariant\" must be a variant's name or null");
    std::string_view name(value->get_string().data(), value->get_string().size());
    for (std::size_t i = 0; i < flag_.variants.size(); ++i)
      if (flag_.variants[i].name == name) {
        flag_.default_index = i;
        return true;
      }
    return fail("\"defaultVariant\" \"" + std::string(name) + "\" is not one of its variants");
  }

  // The set's metadata, overridden by the flag's own (flagd's rule).
  bool read_metadata_of(const boost::json::object& def) {
    flag_.metadata = shared_.metadata;
    if (const auto* own = def.if_contains("metadata")) {
      std::string error;
      if (!read_metadata(*own, flag_.metadata, error)) return fail(error);
    }
    flag_.metadata_json = metadata_to_json(flag_.metadata);
    return true;
  }

  bool read_targeting(const boost::json::object& def) {
    const auto* targeting = def.if_contains("targeting");
    if (targeting == nullptr) return true;
    if (!targeting->is_object()) return fail("\"targeting\" must be a JsonLogic object");
    if (targeting->get_object().empty()) return true;  // {} means no targeting
    boost::json::value rule = *targeting;
    std::string error;
    if (!substitute_refs(rule, shared_.evaluators, error)) return fail("targeting: " + error);
    flag_.targeting = compile_rule(rule, flag_.key, error);
    if (!flag_.targeting) return fail("targeting: " + error);
    return true;
  }

  CompiledFlag::Impl& flag_;
  const FlagSetShared::Impl& shared_;
};

}  // namespace

std::shared_ptr<const CompiledFlag> CompiledFlag::compile(std::string_view key, const boost::json::value& definition,
                                                          const FlagSetShared& shared) {
  auto impl = std::make_unique<Impl>();
  impl->key = std::string(key);
  if (!FlagCompiler(*impl, shared).run(definition)) {
    // A flag that did not compile offers nothing but its error.
    auto failed = std::make_unique<Impl>();
    failed->key = std::move(impl->key);
    failed->compile_error = std::move(impl->compile_error);
    failed->metadata_json = "{}";
    impl = std::move(failed);
  }
  return std::make_shared<const CompiledFlag>(std::move(impl));
}

CompiledFlag::CompiledFlag(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CompiledFlag::~CompiledFlag() = default;

const std::string& CompiledFlag::key() const { return impl_->key; }
const std::string& CompiledFlag::compile_error() const { return impl_->compile_error; }
bool CompiledFlag::enabled() const { return impl_->enabled; }
ValueType CompiledFlag::type() const { return impl_->type; }
const std::vector<Variant>& CompiledFlag::variants() const { return impl_->variants; }
const Variant* CompiledFlag::default_variant() const { return impl_->default_variant(); }
const std::string& CompiledFlag::metadata_json() const { return impl_->metadata_json; }
const std::vector<CompiledFlag::MetadataEntry>& CompiledFlag::metadata() const { return impl_->metadata; }
bool CompiledFlag::reads_time() const { return impl_->targeting && impl_->targeting->reads_time; }
bool CompiledFlag::reads_records() const { return impl_->targeting && impl_->targeting->reads_records; }

}  // namespace hotstate::eval
