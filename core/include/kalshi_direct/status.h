// Status: the one way results and failures cross a plugin boundary.
//
// Plugins never let exceptions escape into the runner's contract: every call that can fail returns
// a Status. (The runner still catches exceptions at the boundary and turns them into kFailed, so a
// built-in plugin that throws cannot crash a run.) A message is one line a user can act on; it
// never contains a secret.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace kalshi_direct {

enum class StatusCode {
  kOk = 0,
  kEndOfStream,      // Source::read: nothing more to read (not an error).
  kRetry,            // Transient failure: the same call may succeed later; the runner backs off.
  kReject,           // The input is bad and will never be accepted: dead-letter it, go on.
  kUnavailable,      // An upstream system cannot be reached (network, outage, 5xx after retries).
  kUnauthenticated,  // Credentials are missing or wrong: retrying or falling back will not help.
  kInvalidConfig,    // Bad options or configuration: exit code 2.
  kFailed,           // Anything else that ends the run: exit code 1.
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status endOfStream() { return Status(StatusCode::kEndOfStream, {}); }
  static Status retry(std::string message) { return {StatusCode::kRetry, std::move(message)}; }
  static Status reject(std::string message) { return {StatusCode::kReject, std::move(message)}; }
  static Status unavailable(std::string message) {
    return {StatusCode::kUnavailable, std::move(message)};
  }
  static Status unauthenticated(std::string message) {
    return {StatusCode::kUnauthenticated, std::move(message)};
  }
  static Status invalidConfig(std::string message) {
    return {StatusCode::kInvalidConfig, std::move(message)};
  }
  static Status failed(std::string message) { return {StatusCode::kFailed, std::move(message)}; }

  bool isOk() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is prefixed with `context: ` (e.g. the stage that failed).
  Status withContext(const std::string& context) const {
    if (isOk() || code_ == StatusCode::kEndOfStream) return *this;
    return Status(code_, message_.empty() ? context : context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A failed file operation as a Status: a problem with the path that the user can fix (missing
// directory, permissions, a directory where a file should be) is a configuration error (exit 2);
// anything else (disk full, I/O error) fails the run.
inline Status statusFromErrno(const std::string& message, int error) {
  const std::string text = message + ": " + std::strerror(error);
  switch (error) {
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
    case EACCES:
    case EPERM:
    case EROFS:
    case ENAMETOOLONG:
      return Status::invalidConfig(text);
    default:
      return Status::failed(text);
  }
}

inline const char* statusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kEndOfStream:
      return "end of stream";
    case StatusCode::kRetry:
      return "retry";
    case StatusCode::kReject:
      return "reject";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
    case StatusCode::kInvalidConfig:
      return "invalid configuration";
    case StatusCode::kFailed:
      return "failed";
  }
  return "unknown";
}

}  // namespace kalshi_direct
