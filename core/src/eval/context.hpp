#pragma once
// The evaluation context: the attributes a targeting rule reads with `var` (the
// targeting key, user attributes, nested objects). Built once and reused on a hot path:
// lookups by name cost a short scan, never a parse.
//
// Thread safety: a Context is a value; const use from many threads at once is safe.

#include <cstdint>
#include <memory>
#include <string_view>

namespace hotstate::eval {

class Context {
 public:
  Context();
  ~Context();
  Context(const Context& other);
  Context& operator=(const Context& other);
  Context(Context&&) noexcept;
  Context& operator=(Context&&) noexcept;

  // From a JSON object's text ("targetingKey" inside it sets the targeting key). Throws
  // std::invalid_argument with a message for invalid JSON, a value that is not an object,
  // or a document deeper than 64 levels.
  static Context from_json(std::string_view json);

  // Each setter replaces an attribute of the same name. Keys are any UTF-8 text;
  // "targetingKey" is the targeting key (set_targeting_key is the same).
  void set_targeting_key(std::string_view value);
  void set_null(std::string_view key);
  void set_bool(std::string_view key, bool value);
  void set_int(std::string_view key, std::int64_t value);
  void set_number(std::string_view key, double value);
  void set_string(std::string_view key, std::string_view value);
  // Any JSON value: objects and arrays for nested attributes. Throws std::invalid_argument.
  void set_json(std::string_view key, std::string_view json);
  // Removes an attribute; false when there was none.
  bool erase(std::string_view key);
  void clear();

  bool has_targeting_key() const;
  std::string_view targeting_key() const;  // "" when absent
  std::size_t size() const;                // attributes, the targeting key included

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hotstate::eval
