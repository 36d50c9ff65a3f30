#include "auth.h"

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "fixed_point.h"  // wall_clock_ms
#include "paging.h"       // base64 decoding

namespace ksim {

struct Authenticator::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || b.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

AuthResult deny(const char* code, std::string message, std::string details = "") {
  AuthResult r;
  r.ok = false;
  r.code = code;
  r.message = std::move(message);
  r.details = std::move(details);
  return r;
}

}  // namespace

Authenticator::Authenticator(const AuthConfig& cfg) : cfg_(cfg), key_(std::make_unique<Key>()) {
  if (cfg_.key_id.empty() != cfg_.public_key_path.empty())
    throw std::runtime_error("--key-id and --public-key must be given together");
  if (cfg_.public_key_path.empty()) return;
  std::ifstream in(cfg_.public_key_path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read public key file " + cfg_.public_key_path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string pem = ss.str();
  // Keys pasted from environment variables often carry literal "\n" escapes.
  for (std::size_t p; (p = pem.find("\\n")) != std::string::npos;) pem.replace(p, 2, "\n");
  if (pem.find("-----BEGIN") == std::string::npos)
    throw std::runtime_error("public key file " + cfg_.public_key_path +
                             " is not PEM (no -----BEGIN line)");

  // The decoder accepts SPKI ("PUBLIC KEY"), PKCS#1 ("RSA PUBLIC KEY") and private keys.
  OSSL_DECODER_CTX* dctx =
      OSSL_DECODER_CTX_new_for_pkey(&key_->pkey, "PEM", nullptr, nullptr, 0, nullptr, nullptr);
  if (dctx == nullptr) throw std::runtime_error("OpenSSL decoder unavailable: " + openssl_error());
  const unsigned char* data = reinterpret_cast<const unsigned char*>(pem.data());
  std::size_t len = pem.size();
  const int ok = OSSL_DECODER_from_data(dctx, &data, &len);
  OSSL_DECODER_CTX_free(dctx);
  if (ok != 1 || key_->pkey == nullptr)
    throw std::runtime_error("cannot parse public key " + cfg_.public_key_path + ": " +
                             openssl_error());
  if (!EVP_PKEY_is_a(key_->pkey, "RSA"))
    throw std::runtime_error("public key " + cfg_.public_key_path + " is not an RSA key");
  signed_mode_ = true;
}

Authenticator::~Authenticator() = default;

bool Authenticator::verify(const std::string& message, const std::string& signature_b64) const {
  if (!signed_mode_) return false;
  std::string sig;
  if (!base64url_decode(signature_b64, sig) || sig.empty()) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok =
      EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nullptr, key_->pkey) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1 &&
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

AuthResult Authenticator::check(const AuthRequest& req) const {
  if (!enabled()) return {};

  // Bearer mode (legacy / proxy). With both modes configured either credential is accepted.
  if (!cfg_.bearer_token.empty() && req.authorization != nullptr) {
    const std::string& h = *req.authorization;
    if (h.rfind("Bearer ", 0) != 0 && h.rfind("bearer ", 0) != 0)
      return deny("authentication_error", "unsupported Authorization scheme",
                  "expected \"Bearer <token>\"");
    if (constant_time_equal(h.substr(7), cfg_.bearer_token)) return {};
    return deny("INVALID_BEARER_TOKEN", "invalid bearer token", "the token does not match");
  }

  const bool any_signed_header = req.key || req.timestamp || req.signature;
  if (!signed_mode_ || !any_signed_header) {
    if (signed_mode_)
      return deny("authentication_error", "missing authentication headers",
                  "send KALSHI-ACCESS-KEY, KALSHI-ACCESS-TIMESTAMP and KALSHI-ACCESS-SIGNATURE" +
                      std::string(cfg_.bearer_token.empty() ? "" : " (or Authorization: Bearer)"));
    return deny("authentication_error", "missing authentication",
                "send Authorization: Bearer <token>");
  }
  if (!req.key) return deny("authentication_error", "missing header KALSHI-ACCESS-KEY");
  if (!req.timestamp) return deny("authentication_error", "missing header KALSHI-ACCESS-TIMESTAMP");
  if (!req.signature) return deny("authentication_error", "missing header KALSHI-ACCESS-SIGNATURE");
  if (*req.key != cfg_.key_id)
    return deny("INVALID_API_KEY", "unknown API key id", "KALSHI-ACCESS-KEY does not match");

  const std::string& ts = *req.timestamp;
  std::int64_t ms = 0;
  bool digits = !ts.empty() && ts.size() <= 18;
  for (char c : ts) digits = digits && c >= '0' && c <= '9';
  if (!digits)
    return deny("INVALID_TIMESTAMP", "KALSHI-ACCESS-TIMESTAMP must be Unix time in milliseconds",
                ts);
  ms = std::stoll(ts);
  const std::int64_t skew = ms > req.now_ms ? ms - req.now_ms : req.now_ms - ms;
  if (skew > cfg_.max_skew_ms)
    return deny(
        "INVALID_TIMESTAMP", "request timestamp is too far from server time",
        "skew " + std::to_string(skew) + " ms exceeds " + std::to_string(cfg_.max_skew_ms) + " ms");

  const std::string message = ts + req.method + req.path;
  if (!verify(message, *req.signature))
    return deny(
        "INCORRECT_API_KEY_SIGNATURE", "incorrect API key signature",
        "RSA-PSS SHA-256 (salt 32) over timestamp+METHOD+path without query did not verify");
  return {};
}

AuthResult check_request(const Authenticator& auth, const std::string& method,
                         const std::string& path, const Poco::Net::NameValueCollection& headers) {
  AuthRequest ar;
  ar.method = method;
  ar.path = path;
  std::string key, ts, sig, authz;
  if (headers.has("KALSHI-ACCESS-KEY")) ar.key = &(key = headers.get("KALSHI-ACCESS-KEY"));
  if (headers.has("KALSHI-ACCESS-TIMESTAMP"))
    ar.timestamp = &(ts = headers.get("KALSHI-ACCESS-TIMESTAMP"));
  if (headers.has("KALSHI-ACCESS-SIGNATURE"))
    ar.signature = &(sig = headers.get("KALSHI-ACCESS-SIGNATURE"));
  if (headers.has("Authorization")) ar.authorization = &(authz = headers.get("Authorization"));
  ar.now_ms = wall_clock_ms();
  return auth.check(ar);
}

}  // namespace ksim
