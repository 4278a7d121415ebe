#pragma once
// A tiny synchronous HTTP/1.1 client for tests (Boost.Beast): one keep-alive connection,
// re-opened when the server has closed it. Every network wait is bounded, so a server
// that never answers fails the test instead of hanging it.

#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace hotstate::testing {

struct HttpResponse {
  int status = 0;
  std::string body;
  // Header names are lower-cased ("content-type"); a repeated header keeps the last value.
  std::map<std::string, std::string> headers;

  // The body parsed as JSON. Throws std::runtime_error (with the body) when it is not JSON.
  boost::json::value json() const;
  // The header's value, or "" when absent. `name` is matched case-insensitively.
  std::string header(const std::string& name) const;
};

class HttpClient {
 public:
  HttpClient(std::string host, unsigned short port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the answer. `verb` is the method name ("GET", "PATCH",
  // ...); `target` is sent as is (percent-encode it yourself). `headers` are added as
  // given; Host, Content-Length and keep-alive are set by the client. Throws
  // std::runtime_error when no answer arrives within the timeout.
  HttpResponse request(const std::string& verb, const std::string& target,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {});

  // Opens the connection now (request() does it when needed).
  void connect();
  // Closes the connection (the next request opens a new one).
  void close();
  bool connected() const;

  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::chrono::milliseconds timeout_{30000};
};

// Percent-encodes every byte outside [A-Za-z0-9-._~] (so '/', '?', '%', ' ' and non-ASCII
// bytes are all escaped): for keys in request paths and values in query strings.
std::string percent_encode(const std::string& text);

// Opens a fresh connection, sends `bytes` exactly, half-closes nothing, and returns every
// byte read until the server closes the connection (or 5 s pass). For malformed HTTP.
std::string raw_exchange(const std::string& host, unsigned short port, const std::string& bytes);

}  // namespace hotstate::testing
