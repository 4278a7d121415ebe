#pragma once
// The client side of TLS (https://, wss://): whom to trust, which name the server must
// prove, and what to tell the user when it does not. There is deliberately no way to
// turn verification off.

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <stdexcept>
#include <string>

#include "net/plain_or_tls_stream.hpp"

namespace hotstate::net {

// A CA file that cannot be used (missing, unreadable, no certificate in it). An
// invalid_argument, as for a bad URL: a setting to fix, not a failure to retry.
class TlsSetupError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A TLS 1.2+ client context that verifies the server's certificate chain against the
// system's trust store (ca_file empty) or against the CAs in ca_file (PEM) only.
// Shared by every connection of a client (stream and writes). Throws TlsSetupError.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& ca_file);

// Before the handshake of a connection to `host` (as in the URL, IPv6 without brackets):
// sends SNI for host names (never for IP addresses, RFC 6066) and makes the certificate
// check require that name, or that IP address, in the server's certificate.
void expect_server_identity(PlainOrTlsStream::TlsStream& stream, const std::string& host);

// After a failed TLS handshake with `host`: "TLS: certificate verify failed for HOST:
// REASON", or "TLS handshake with HOST failed: REASON", with a hint when the server
// seems to speak plain HTTP.
std::string describe_tls_failure(PlainOrTlsStream::TlsStream& stream, const boost::system::error_code& ec,
                                 const std::string& host);

}  // namespace hotstate::net
