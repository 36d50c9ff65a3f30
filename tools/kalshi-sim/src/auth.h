// Request authentication the way Kalshi does it, plus the legacy bearer-token mode.
//
// Signed mode: KALSHI-ACCESS-KEY must equal --key-id, KALSHI-ACCESS-TIMESTAMP (Unix ms) must be
// within --max-skew-ms of our clock, and KALSHI-ACCESS-SIGNATURE must be base64 of an RSA-PSS
// (SHA-256, MGF1-SHA-256, salt length 32) signature over timestamp + METHOD + path, where path is
// the request path from the host root without the query string. Verified with OpenSSL's EVP API.
#pragma once

#include <Poco/Net/NameValueCollection.h>

#include <cstdint>
#include <memory>
#include <string>

namespace ksim {

struct AuthConfig {
  std::string key_id;
  std::string public_key_path;  // PEM: public key (SPKI or PKCS#1) or a private key to take it from
  std::string bearer_token;
  std::int64_t max_skew_ms = 5000;
};

struct AuthRequest {
  std::string method;
  std::string path;                        // without query
  const std::string* key = nullptr;        // KALSHI-ACCESS-KEY
  const std::string* timestamp = nullptr;  // KALSHI-ACCESS-TIMESTAMP
  const std::string* signature = nullptr;  // KALSHI-ACCESS-SIGNATURE
  const std::string* authorization = nullptr;
  std::int64_t now_ms = 0;
};

struct AuthResult {
  bool ok = true;
  std::string code;  // for the 401 body {"error":{"code",...}}
  std::string message;
  std::string details;
};

class Authenticator {
 public:
  // Throws std::runtime_error with a one-line message when the key file is unusable.
  explicit Authenticator(const AuthConfig& cfg);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // False when neither a key nor a bearer token is configured: portfolio endpoints are open.
  bool enabled() const { return signed_mode_ || !cfg_.bearer_token.empty(); }
  AuthResult check(const AuthRequest& req) const;

  // Exposed for unit tests: verifies base64 `signature_b64` over `message`.
  bool verify(const std::string& message, const std::string& signature_b64) const;

 private:
  struct Key;
  AuthConfig cfg_;
  bool signed_mode_ = false;
  std::unique_ptr<Key> key_;
};

// Checks a request's KALSHI-ACCESS-* (or Authorization) headers for `method` and `path` (from the
// host root, without the query) against the clock now: the REST API's and the WebSocket
// handshake's check.
AuthResult check_request(const Authenticator& auth, const std::string& method,
                         const std::string& path, const Poco::Net::NameValueCollection& headers);

}  // namespace ksim
