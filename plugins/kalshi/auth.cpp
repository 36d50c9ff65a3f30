#include "kalshi/auth.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace kalshi_direct {
namespace kalshi {

namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

std::string base64(const unsigned char* data, size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<size_t>(length));
  return out;
}

bool unbase64(const std::string& text, std::vector<unsigned char>& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  out.assign(text.size() / 4 * 3, 0);
  const int length =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (length < 0) return false;
  size_t padding = 0;
  if (text[text.size() - 1] == '=') ++padding;
  if (text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(length) - padding);
  return true;
}

// Undoes what environment variables and copy-paste do to a PEM: quotes, "\n" escapes, CRLF.
std::string normalisePem(std::string text) {
  auto trim = [](std::string& s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    const auto last = s.find_last_not_of(" \t\r\n");
    s = first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
  };
  trim(text);
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
      text.back() == text.front()) {
    text = text.substr(1, text.size() - 2);
    trim(text);
  }
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
      out.push_back('\n');
      ++i;
    } else if (text[i] != '\r') {
      out.push_back(text[i]);
    }
  }
  return out + "\n";
}

class RsaPssAuthenticator final : public Authenticator {
 public:
  RsaPssAuthenticator(std::string key_id, PkeyPtr key, SecretRegistrar register_secret)
      : key_id_(std::move(key_id)),
        key_(std::move(key)),
        register_secret_(std::move(register_secret)) {}

  std::map<std::string, std::string> headers(const std::string& method, const std::string& path,
                                             int64_t unix_millis) const override {
    const std::string timestamp = std::to_string(unix_millis);
    const std::string message = timestamp + method + path;
    return {{"KALSHI-ACCESS-KEY", key_id_},
            {"KALSHI-ACCESS-TIMESTAMP", timestamp},
            {"KALSHI-ACCESS-SIGNATURE", sign(message)}};
  }
  std::string describe() const override { return "RSA-PSS key id"; }

 private:
  std::string sign(const std::string& message) const {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pkey_context = nullptr;
    size_t length = 0;
    std::string signature;
    if (context &&
        EVP_DigestSignInit(context, &pkey_context, EVP_sha256(), nullptr, key_.get()) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(pkey_context, RSA_PKCS1_PSS_PADDING) == 1 &&
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_context, RSA_PSS_SALTLEN_DIGEST) == 1 &&
        EVP_PKEY_CTX_set_rsa_mgf1_md(pkey_context, EVP_sha256()) == 1 &&
        EVP_DigestSignUpdate(context, message.data(), message.size()) == 1 &&
        EVP_DigestSignFinal(context, nullptr, &length) == 1) {
      std::vector<unsigned char> buffer(length);
      if (EVP_DigestSignFinal(context, buffer.data(), &length) == 1) {
        signature = base64(buffer.data(), length);
      }
    }
    EVP_MD_CTX_free(context);
    if (signature.empty()) throw std::runtime_error("RSA-PSS signing failed (OpenSSL)");
    if (register_secret_) register_secret_(signature);
    return signature;
  }

  std::string key_id_;
  PkeyPtr key_;
  SecretRegistrar register_secret_;
};

class BearerAuthenticator final : public Authenticator {
 public:
  explicit BearerAuthenticator(std::string token) : token_(std::move(token)) {}
  std::map<std::string, std::string> headers(const std::string&, const std::string&,
                                             int64_t) const override {
    return {{"Authorization", "Bearer " + token_}};
  }
  std::string describe() const override { return "bearer token"; }

 private:
  std::string token_;
};

}  // namespace

Status makeRsaPssAuthenticator(const std::string& key_id, const std::string& pem_text,
                               AuthenticatorPtr& out, const SecretRegistrar& register_secret) {
  if (key_id.empty())
    return Status::invalidConfig("the RSA-PSS key id is empty (set KALSHI_API_KEY_ID)");
  if (register_secret) register_secret(key_id);
  const std::string pem = normalisePem(pem_text);
  if (register_secret) register_secret(pem_text);
  if (pem.find("-----BEGIN") == std::string::npos) {
    return Status::invalidConfig(
        "the private key is not PEM: it has no '-----BEGIN ... PRIVATE KEY-----' line (give the "
        ".pem file Kalshi issued, or its full text with line breaks or \\n escapes)");
  }
  if (pem.find("ENCRYPTED") != std::string::npos) {
    return Status::invalidConfig(
        "the private key is encrypted with a passphrase; decrypt it first "
        "(openssl pkey -in key.pem -out key-plain.pem)");
  }
  if (pem.find("-----BEGIN PUBLIC KEY") != std::string::npos ||
      pem.find("-----BEGIN RSA PUBLIC KEY") != std::string::npos) {
    return Status::invalidConfig(
        "the file holds a PUBLIC key; Kalshi requests are signed with the "
        "PRIVATE key that belongs to the key id");
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, const_cast<char*>(""));
  BIO_free(bio);
  ERR_clear_error();
  if (!key) {
    return Status::invalidConfig(
        "the private key PEM could not be read (damaged base64 body or "
        "mismatched BEGIN/END lines; PKCS#1 'RSA PRIVATE KEY' and PKCS#8 "
        "'PRIVATE KEY' are both accepted)");
  }
  if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key);
    return Status::invalidConfig("the private key is not an RSA key; Kalshi keys are RSA");
  }
  out = std::make_unique<RsaPssAuthenticator>(key_id, PkeyPtr(key), register_secret);
  return Status::ok();
}

