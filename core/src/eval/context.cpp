#include "eval/context.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "eval/context_impl.hpp"
#include "hotstate/value.hpp"
#include "value/json_parse.hpp"

namespace hotstate::eval {
namespace {

constexpr std::string_view kTargetingKey = "targetingKey";

boost::json::value parse(std::string_view json, const char* what) {
  boost::json::error_code ec;
  auto value = parse_json_exact(json, kMaxJsonDepth, ec);
  if (ec == boost::json::error::too_deep)
    throw std::invalid_argument(std::string(what) + " is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  if (ec) throw std::invalid_argument(std::string(what) + " is not valid JSON: " + ec.message());
  return value;
}

}  // namespace

Context::Context() : impl_(std::make_unique<Impl>()) {}
Context::~Context() = default;
Context::Context(const Context& other) : impl_(std::make_unique<Impl>()) { *this = other; }
Context& Context::operator=(const Context& other) {
  if (this == &other) return *this;
  impl_->used = 0;
  for (std::size_t i = 0; i < other.impl_->used; ++i) {
    const auto& from = other.impl_->attributes[i];
    impl_->slot(from.key).value = from.value;
  }
  return *this;
}
// A moved-from Context is empty, not broken.
Context::Context(Context&& other) noexcept : impl_(std::make_unique<Impl>()) { impl_.swap(other.impl_); }
Context& Context::operator=(Context&& other) noexcept {
  impl_.swap(other.impl_);
  other.impl_->used = 0;
  return *this;
}

Context Context::from_json(std::string_view json) {
  auto value = parse(json, "the context");
  if (!value.is_object()) throw std::invalid_argument("the context must be a JSON object");
  Context context;
  for (auto& member : value.get_object())
    context.impl_->slot(std::string_view(member.key().data(), member.key().size())).value = std::move(member.value());
  return context;
}

namespace {
void set(Context::Impl& impl, std::string_view key, boost::json::value value) { impl.slot(key).value = std::move(value); }
}  // namespace

void Context::set_targeting_key(std::string_view value) { set_string(kTargetingKey, value); }
void Context::set_null(std::string_view key) { set(*impl_, key, nullptr); }
void Context::set_bool(std::string_view key, bool value) { set(*impl_, key, value); }
void Context::set_int(std::string_view key, std::int64_t value) { set(*impl_, key, value); }
void Context::set_number(std::string_view key, double value) { set(*impl_, key, value); }
void Context::set_string(std::string_view key, std::string_view value) {
  auto& slot = impl_->slot(key).value;
  if (slot.is_string())
    slot.get_string().assign(value.data(), value.size());  // the kept storage, when it fits
  else
    slot = boost::json::string(value.data(), value.size());
}
void Context::set_json(std::string_view key, std::string_view json) {
  // Parsed before anything changes: a bad value leaves the context as it was.
  set(*impl_, key, parse(json, "the attribute's value"));
}

bool Context::erase(std::string_view key) {
  auto& attributes = impl_->attributes;
  for (std::size_t i = 0; i < impl_->used; ++i)
    if (attributes[i].key == key) {
      // Keep the order of the rest; the erased slot moves past `used`, for reuse.
      std::rotate(attributes.begin() + static_cast<std::ptrdiff_t>(i),
                  attributes.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                  attributes.begin() + static_cast<std::ptrdiff_t>(impl_->used));
      --impl_->used;
      return true;
    }
  return false;
}

void Context::clear() { impl_->used = 0; }

bool Context::has_targeting_key() const {
  const auto* a = impl_->find(kTargetingKey);
  return a != nullptr && a->value.is_string();
}

std::string_view Context::targeting_key() const {
  const auto* a = impl_->find(kTargetingKey);
  if (a == nullptr || !a->value.is_string()) return {};
  const auto& s = a->value.get_string();
  return {s.data(), s.size()};
}

std::size_t Context::size() const { return impl_->used; }

}  // namespace hotstate::eval
