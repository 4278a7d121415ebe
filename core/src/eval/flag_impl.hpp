#pragma once
// The insides of FlagSetShared and CompiledFlag.

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <vector>

#include "eval/flag.hpp"
#include "eval/program.hpp"

namespace hotstate::eval {

struct FlagSetShared::Impl {
  boost::json::object evaluators;
  std::vector<CompiledFlag::MetadataEntry> metadata;
};

struct CompiledFlag::Impl {
  std::string key;
  std::string compile_error;
  bool enabled = false;
  ValueType type = ValueType::Any;
  std::vector<Variant> variants;
  std::size_t default_index = kNoDefault;
  std::string metadata_json;
  std::vector<MetadataEntry> metadata;
  std::unique_ptr<Program> targeting;  // null: no targeting (or an empty one)

  static constexpr std::size_t kNoDefault = static_cast<std::size_t>(-1);
  const Variant* default_variant() const { return default_index == kNoDefault ? nullptr : &variants[default_index]; }
};

// A variant type as flag definitions speak of it ("number", not "float").
inline const char* variant_type_name(ValueType type) { return type == ValueType::Float ? "number" : to_string(type); }

// Metadata as compact JSON, keys in order.
std::string metadata_to_json(const std::vector<CompiledFlag::MetadataEntry>& entries);
// Reads a metadata object (values: string, number or bool); false with `error` set otherwise.
bool read_metadata(const boost::json::value& value, std::vector<CompiledFlag::MetadataEntry>& out, std::string& error);

}  // namespace hotstate::eval
