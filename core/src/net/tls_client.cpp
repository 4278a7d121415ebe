#include "net/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hotstate::net {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_client_tls_context(const std::string& ca_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  if (ca_file.empty()) {
    boost::system::error_code ec;
    context->set_default_verify_paths(ec);
    if (ec) throw TlsSetupError("cannot load the system's trusted certificates: " + ec.message());
    return context;
  }
  // Checked first so that a typo in the path says so, rather than an OpenSSL reason code.
  if (std::FILE* file = std::fopen(ca_file.c_str(), "r")) {
    std::fclose(file);
  } else {
    throw TlsSetupError("ca_file '" + ca_file + "' cannot be read: " + std::strerror(errno));
  }
  boost::system::error_code ec;
  context->load_verify_file(ca_file, ec);
  if (ec) throw TlsSetupError("ca_file '" + ca_file + "' holds no usable PEM certificate: " + ec.message());
  return context;
}

void expect_server_identity(PlainOrTlsStream::TlsStream& stream, const std::string& host) {
  SSL* ssl = stream.native_handle();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  // OpenSSL checks the name during its own chain verification, so a mismatch comes back
  // as a verify result ("hostname mismatch") that describe_tls_failure can name.
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(host, not_an_address);
  bool ok = not_an_address ? SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
                                 X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1
                           : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  if (!ok) throw std::runtime_error("TLS: cannot require the name '" + host + "' in the server's certificate");
}

std::string describe_tls_failure(PlainOrTlsStream::TlsStream& stream, const boost::system::error_code& ec,
                                 const std::string& host) {
  long verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK)
    return "TLS: certificate verify failed for " + host + ": " + X509_verify_cert_error_string(verify);
  std::string message = "TLS handshake with " + host + " failed: " + ec.message();
  // A plain-HTTP server answers the ClientHello with "HTTP/1.1 400 ...", which OpenSSL
  // reads as a record of an unknown protocol version.
  if (ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_WRONG_VERSION_NUMBER)
    message += " (the server does not seem to speak TLS; is it an http:// server?)";
  return message;
}

}  // namespace hotstate::net
