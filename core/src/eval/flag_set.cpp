// FlagSetShared and flag metadata.

#include <algorithm>
#include <stdexcept>

#include "eval/flag_impl.hpp"
#include "eval/js_number.hpp"
#include "hotstate/value.hpp"

namespace hotstate::eval {

bool read_metadata(const boost::json::value& value, std::vector<CompiledFlag::MetadataEntry>& out, std::string& error) {
  if (!value.is_object()) {
    error = "\"metadata\" must be an object";
    return false;
  }
  for (const auto& member : value.get_object()) {
    std::string key(member.key().data(), member.key().size());
    const auto& v = member.value();
    CompiledFlag::MetadataEntry entry{key, false};
    if (v.is_bool()) {
      entry.value = v.get_bool();
    } else if (v.is_number()) {
      entry.value = v.to_number<double>();
    } else if (v.is_string()) {
      entry.value = std::string(v.get_string().data(), v.get_string().size());
    } else {
      error = "metadata \"" + key + "\" must be a string, number or boolean";
      return false;
    }
    // A later entry of the same name wins, as when a flag's own override the set's.
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.key == key; });
    if (it != out.end()) *it = std::move(entry);
    else out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return true;
}

std::string metadata_to_json(const std::vector<CompiledFlag::MetadataEntry>& entries) {
  std::string out = "{";
  for (const auto& entry : entries) {
    if (out.size() > 1) out += ',';
    append_json_string(out, entry.key);
    out += ':';
    if (const auto* b = std::get_if<bool>(&entry.value)) {
      out += *b ? "true" : "false";
    } else if (const auto* d = std::get_if<double>(&entry.value)) {
      char buf[kMaxJsNumberChars];
      out.append(buf, js_number_to_chars(*d, buf));
    } else {
      append_json_string(out, std::get<std::string>(entry.value));
    }
  }
  return out + "}";
}

std::shared_ptr<const FlagSetShared> FlagSetShared::make(const boost::json::value* evaluators,
                                                         const boost::json::value* metadata) {
  auto impl = std::make_unique<Impl>();
  if (evaluators != nullptr) {
    if (!evaluators->is_object()) throw std::invalid_argument("\"$evaluators\" must be an object");
    for (const auto& member : evaluators->get_object())
      if (!member.value().is_object())
        throw std::invalid_argument("evaluator \"" + std::string(member.key()) + "\" must be a JsonLogic object");
    impl->evaluators = evaluators->get_object();
  }
  if (metadata != nullptr) {
    std::string error;
    if (!read_metadata(*metadata, impl->metadata, error)) throw std::invalid_argument("flag set " + error);
  }
  return std::make_shared<const FlagSetShared>(std::move(impl));
}

const std::shared_ptr<const FlagSetShared>& FlagSetShared::empty() {
  static const std::shared_ptr<const FlagSetShared> shared =
      std::make_shared<const FlagSetShared>(std::make_unique<Impl>());
  return shared;
}

FlagSetShared::FlagSetShared(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FlagSetShared::~FlagSetShared() = default;

}  // namespace hotstate::eval
