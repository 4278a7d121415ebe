#include "json_value.hpp"

#include <charconv>
#include <cstdint>
#include <string>

#include "errors.hpp"

namespace py = pybind11;

namespace hotstate_py {
namespace {

py::object steal(PyObject* object) {
  if (!object) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(object);
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  py::object document() {
    py::object value = parse_value(0);
    skip_space();
    if (pos_ != text_.size()) fail("trailing characters");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 128;

  [[noreturn]] void fail(const char* what) const {
    raise_error(HS_ERR_INTERNAL, std::string("the library returned invalid JSON (") + what + " at offset " +
                                     std::to_string(pos_) + ")");
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' ||
                                   text_[pos_] == '\t'))
      ++pos_;
  }

  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!consume(c)) fail("unexpected character");
  }

  bool consume_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  py::object parse_value(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end");
    char c = text_[pos_];
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') return parse_string();
    if (consume_word("true")) return py::bool_(true);
    if (consume_word("false")) return py::bool_(false);
    if (consume_word("null")) return py::none();
    return parse_number();
  }

  py::object parse_object(int depth) {
    ++pos_;  // '{'
    py::object dict = steal(PyDict_New());
    if (consume('}')) return dict;
    do {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a key");
      py::object key = parse_string();
      expect(':');
      py::object value = parse_value(depth + 1);
      if (PyDict_SetItem(dict.ptr(), key.ptr(), value.ptr()) != 0) throw py::error_already_set();
    } while (consume(','));
    expect('}');
    return dict;
  }

  py::object parse_array(int depth) {
    ++pos_;  // '['
    py::object list = steal(PyList_New(0));
    if (consume(']')) return list;
    do {
      py::object item = parse_value(depth + 1);
      if (PyList_Append(list.ptr(), item.ptr()) != 0) throw py::error_already_set();
    } while (consume(','));
    expect(']');
    return list;
  }

  unsigned hex4() {
    if (pos_ + 4 > text_.size()) fail("short \\u escape");
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, value, 16);
    if (ec != std::errc() || end != text_.data() + pos_ + 4) fail("bad \\u escape");
    pos_ += 4;
    return value;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  void parse_escape(std::string& out) {
    if (pos_ >= text_.size()) fail("unfinished escape");
    char c = text_[pos_++];
    switch (c) {
      case '"': case '\\': case '/': out += c; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'u': break;
      default: fail("unknown escape");
    }
    unsigned cp = hex4();
    if (cp >= 0xD800 && cp < 0xDC00 && text_.substr(pos_, 2) == "\\u") {
      pos_ += 2;
      unsigned low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
  }

  py::object parse_string() {
    ++pos_;  // '"'
    std::size_t start = pos_;
    std::string unescaped;
    bool escaped = false;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\') {
        if (!escaped) unescaped.assign(text_.substr(start, pos_ - start));
        escaped = true;
        ++pos_;
        parse_escape(unescaped);
      } else {
        if (escaped) unescaped += text_[pos_];
        ++pos_;
      }
    }
    if (pos_ >= text_.size()) fail("unterminated string");
    std::string_view raw = escaped ? std::string_view(unescaped) : text_.substr(start, pos_ - start);
    ++pos_;  // '"'
    return steal(PyUnicode_DecodeUTF8(raw.data(), static_cast<Py_ssize_t>(raw.size()), nullptr));
  }

  py::object parse_number() {
    std::size_t start = pos_;
    bool is_float = false;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '.' || c == 'e' || c == 'E') is_float = true;
      else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9'))) break;
      ++pos_;
    }
    if (pos_ == start) fail("unexpected character");
    std::string number(text_.substr(start, pos_ - start));
    if (is_float) {
      double d = 0;
      auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), d);
      if (ec != std::errc() || end != number.data() + number.size()) fail("bad number");
      return steal(PyFloat_FromDouble(d));
    }
    return steal(PyLong_FromString(number.c_str(), nullptr, 10));  // any size, exact
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

py::object json_to_python(std::string_view json) { return Parser(json).document(); }

}  // namespace hotstate_py
