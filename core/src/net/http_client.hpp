#pragma once
// A small blocking HTTP/1.1 client for one hotstated server, with a per-request timeout.

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "net/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace hotstate::net {

enum class Method { get, put, post, del };

struct HttpResponse {
  unsigned status = 0;
  std::string body;
};

// The request did not get a complete HTTP response: the server could not be resolved
// or reached, the connection broke, or the timeout expired. The message names the URL.
class NetworkError : public std::runtime_error {
 public:
  enum class Kind { cannot_connect, timeout, broken_connection };
  NetworkError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  // For an https:// server, `tls_context` (make_client_tls_context) says whom to trust;
  // without one, the system's trust store. A failed TLS handshake is a NetworkError
  // (cannot_connect) that names the reason, e.g. "certificate verify failed".
  HttpClient(ServerUrl server, std::chrono::steady_clock::duration timeout,
             std::shared_ptr<boost::asio::ssl::context> tls_context = nullptr);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and waits for the whole response. A body, when given, is sent
  // as application/json. Any HTTP status is a response; only transport failures
  // throw NetworkError. Connections are kept alive between calls when the server allows.
  HttpResponse request(Method method, const std::string& target,
                       const std::optional<std::string>& body = std::nullopt,
                       const HeaderList& headers = {});

  const ServerUrl& server() const { return server_; }
  // Sent as "Authorization: Bearer <token>" with every request (empty: none).
  void set_bearer_token(std::string token) { bearer_token_ = std::move(token); }

 private:
  struct Connection;
  // The TLS handshake of a freshly connected https:// connection, within the deadline
  // already set on it. Throws NetworkError.
  void handshake(Connection& conn);

  ServerUrl server_;
  std::chrono::steady_clock::duration timeout_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  std::unique_ptr<Connection> connection_;
  std::string bearer_token_;
};

}  // namespace hotstate::net
