#pragma once
// The server's TLS settings (--tls-cert, --tls-key): loaded and checked once at start-up,
// so a wrong file is a clear error then rather than a failed handshake per client.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <stdexcept>
#include <string>

namespace hotstate::server {

// A certificate or key hotstated cannot use; the message names the flag and the file.
class TlsConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A TLS 1.2+ server context with the certificate chain of `cert_file` and the private key
// of `key_file` (both PEM; the key unencrypted). Throws TlsConfigError when a file is
// missing or unreadable, holds no certificate or key, or the key does not belong to the
// certificate.
std::unique_ptr<boost::asio::ssl::context> load_server_tls_context(const std::string& cert_file,
                                                                   const std::string& key_file);

// What the start-up log says about the certificate in use.
struct CertificateSummary {
  std::string subject;    // e.g. "CN=hotstate.example"
  std::string not_after;  // e.g. "Nov 27 22:40:43 2026 GMT"
  bool expired = false;   // clients will refuse it
};
CertificateSummary summarize_certificate(boost::asio::ssl::context& context);

}  // namespace hotstate::server
