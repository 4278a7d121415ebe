#include "raw_json.hpp"

#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace hotstate::cli {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::size_t pos() const { return pos_; }

  void skip_whitespace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  char peek() const {
    if (pos_ >= text_.size()) fail();
    return text_[pos_];
  }

  void expect(char c) {
    if (peek() != c) fail();
    ++pos_;
  }

  // Returns the whole string token, quotes included.
  std::string_view string_token() {
    const std::size_t start = pos_;
    expect('"');
    while (peek() != '"') pos_ += peek() == '\\' ? 2 : 1;
    ++pos_;
    return text_.substr(start, pos_ - start);
  }

  std::string_view value() {
    const std::size_t start = pos_;
    const char first = peek();
    if (first == '"') return string_token();
    if (first == '{' || first == '[') {
      int depth = 0;
      do {
        const char c = peek();
        if (c == '"') {
          string_token();
          continue;
        }
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') --depth;
        ++pos_;
      } while (depth > 0);
    } else {
      // Numbers and literals run until the next structural character or whitespace.
      while (pos_ < text_.size() &&
             std::string_view(",}] \t\n\r").find(text_[pos_]) == std::string_view::npos)
        ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  [[noreturn]] void fail() const {
    throw std::invalid_argument("malformed JSON near byte " + std::to_string(pos_));
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Member names may legally be written with escapes, so compare decoded names.
bool names_match(std::string_view token, std::string_view name) {
  if (token.find('\\') == std::string_view::npos)
    return token.substr(1, token.size() - 2) == name;
  return boost::json::parse(token).as_string() == name;
}

}  // namespace

std::vector<std::string_view> raw_array_member(std::string_view document, std::string_view member) {
  Scanner in(document);
  in.skip_whitespace();
  in.expect('{');
  in.skip_whitespace();
  while (in.peek() != '}') {
    const std::string_view name = in.string_token();
    in.skip_whitespace();
    in.expect(':');
    in.skip_whitespace();
    if (names_match(name, member)) {
      if (in.peek() != '[')
        throw std::invalid_argument("member \"" + std::string(member) + "\" is not an array");
      in.expect('[');
      std::vector<std::string_view> elements;
      in.skip_whitespace();
      while (in.peek() != ']') {
        elements.push_back(in.value());
        in.skip_whitespace();
        if (in.peek() == ',') {
          in.expect(',');
          in.skip_whitespace();
        }
      }
      return elements;
    }
    in.value();
    in.skip_whitespace();
    if (in.peek() == ',') {
      in.expect(',');
      in.skip_whitespace();
    }
  }
  throw std::invalid_argument("member \"" + std::string(member) + "\" is missing");
}

}  // namespace hotstate::cli