Status loadPrivateKeyFile(const std::string& path, std::string& pem_text, std::string* warning) {
  struct stat kind {};
  if (::stat(path.c_str(), &kind) == 0 && !S_ISREG(kind.st_mode)) {
    return Status::invalidConfig(
        "the private key path '" + path +
        "' is not a file (give the .pem file itself in KALSHI_PRIVATE_KEY_PATH)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::invalidConfig("cannot read the private key file '" + path +
                                 "' (check KALSHI_PRIVATE_KEY_PATH and the file's permissions)");
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::invalidConfig("cannot read the private key file '" + path +
                                 "' (check its permissions)");
  }
  pem_text = text.str();
  struct stat info {};
  if (warning && ::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    *warning =
        "private key file '" + path + "' is readable by other users; run: chmod 600 '" + path + "'";
  }
  return Status::ok();
}

AuthenticatorPtr makeBearerAuthenticator(const std::string& token,
                                         const SecretRegistrar& register_secret) {
  if (register_secret) register_secret(token);
  return std::make_unique<BearerAuthenticator>(token);
}

bool verifyRsaPssSignature(const std::string& public_key_pem, const std::string& message,
                           const std::string& signature_base64) {
  std::vector<unsigned char> signature;
  if (!unbase64(signature_base64, signature)) return false;
  BIO* bio = BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) return false;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pkey_context = nullptr;
  const bool ok = EVP_DigestVerifyInit(context, &pkey_context, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_PKEY_CTX_set_rsa_padding(pkey_context, RSA_PKCS1_PSS_PADDING) == 1 &&
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_context, RSA_PSS_SALTLEN_DIGEST) == 1 &&
                  EVP_PKEY_CTX_set_rsa_mgf1_md(pkey_context, EVP_sha256()) == 1 &&
                  EVP_DigestVerifyUpdate(context, message.data(), message.size()) == 1 &&
                  EVP_DigestVerifyFinal(context, signature.data(), signature.size()) == 1;
  EVP_MD_CTX_free(context);
  EVP_PKEY_free(key);
  ERR_clear_error();
  return ok;
}

namespace {

std::string envOr(const std::string& value, const char* variable) {
  if (!value.empty()) return value;
  const char* env = std::getenv(variable);
  return env ? env : "";
}

// A credential that goes into an HTTP header: surrounding spaces and line ends (a value pasted
// with its newline) are trimmed; any other control character is refused, since it could end the
// header and start another. The message names where the value came from, never the value.
Status headerSafe(std::string& value, const std::string& source) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!value.empty() && space(value.back())) value.pop_back();
  size_t start = 0;
  while (start < value.size() && space(value[start])) ++start;
  value.erase(0, start);
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return Status::invalidConfig(
          source +
          " contains a control character (such as a line break inside it); it "
          "cannot be sent in an HTTP header: set it again without one");
    }
  }
  return Status::ok();
}

}  // namespace

Status makeAuthenticator(const Credentials& config, AuthenticatorPtr& out, std::string& warning,
                         const SecretRegistrar& register_secret) {
  out.reset();
  if (config.auth == "none") return Status::ok();
  std::string key_id = envOr(config.key_id, "KALSHI_API_KEY_ID");
  const std::string key_path = envOr(config.private_key_path, "KALSHI_PRIVATE_KEY_PATH");
  const std::string key_inline = envOr(config.private_key, "KALSHI_PRIVATE_KEY");
  std::string token = envOr(config.api_key, "KALSHI_API_KEY");
  const std::string token_file = envOr(config.api_key_file, "KALSHI_API_KEY_FILE");
  if (token.empty() && !token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) return Status::invalidConfig("cannot read the API key file '" + token_file + "'");
    std::getline(in, token);
    if (Status status =
            headerSafe(token, "the first line of the API key file '" + token_file + "'");
        !status.isOk()) {
      return status;
    }
  }
  if (Status status =
          headerSafe(key_id, config.key_id.empty() ? "KALSHI_API_KEY_ID" : "option 'key_id'");
      !status.isOk()) {
    return status;
  }
  if (Status status =
          headerSafe(token, config.api_key.empty() ? "KALSHI_API_KEY" : "option 'api_key'");
      !status.isOk()) {
    return status;
  }
  const bool have_rsa = !key_id.empty() && (!key_path.empty() || !key_inline.empty());
  std::string mode = config.auth;
  if (mode == "auto") {
    if (have_rsa) {
      mode = "rsa_pss";
    } else if (!token.empty()) {
      mode = "bearer";
    } else {
      return Status::invalidConfig(
          "no Kalshi credentials: set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH (RSA-PSS, "
          "what the real API uses) or KALSHI_API_KEY (bearer token)");
    }
  }
  if (mode == "bearer") {
    if (token.empty()) {
      return Status::invalidConfig(
          "auth: bearer needs a token: set KALSHI_API_KEY (or api_key_file)");
    }
    out = makeBearerAuthenticator(token, register_secret);
    return Status::ok();
  }
  if (key_id.empty())
    return Status::invalidConfig("auth: rsa_pss needs a key id: set KALSHI_API_KEY_ID");
  std::string pem = key_inline;
  if (!key_path.empty()) {
    if (Status status = loadPrivateKeyFile(key_path, pem, &warning); !status.isOk()) return status;
  }
  if (pem.empty()) {
    return Status::invalidConfig("auth: rsa_pss needs a private key: set KALSHI_PRIVATE_KEY_PATH");
  }
  return makeRsaPssAuthenticator(key_id, pem, out, register_secret);
}

}  // namespace kalshi
}  // namespace kalshi_direct
