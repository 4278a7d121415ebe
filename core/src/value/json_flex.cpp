// JSON text -> FlexBuffers (Boost.JSON parses, we walk the DOM once) and FlexBuffers ->
// JSON text (written directly, so reads never build a DOM).

#include <flatbuffers/flexbuffers.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstring>

#include "hotstate/value.hpp"
#include "json_dom.hpp"
#include "json_parse.hpp"
#include "utf8.hpp"

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
      // Members are written in key order, as the map's index is: FlexBuffers lays values
      // out in the order they are added, so {"a":1,"b":2} and {"b":2,"a":1} would
      // otherwise differ in bytes, and readers compare values by their bytes (change
      // callbacks fire only when a value really changed).
      std::vector<const boost::json::key_value_pair*> members;
      members.reserve(v.get_object().size());
      for (const auto& member : v.get_object()) members.push_back(&member);
      std::sort(members.begin(), members.end(),
                [](const auto* a, const auto* b) { return a->key() < b->key(); });
      auto start = fbb.StartMap();
      for (const auto* member : members) {
        auto name = member->key();
        // FlexBuffers map keys are C strings; a NUL would silently cut the name.
        if (name.find('\0') != boost::json::string_view::npos)
          throw ValueError("invalid_value", "object member names may not contain U+0000");
        fbb.Key(name.data(), name.size());
        append_flex(fbb, member->value());
      }
      fbb.EndMap(start);
      break;
    }
  }
}

std::size_t minimal_string_size(std::string_view s) {
  std::size_t n = 2;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
      n += 2;
    else
      n += c < 0x20 ? 6 : 1;
  }
  return n;
}

std::size_t minimal_double_size(double d) {
  char buf[40];
  auto general = std::to_chars(buf, buf + sizeof buf, d).ptr - buf;
  // Scientific without '+' and leading exponent zeros: "1e+05" is sent as "1e5".
  auto end = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific).ptr;
  std::size_t sci = 0;
  bool in_exponent = false, leading = true;
  for (char* p = buf; p < end; ++p) {
    if (*p == 'e') in_exponent = true;
    if (in_exponent && (*p == '+' || (leading && *p == '0'))) continue;
    if (in_exponent && *p >= '1' && *p <= '9') leading = false;
    ++sci;
  }
  return std::min<std::size_t>(static_cast<std::size_t>(general), sci);
}

// The length of the shortest JSON text for `v`: never more than any text a client can
// send for it, so a limit on it never refuses compact input that is within the limit.
std::size_t minimal_json_size(const boost::json::value& v) {
  char buf[32];
  switch (v.kind()) {
    case boost::json::kind::null: return 4;
    case boost::json::kind::bool_: return v.get_bool() ? 4 : 5;
    case boost::json::kind::int64:
      return static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v.get_int64()).ptr - buf);
    case boost::json::kind::uint64:
      return static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v.get_uint64()).ptr - buf);
    case boost::json::kind::double_: return minimal_double_size(v.get_double());
    case boost::json::kind::string: return minimal_string_size(v.get_string());
    case boost::json::kind::array: {
      const auto& a = v.get_array();
      std::size_t n = 2 + (a.empty() ? 0 : a.size() - 1);
      for (const auto& item : a) n += minimal_json_size(item);
      return n;
    }
    case boost::json::kind::object: {
      const auto& o = v.get_object();
      std::size_t n = 2 + (o.empty() ? 0 : o.size() - 1);
      for (const auto& m : o) n += minimal_string_size(m.key()) + 1 + minimal_json_size(m.value());
      return n;
    }
  }
  return 0;
}

// JSON text is UTF-8, but strings can hold other bytes: FlexBuffers strings from a forged
// value, or request bytes quoted in an error message. Each byte that does not start a
// well-formed sequence becomes U+FFFD, so the output is always valid JSON.
void write_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t at = 0; at < s.size(); ++at) {
    auto c = static_cast<unsigned char>(s[at]);
    if (c >= 0x80) {
      std::size_t length = utf8_sequence_length(s, at);
      if (length == 0) {
        out += "\\ufffd";
      } else {
        out.append(s.substr(at, length));
        at += length - 1;
      }
      continue;
    }
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

// FlatBuffers 2.0.8's FlexBuffers verifier accepts a key with no NUL before the end of the
// buffer (its VerifyKey stops at the first non-zero byte instead of at the terminator:
// google/flatbuffers#8045), and every reader then runs strlen past the end. Called on a
// buffer the verifier accepted, so offsets, sizes and depth are already known to be sane.
bool keys_terminated(const flexbuffers::Reference& r, const std::uint8_t* end) {
  auto terminated = [end](const char* key) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(key);
    return p < end && std::memchr(p, 0, static_cast<std::size_t>(end - p)) != nullptr;
  };
  if (r.IsKey()) return terminated(r.AsKey());
  if (r.IsMap()) {
    auto map = r.AsMap();
    auto keys = map.Keys();
    auto values = map.Values();
    for (size_t i = 0; i < map.size(); ++i)
      if (!terminated(keys[i].AsKey()) || !keys_terminated(values[i], end)) return false;
    return true;
  }
  auto all = [&](const auto& vec) {
    for (size_t i = 0; i < vec.size(); ++i)
      if (!keys_terminated(vec[i], end)) return false;
    return true;
  };
  if (r.IsTypedVector()) return all(r.AsTypedVector());
  if (r.IsFixedTypedVector()) return all(r.AsFixedTypedVector());
  if (r.IsVector()) return all(r.AsVector());
  return true;
}

}  // namespace

std::vector<std::uint8_t> dom_to_flex(const boost::json::value& dom, const ValueLimits& limits) {
  std::size_t size = minimal_json_size(dom);
  if (size > limits.max_bytes)
    throw ValueError("value_too_large", "value is " + std::to_string(size) +
                                            " bytes of compact JSON; the limit is " +
                                            std::to_string(limits.max_bytes));
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
  return dom_to_flex(dom, limits);
}

void append_json_string(std::string& out, std::string_view text) { write_json_string(out, text); }

bool verify_flex(std::span<const std::uint8_t> flex) {
  if (flex.empty()) return false;
  // Default limits on purpose: the generated FlatBuffers verifier checks nested values
  // with them, so a value must pass them to be streamable.
  return flexbuffers::VerifyBuffer(flex.data(), flex.size()) &&
         keys_terminated(flexbuffers::GetRoot(flex.data(), flex.size()), flex.data() + flex.size());
}

std::string flex_to_json(std::span<const std::uint8_t> flex) {
  if (!verify_flex(flex)) throw ValueError("invalid_value", "bytes are not a valid FlexBuffer");
  std::string out;
  out.reserve(flex.size() + 16);
  write_json(out, flexbuffers::GetRoot(flex.data(), flex.size()));
  return out;
}

}  // namespace hotstate
