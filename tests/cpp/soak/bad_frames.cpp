// send_bad_frame(): WebSocket messages the protocol forbids, each answered by an Error frame
// and a close with the code docs/protocol.md gives for it.

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <span>

#include "abuse_cases.hpp"
#include "key_space.hpp"
#include "stream_client.hpp"

namespace hotstate::soak {

namespace {

using namespace std::chrono_literals;
using testing::StreamClient;
using Bytes = std::vector<std::uint8_t>;

struct DocumentedError {
  std::string_view code;
  unsigned close_code;
};
constexpr DocumentedError kProtocolError{"protocol_error", 1002};
constexpr DocumentedError kUnsupportedProtocol{"unsupported_protocol", 1002};
constexpr DocumentedError kTextFrame{"text_frame", 1003};
constexpr DocumentedError kBadFrame{"bad_frame", 1007};
constexpr DocumentedError kInvalidSelector{"invalid_selector", 1008};
constexpr DocumentedError kFrameTooLarge{"frame_too_large", 1009};
constexpr DocumentedError kSubscribeTimeout{"subscribe_timeout", 1008};
// For input whose damage is random: any row of the table will do, but one of them.
constexpr std::array kAnyDocumentedError{kProtocolError, kUnsupportedProtocol, kTextFrame,
                                         kBadFrame,      kInvalidSelector,     kFrameTooLarge};

// Generous: the server answers at once, but the machine is shared and may be sanitized.
constexpr auto kAnswerTimeout = 20s;
constexpr std::size_t kMaxClientMessageBytes = 1u << 20;  // docs/protocol.md: frame_too_large
// A sanitized server busy with the soak's clients and faults has been seen to need more
// than --subscribe-timeout-ms (10 s) to read the 1 MiB of an oversized message: it then
// refuses the connection for not subscribing in time, which is as documented too.
constexpr std::array kTooLargeOrTooLate{kFrameTooLarge, kSubscribeTimeout};

using Problem = std::optional<std::string>;

std::size_t between(std::mt19937_64& random, std::size_t low, std::size_t high) {
  return std::uniform_int_distribution<std::size_t>(low, high)(random);
}

Bytes random_bytes(std::mt19937_64& random, std::size_t size) {
  Bytes out(size);
  for (auto& b : out) b = static_cast<std::uint8_t>(between(random, 0, 255));
  return out;
}

Bytes bytes_of(const protocol::FramePtr& frame) {
  auto bytes = frame->bytes();
  return {bytes.begin(), bytes.end()};
}

Bytes hello_bytes() { return bytes_of(protocol::encode_hello("soak-abuse", "")); }

void set_size_prefix(Bytes& bytes, std::uint32_t size) { std::memcpy(bytes.data(), &size, sizeof size); }

std::string describe(const DocumentedError& error) {
  return std::string(error.code) + "/" + std::to_string(error.close_code);
}

// An Error frame matching one of `allowed`, then a close with its code.
Problem check_error(StreamClient& client, const testing::ReceivedFrame& frame,
                    std::span<const DocumentedError> allowed) {
  const auto* error = frame.frame().message_as_Error();
  DocumentedError got{error->code() ? error->code()->string_view() : "", error->close_code()};
  bool documented = std::any_of(allowed.begin(), allowed.end(), [&](const DocumentedError& e) {
    return e.code == got.code && e.close_code == got.close_code;
  });
  if (!documented) {
    std::string expected;
    for (const auto& e : allowed) expected += (expected.empty() ? "" : " or ") + describe(e);
    return "Error " + describe(got) + ", expected " + expected;
  }
  unsigned closed = client.wait_closed(kAnswerTimeout);
  if (closed != got.close_code) return "closed with " + std::to_string(closed) + " after Error " + describe(got);
  return std::nullopt;
}

// The answer to an offending message: no Welcome (it was not a valid Hello), then the
// Error. Frames a valid subscription produces before the offence may come first.
Problem expect_error(StreamClient& client, std::span<const DocumentedError> allowed) {
  for (;;) {
    auto frame = client.next(kAnswerTimeout);
    if (!frame) return "no Error frame (close code " + std::to_string(client.close_code()) + ")";
    if (frame->type() == wire::Message::Welcome) return "answered with a Welcome";
    if (frame->type() == wire::Message::Error) return check_error(client, *frame, allowed);
    client.apply(*frame);
  }
}

Problem expect_error(StreamClient& client, const DocumentedError& expected) {
  return expect_error(client, std::span(&expected, 1));
}

using FrameCase = std::function<Problem(StreamClient&, std::mt19937_64&)>;

const std::vector<std::pair<std::string, FrameCase>>& frame_cases() {
  static const std::vector<std::pair<std::string, FrameCase>> cases{
      {"garbage",
       [](StreamClient& c, std::mt19937_64& r) {
         Bytes bytes = random_bytes(r, between(r, 4, 64));
         set_size_prefix(bytes, static_cast<std::uint32_t>(bytes.size()));  // more than follows it
         c.send_bytes(bytes);
         return expect_error(c, kBadFrame);
       }},
      {"text message",
       [](StreamClient& c, std::mt19937_64& r) {
         Bytes text(between(r, 1, 64), 'x');
         c.send_bytes(text, false);
         return expect_error(c, kTextFrame);
       }},
      {"truncated Hello",
       [](StreamClient& c, std::mt19937_64& r) {
         Bytes bytes = hello_bytes();
         bytes.resize(between(r, 1, bytes.size() - 1));  // the size prefix still promises all of it
         c.send_bytes(bytes);
         return expect_error(c, kBadFrame);
       }},
      {"Hello cut short, size prefix matching",
       [](StreamClient& c, std::mt19937_64& r) {
         Bytes bytes = hello_bytes();
         std::size_t body = between(r, 0, 7);  // too short to hold a root offset and identifier
         bytes.resize(sizeof(std::uint32_t) + body);
         set_size_prefix(bytes, static_cast<std::uint32_t>(body));
         c.send_bytes(bytes);
         return expect_error(c, kBadFrame);
       }},
      {"Hello followed by a partial frame",
       [](StreamClient& c, std::mt19937_64& r) {
         Bytes bytes = hello_bytes(), tail = random_bytes(r, between(r, 1, 3));
         bytes.insert(bytes.end(), tail.begin(), tail.end());
         c.send_bytes(bytes);
         return expect_error(c, kBadFrame);  // the whole message is refused: no Welcome
       }},
      {"wrong file identifier",
       [](StreamClient& c, std::mt19937_64&) {
         Bytes bytes = hello_bytes();
         bytes[8] = 'X';  // after the size prefix and the root offset
         c.send_bytes(bytes);
         return expect_error(c, kBadFrame);
       }},
      {"random body behind the identifier",
       [](StreamClient& c, std::mt19937_64& r) {
         Bytes bytes = random_bytes(r, between(r, 12, 256));
         set_size_prefix(bytes, static_cast<std::uint32_t>(bytes.size() - sizeof(std::uint32_t)));
         std::memcpy(bytes.data() + 8, "HST1", 4);
         c.send_bytes(bytes);
         return expect_error(c, kAnyDocumentedError);
       }},
      {"one byte flipped in a Hello",
       [](StreamClient& c, std::mt19937_64& r) -> Problem {
         Bytes bytes = hello_bytes();
         bytes[between(r, 0, bytes.size() - 1)] ^= static_cast<std::uint8_t>(1u << between(r, 0, 7));
         c.send_bytes(bytes);
         // The flip may leave a valid Hello (in the client name, say): then a Welcome.
         auto first = c.next(kAnswerTimeout);
         if (!first) return "no answer (close code " + std::to_string(c.close_code()) + ")";
         if (first->type() == wire::Message::Welcome) return std::nullopt;
         if (first->type() != wire::Message::Error)
           return "answered with " + std::string(protocol::message_name(first->type()));
         return check_error(c, *first, kAnyDocumentedError);
       }},
      {"oversized message",
       [](StreamClient& c, std::mt19937_64& r) {
         Bytes bytes(kMaxClientMessageBytes + between(r, 1, 4096), 0);
         set_size_prefix(bytes, static_cast<std::uint32_t>(bytes.size() - sizeof(std::uint32_t)));
         c.send_bytes(bytes);
         return expect_error(c, kTooLargeOrTooLate);
       }},
      {"Subscribe before Hello",
       [](StreamClient& c, std::mt19937_64&) {
         c.subscribe({{std::string(kQuietCollection), ""}});
         return expect_error(c, kProtocolError);
       }},
      {"Ping before Hello",
       [](StreamClient& c, std::mt19937_64& r) {
         c.send(protocol::encode_ping(r()));
         return expect_error(c, kProtocolError);
       }},
      {"Hello twice",
       [](StreamClient& c, std::mt19937_64&) {
         c.hello("soak-abuse");
         c.send(protocol::encode_hello("soak-abuse", ""));
         return expect_error(c, kProtocolError);
       }},
      {"a server-only frame",
       [](StreamClient& c, std::mt19937_64& r) {
         c.hello("soak-abuse");
         const std::array frames{protocol::encode_progress(1), protocol::encode_welcome(1, 1, "x", 1000),
                                 protocol::encode_snapshot_end(1), protocol::encode_pong(1, 1),
                                 protocol::encode_error("x", "y", 1000)};
         c.send(frames[between(r, 0, frames.size() - 1)]);
         return expect_error(c, kProtocolError);
       }},
      {"unsupported protocol version",
       [](StreamClient& c, std::mt19937_64& r) {
         std::uint32_t version = between(r, 0, 1) ? 0 : static_cast<std::uint32_t>(between(r, 2, 1u << 31));
         c.send(protocol::encode_hello("soak-abuse", "", version));
         return expect_error(c, kUnsupportedProtocol);
       }},
      {"invalid selector",
       [](StreamClient& c, std::mt19937_64& r) {
         const std::vector<std::vector<protocol::SelectorSpec>> bad{
             {},                                                        // none
             {{"bad name!", ""}},                                       // not a collection name
             {{"", ""}},                                                // empty name
             {{std::string(kQuietCollection), std::string(1025, 'p')}},  // prefix over 1024 bytes
             {{std::string(kQuietCollection), "\xff\xfe"}},             // prefix not UTF-8
             std::vector<protocol::SelectorSpec>(65, {std::string(kQuietCollection), ""}),  // over 64
         };
         c.hello("soak-abuse");
         c.subscribe(bad[between(r, 0, bad.size() - 1)]);
         return expect_error(c, kInvalidSelector);
       }},
      {"Subscribe twice",
       [](StreamClient& c, std::mt19937_64&) {
         c.hello("soak-abuse");
         c.subscribe({{std::string(kQuietCollection), ""}});
         c.subscribe({{std::string(kQuietCollection), ""}});
         return expect_error(c, kProtocolError);
       }},
      {"Unsubscribe before Subscribe",
       [](StreamClient& c, std::mt19937_64&) {
         c.hello("soak-abuse");
         c.send(protocol::encode_unsubscribe());
         return expect_error(c, kProtocolError);
       }},
  };
  return cases;
}

}  // namespace

AbuseOutcome send_bad_frame(const AbuseTarget& target, std::mt19937_64& random) {
  const auto& cases = frame_cases();
  const auto& [name, run] = cases[between(random, 0, cases.size() - 1)];
  try {
    StreamClient client(target.host, target.port);
    return {name, run(client, random)};
  } catch (const std::exception& error) {
    return {name, std::string("failed: ") + error.what()};
  }
}

}  // namespace hotstate::soak
