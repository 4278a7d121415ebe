#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <array>
#include <cctype>
#include <functional>
#include <optional>
#include <stdexcept>

namespace hotstate::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Runs the io_context until every started operation has finished. Deadlines come from
// beast::tcp_stream::expires_after, so this always returns.
void run(asio::io_context& io) {
  io.restart();
  io.run();
}

bool is_disconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == http::error::partial_message;
}

}  // namespace

boost::json::value HttpResponse::json() const {
  boost::json::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec) throw std::runtime_error("response body is not JSON (" + ec.message() + "): " + body);
  return value;
}

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

struct HttpClient::Impl {
  std::string host;
  unsigned short port;
  asio::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::string host, unsigned short port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() { close(); }

bool HttpClient::connected() const { return impl_->stream.has_value(); }

void HttpClient::connect() {
  if (impl_->stream) return;
  tcp::resolver resolver(impl_->io);
  auto endpoints = resolver.resolve(impl_->host, std::to_string(impl_->port));
  impl_->stream.emplace(impl_->io);
  impl_->buffer.clear();
  beast::error_code result;
  impl_->stream->expires_after(timeout_);
  impl_->stream->async_connect(endpoints,
                               [&](beast::error_code ec, const tcp::endpoint&) { result = ec; });
  run(impl_->io);
  if (result) {
    impl_->stream.reset();
    throw std::runtime_error("connect to " + impl_->host + ":" + std::to_string(impl_->port) +
                             " failed: " + result.message());
  }
}

void HttpClient::close() {
  if (!impl_->stream) return;
  beast::error_code ignored;
  impl_->stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->stream->close();
  impl_->stream.reset();
  impl_->buffer.clear();
}

HttpResponse HttpClient::request(const std::string& verb, const std::string& target,
                                 const std::string& body,
                                 const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req;
  req.method_string(verb);
  req.target(target);
  req.version(11);
  req.set(http::field::host, impl_->host + ":" + std::to_string(impl_->port));
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  req.keep_alive(true);

  for (int attempt = 0;; ++attempt) {
    const bool reused = impl_->stream.has_value();
    connect();

    beast::error_code write_ec;
    impl_->stream->expires_after(timeout_);
    http::async_write(*impl_->stream, req,
                      [&](beast::error_code ec, std::size_t) { write_ec = ec; });
    run(impl_->io);

    // Read even when the write failed: a server that refuses a request early (413) answers
    // and closes while the body is still being sent.
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{1} << 30);
    if (verb == "HEAD") parser.skip(true);
    beast::error_code read_ec;
    if (write_ec != beast::error::timeout) {
      impl_->stream->expires_after(timeout_);
      http::async_read(*impl_->stream, impl_->buffer, parser,
                       [&](beast::error_code ec, std::size_t) { read_ec = ec; });
      run(impl_->io);
    }

    if (write_ec == beast::error::timeout || read_ec == beast::error::timeout) {
      close();
      throw std::runtime_error(verb + " " + target + ": no answer within the timeout");
    }
    if (read_ec) {
      bool nothing_read = !parser.got_some();
      close();
      // A kept-alive connection the server had already closed: open a new one, once.
      if (reused && attempt == 0 && nothing_read && (is_disconnect(read_ec) || is_disconnect(write_ec)))
        continue;
      throw std::runtime_error(verb + " " + target + ": " + read_ec.message() +
                               (write_ec ? " (write: " + write_ec.message() + ")" : ""));
    }

    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& field : res) out.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    if (!res.keep_alive() || write_ec) close();
    return out;
  }
}

std::string percent_encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string raw_exchange(const std::string& host, unsigned short port, const std::string& bytes) {
  asio::io_context io;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, std::to_string(port));
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(5));  // one deadline for the whole exchange

  std::string received;
  std::array<char, 4096> chunk{};
  std::function<void()> read_more = [&] {
    stream.async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
      received.append(chunk.data(), n);
      if (!ec) read_more();
    });
  };
  stream.async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
    if (ec) throw std::runtime_error("connect failed: " + ec.message());
    asio::async_write(stream, asio::buffer(bytes), [&](beast::error_code, std::size_t) {});
    read_more();  // reads alongside the write, so an early answer is never missed
  });
  io.run();
  return received;
}

}  // namespace hotstate::testing
