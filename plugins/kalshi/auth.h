// Kalshi authentication: RSA-PSS request signing (the real API) and bearer tokens (proxies, older
// set-ups).
//
// RSA-PSS: KALSHI-ACCESS-KEY = key id; KALSHI-ACCESS-TIMESTAMP = Unix ms; KALSHI-ACCESS-SIGNATURE =
// base64(RSA-PSS-SHA256(timestamp + METHOD + path)), MGF1-SHA256, salt length 32, where path is the
// full path from the host root WITHOUT the query string. Implemented with OpenSSL's EVP API
// directly: Poco::Crypto's RSADigestEngine only does PKCS#1 v1.5 padding.
//
// Secrets (the key, the token, signatures) are handed to a SecretRegistrar (a stage's
// StageContext::registerSecret, or the CLI's log) so they are scrubbed from every message, and
// never appear in errors produced here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "kalshi_direct/status.h"

namespace kalshi_direct {
namespace kalshi {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Headers to add to a request for `method` and `path` (no query string) at `unix_millis`.
  virtual std::map<std::string, std::string> headers(const std::string& method,
                                                     const std::string& path,
                                                     int64_t unix_millis) const = 0;
  virtual std::string describe() const = 0;  // for messages; never the secret
};

using AuthenticatorPtr = std::unique_ptr<Authenticator>;

// Where secrets go to be scrubbed from everything printed; null: nowhere (a check that prints
// nothing).
using SecretRegistrar = std::function<void(const std::string& secret)>;

// Loads a PEM RSA private key (PKCS#1 "BEGIN RSA PRIVATE KEY" or PKCS#8 "BEGIN PRIVATE KEY") from
// text. Accepts keys pasted into an environment variable: surrounding quotes, literal "\n"
// escapes, CRLF, leading/trailing blanks. On failure returns kInvalidConfig saying precisely what
// is wrong (no header, encrypted key, not RSA, bad base64...), never the key material.
Status makeRsaPssAuthenticator(const std::string& key_id, const std::string& pem_text,
                               AuthenticatorPtr& out,
                               const SecretRegistrar& register_secret = nullptr);
// Reads the key from a file; warns (via *warning) when the file is readable by group or others.
Status loadPrivateKeyFile(const std::string& path, std::string& pem_text, std::string* warning);

AuthenticatorPtr makeBearerAuthenticator(const std::string& token,
                                         const SecretRegistrar& register_secret = nullptr);

// Where the credentials come from: the options given (a pipeline's, a command's), else the
// KALSHI_* environment variables. Never logged.
struct Credentials {
  std::string auth = "auto";  // auto | rsa_pss | bearer | none
  std::string key_id, private_key_path, private_key, api_key, api_key_file;
};

// Resolves credentials per `auth` (auto: RSA-PSS when a key id and a key are there, else a bearer
// token). Values are trimmed; a control character inside one is kInvalidConfig naming where it
// came from, never the value. `warning` gets a note for a key file others can read.
Status makeAuthenticator(const Credentials& credentials, AuthenticatorPtr& out,
                         std::string& warning, const SecretRegistrar& register_secret = nullptr);

// For tests and the simulator's checks: verifies a base64 RSA-PSS signature with a public key PEM.
bool verifyRsaPssSignature(const std::string& public_key_pem, const std::string& message,
                           const std::string& signature_base64);

}  // namespace kalshi
}  // namespace kalshi_direct
