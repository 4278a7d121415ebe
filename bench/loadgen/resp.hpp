#pragma once
// Just enough RESP2 to read what a Redis pub/sub subscriber and a PUBLISH pipeline
// receive: integers, simple strings, bulk strings and one level of arrays. An error reply
// throws: nothing in the benchmark should provoke one.

#include <charconv>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace loadgen::resp {

struct Item {
  char type = 0;               // ':' integer, '+' simple, '$' bulk
  std::string_view text;       // simple / bulk contents
  long long number = 0;        // integer value
};

namespace detail {
// The line at `pos` (without CRLF), advancing past it; false when incomplete.
inline bool line(std::string_view data, std::size_t& pos, std::string_view& out) {
  auto end = data.find("\r\n", pos);
  if (end == std::string_view::npos) return false;
  out = data.substr(pos, end - pos);
  pos = end + 2;
  return true;
}
inline long long number(std::string_view text) {
  long long value = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (r.ec != std::errc()) throw std::runtime_error("redis: bad number in reply");
  return value;
}
inline bool item(std::string_view data, std::size_t& pos, Item& out) {
  std::string_view head;
  if (!line(data, pos, head) || head.empty()) return false;
  out.type = head[0];
  switch (head[0]) {
    case ':': out.number = number(head.substr(1)); return true;
    case '+': out.text = head.substr(1); return true;
    case '-': throw std::runtime_error("redis error reply: " + std::string(head.substr(1)));
    case '$': {
      auto length = static_cast<std::size_t>(number(head.substr(1)));
      if (data.size() < pos + length + 2) return false;
      out.text = data.substr(pos, length);
      pos += length + 2;
      return true;
    }
    default: throw std::runtime_error("redis: unexpected reply type");
  }
}
}  // namespace detail

// Parses one reply at data[pos..] into `items` (an array's elements, or the one value);
// advances pos and returns true when it is complete, else leaves pos unchanged.
inline bool parse(std::string_view data, std::size_t& pos, std::vector<Item>& items) {
  items.clear();
  std::size_t at = pos;
  if (at < data.size() && data[at] == '*') {
    std::string_view head;
    if (!detail::line(data, at, head)) return false;
    long long count = detail::number(head.substr(1));
    for (long long i = 0; i < count; ++i) {
      Item it;
      if (!detail::item(data, at, it)) return false;
      items.push_back(it);
    }
  } else {
    Item it;
    if (!detail::item(data, at, it)) return false;
    items.push_back(it);
  }
  pos = at;
  return true;
}

// A command as a RESP array of bulk strings.
inline void append_command(std::string& out, std::initializer_list<std::string_view> args) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (auto a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out.append(a);
    out += "\r\n";
  }
}

}  // namespace loadgen::resp
