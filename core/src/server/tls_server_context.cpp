#include "tls_server_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hotstate::server {

namespace ssl = boost::asio::ssl;

namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// OpenSSL's reason for the failure just seen, e.g. "no start line"; clears its queue.
std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason ? reason : "unknown OpenSSL error";
}

// Checked before OpenSSL sees the file, so a wrong path reads "No such file or directory".
void require_readable(const char* flag, const std::string& file) {
  std::FILE* handle = std::fopen(file.c_str(), "r");
  if (!handle) throw TlsConfigError(std::string(flag) + " " + file + ": cannot read: " + std::strerror(errno));
  std::fclose(handle);
}

// An encrypted key would make OpenSSL prompt on the terminal for a passphrase; a server
// must not wait for one, so the read fails instead.
int refuse_passphrase(char*, int, int, void*) { return 0; }

std::string text_of(const ASN1_TIME* time) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), time) != 1) return "?";
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

std::unique_ptr<ssl::context> load_server_tls_context(const std::string& cert_file, const std::string& key_file) {
  require_readable("--tls-cert", cert_file);
  require_readable("--tls-key", key_file);
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::single_dh_use);

  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1)
    throw TlsConfigError("--tls-cert " + cert_file + ": no PEM certificate could be read from it (" +
                         openssl_reason() + ")");

  std::unique_ptr<BIO, BioFree> key_bio(BIO_new_file(key_file.c_str(), "r"));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, refuse_passphrase, nullptr) : nullptr);
  if (!key)
    throw TlsConfigError("--tls-key " + key_file + ": no unencrypted PEM private key could be read from it (" +
                         openssl_reason() + ")");
  if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    throw TlsConfigError("--tls-key " + key_file + " does not belong to the certificate in --tls-cert " +
                         cert_file);
  }
  return context;
}

CertificateSummary summarize_certificate(ssl::context& context) {
  CertificateSummary summary;
  X509* cert = SSL_CTX_get0_certificate(context.native_handle());
  if (!cert) return summary;
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (bio && X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    summary.subject.assign(data, static_cast<std::size_t>(size));
  }
  summary.not_after = text_of(X509_get0_notAfter(cert));
  summary.expired = X509_cmp_current_time(X509_get0_notAfter(cert)) < 0;
  return summary;
}

}  // namespace hotstate::server
