// compile_document: a whole flagd document ({"flags": ..., "$evaluators": ...,
// "metadata": ...}). Problems of the document itself go to `errors`; each flag carries
// its own compile error.

#include <stdexcept>

#include "eval/flag.hpp"
#include "hotstate/value.hpp"
#include "value/json_parse.hpp"

namespace hotstate::eval {
namespace {

// Rules are limited to kMaxRuleDepth by the compiler; the document around them adds a few.
constexpr std::size_t kMaxDocumentDepth = 128;

}  // namespace

FlagDocument compile_document(std::string_view json_text) {
  FlagDocument doc;
  doc.shared = FlagSetShared::empty();
  boost::json::error_code ec;
  auto root = parse_json_exact(json_text, kMaxDocumentDepth, ec);
  if (ec) {
    doc.errors.push_back("the flag document is not valid JSON: " + ec.message());
    return doc;
  }
  if (!root.is_object()) {
    doc.errors.push_back("the flag document must be a JSON object");
    return doc;
  }
  const auto& object = root.get_object();
  try {
    doc.shared = FlagSetShared::make(object.if_contains("$evaluators"), object.if_contains("metadata"));
  } catch (const std::invalid_argument& e) {
    doc.errors.push_back(e.what());
  }
  const auto* flags = object.if_contains("flags");
  if (flags == nullptr || !flags->is_object()) {
    doc.errors.push_back("the flag document needs \"flags\", an object of flag definitions");
    return doc;
  }
  for (const auto& member : flags->get_object()) {
    std::string_view key(member.key().data(), member.key().size());
    doc.flags.emplace(std::string(key), CompiledFlag::compile(key, member.value(), *doc.shared));
  }
  return doc;
}

}  // namespace hotstate::eval
