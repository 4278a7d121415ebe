// JSON text -> FlexBuffers (Boost.JSON parses, we walk the DOM once) and FlexBuffers ->
// JSON text (written directly, so reads never build a DOM).

#include <flatbuffers/flexbuffers.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "hotstate/value.hpp"
#include "json_dom.hpp"
#include "json_parse.hpp"

namespace hotstate {
namespace {

constexpr std::size_t kMaxEncodedValueBytes = 32u << 20;  // half of protocol::kMaxFrameBytes

void append_flex(flexbuffers::Builder& fbb, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      fbb.Null();
      break;
    case boost::json::kind::bool_:
      fbb.Bool(v.get_bool());
      break;
    case boost::json::kind::int64:
      fbb.Int(v.get_int64());
      break;
    case boost::json::kind::uint64:
      fbb.UInt(v.get_uint64());
      break;
    case boost::json::kind::double_:
      fbb.Double(v.get_double());
      break;
    case boost::json::kind::string: {
      const auto& s = v.get_string();
      fbb.String(s.data(), s.size());
      break;
    }
    case boost::json::kind::array: {
      auto start = fbb.StartVector();
      for (const auto& item : v.get_array()) append_flex(fbb, item);
      fbb.EndVector(start, false, false);
      break;
    }
    case boost::json::kind::object: {
      auto start = fbb.StartMap();
      for (const auto& member : v.get_object()) {
        auto name = member.key();
        // FlexBuffers map keys are C strings; a NUL would silently cut the name.
        if (name.find('\0') != boost::json::string_view::npos)
          throw ValueError("invalid_value", "object member names may not contain U+0000");
        fbb.Key(name.data(), name.size());
        append_flex(fbb, member.value());
      }
      fbb.EndMap(start);
      break;
    }
  }
}

void write_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

template <typename Number>
void write_number(std::string& out, Number n) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

void write_double(std::string& out, double d) {
  if (!std::isfinite(d)) throw ValueError("invalid_value", "NaN and infinity have no JSON form");
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);  // shortest exact round trip
  std::string_view text(buf, static_cast<std::size_t>(end - buf));
  out += text;
  // Keep it a double when read back: "1" would come back as an integer.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void write_json(std::string& out, const flexbuffers::Reference& r) {
  using flexbuffers::Type;
  switch (r.GetType()) {
    case Type::FBT_NULL:
      out += "null";
      return;
    case Type::FBT_BOOL:
      out += r.AsBool() ? "true" : "false";
      return;
    case Type::FBT_INT:
    case Type::FBT_INDIRECT_INT:
      write_number(out, r.AsInt64());
      return;
    case Type::FBT_UINT:
    case Type::FBT_INDIRECT_UINT:
      write_number(out, r.AsUInt64());
      return;
    case Type::FBT_FLOAT:
    case Type::FBT_INDIRECT_FLOAT:
      write_double(out, r.AsDouble());
      return;
    case Type::FBT_STRING: {
      auto s = r.AsString();
      write_json_string(out, std::string_view(s.c_str(), s.length()));
      return;
    }
    case Type::FBT_KEY:
      write_json_string(out, r.AsKey());
      return;
    case Type::FBT_MAP: {
      auto map = r.AsMap();
      auto keys = map.Keys();
      auto values = map.Values();
      out.push_back('{');
      for (size_t i = 0; i < map.size(); ++i) {
        if (i) out.push_back(',');
        write_json_string(out, keys[i].AsKey());
        out.push_back(':');
        write_json(out, values[i]);
      }
      out.push_back('}');
      return;
    }
    default:
      break;
  }
  if (r.IsVector() || r.IsTypedVector() || r.IsFixedTypedVector()) {
    out.push_back('[');
    auto emit = [&](const auto& vec) {
      for (size_t i = 0; i < vec.size(); ++i) {
        if (i) out.push_back(',');
        write_json(out, vec[i]);
      }
    };
    if (r.IsTypedVector())
      emit(r.AsTypedVector());
    else if (r.IsFixedTypedVector())
      emit(r.AsFixedTypedVector());
    else
      emit(r.AsVector());
    out.push_back(']');
    return;
  }
  throw ValueError("invalid_value", "FlexBuffer holds a type with no JSON form (e.g. a blob)");
}

}  // namespace

std::vector<std::uint8_t> dom_to_flex(const boost::json::value& dom) {
  flexbuffers::Builder fbb(1024);
  append_flex(fbb, dom);
  fbb.Finish();
  const auto& buf = fbb.GetBuffer();
  // Users set a limit on JSON text; this bound only keeps every value well inside one
  // stream frame, whatever its encoding overhead.
  if (buf.size() > kMaxEncodedValueBytes)
    throw ValueError("value_too_large", "value encodes to " + std::to_string(buf.size()) +
                                            " bytes; at most " + std::to_string(kMaxEncodedValueBytes) +
                                            " fit in a stream frame");
  // Readers verify values with FlexBuffers' default limits: refuse what they would reject.
  if (!verify_flex(buf)) throw ValueError("too_deep", "value is nested too deeply");
  return buf;
}

std::vector<std::uint8_t> json_to_flex(std::string_view json, const ValueLimits& limits) {
  boost::json::error_code ec;
  auto dom = parse_json_exact(json, limits.max_depth, ec);
  if (ec == boost::json::error::too_deep)
    throw ValueError("too_deep", "JSON nesting is deeper than " + std::to_string(limits.max_depth));
  if (ec) throw ValueError("invalid_json", "malformed JSON: " + ec.message());
  auto flex = dom_to_flex(dom);
  // The limit is on JSON text without insignificant whitespace: text that already fits
  // passes at once; otherwise its compact form (as GET returns it) is measured.
  if (json.size() > limits.max_bytes) {
    std::size_t compact = flex_to_json(flex).size();
    if (compact > limits.max_bytes)
      throw ValueError("value_too_large", "value is " + std::to_string(compact) +
                                              " bytes of JSON; the limit is " +
                                              std::to_string(limits.max_bytes));
  }
  return flex;
}

void append_json_string(std::string& out, std::string_view text) { write_json_string(out, text); }

bool verify_flex(std::span<const std::uint8_t> flex) {
  if (flex.empty()) return false;
  // Default limits on purpose: the generated FlatBuffers verifier checks nested values
  // with them, so a value must pass them to be streamable.
  return flexbuffers::VerifyBuffer(flex.data(), flex.size());
}

std::string flex_to_json(std::span<const std::uint8_t> flex) {
  if (!verify_flex(flex)) throw ValueError("invalid_value", "bytes are not a valid FlexBuffer");
  std::string out;
  out.reserve(flex.size() + 16);
  write_json(out, flexbuffers::GetRoot(flex.data(), flex.size()));
  return out;
}

}  // namespace hotstate
