// hotstate::EvalContext: the public face of eval::Context. Errors become ClientError, as
// everywhere else in the client's API.

#include <stdexcept>

#include "eval/context.hpp"
#include "hotstate/client.hpp"

namespace hotstate {

namespace {

template <class Fn>
void or_invalid_argument(Fn&& fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    throw ClientError(ErrorCode::InvalidArgument, std::string("evaluation context: ") + e.what());
  }
}

}  // namespace

EvalContext::EvalContext() : context_(std::make_unique<eval::Context>()) {}
EvalContext::~EvalContext() = default;
EvalContext::EvalContext(const EvalContext& other) : context_(std::make_unique<eval::Context>(*other.context_)) {}
EvalContext& EvalContext::operator=(const EvalContext& other) {
  if (this != &other) *context_ = *other.context_;
  return *this;
}
// A moved-from context is empty, not null: it stays usable.
EvalContext::EvalContext(EvalContext&& other) noexcept
    : context_(std::make_unique<eval::Context>(std::move(*other.context_))) {}
EvalContext& EvalContext::operator=(EvalContext&& other) noexcept {
  *context_ = std::move(*other.context_);
  return *this;
}

EvalContext EvalContext::from_json(std::string_view json) {
  EvalContext context;
  or_invalid_argument([&] { *context.context_ = eval::Context::from_json(json); });
  return context;
}

const EvalContext& EvalContext::empty() {
  static const EvalContext kEmpty;
  return kEmpty;
}

EvalContext& EvalContext::targeting_key(std::string_view value) {
  context_->set_targeting_key(value);
  return *this;
}

EvalContext& EvalContext::set(std::string_view key, bool value) {
  context_->set_bool(key, value);
  return *this;
}

EvalContext& EvalContext::set(std::string_view key, std::int64_t value) {
  context_->set_int(key, value);
  return *this;
}

EvalContext& EvalContext::set(std::string_view key, double value) {
  context_->set_number(key, value);
  return *this;
}

EvalContext& EvalContext::set(std::string_view key, std::string_view value) {
  context_->set_string(key, value);
  return *this;
}

EvalContext& EvalContext::set_null(std::string_view key) {
  context_->set_null(key);
  return *this;
}

EvalContext& EvalContext::set_json(std::string_view key, std::string_view json) {
  or_invalid_argument([&] { context_->set_json(key, json); });
  return *this;
}

bool EvalContext::erase(std::string_view key) { return context_->erase(key); }
void EvalContext::clear() { context_->clear(); }
std::size_t EvalContext::size() const { return context_->size(); }

}  // namespace hotstate
