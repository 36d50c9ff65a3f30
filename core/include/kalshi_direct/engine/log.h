// Logging for the engine and built-in plugins, through Poco::Logger.
//
// Text format (default) writes "LEVEL [component] message" lines to stderr; --log-format json
// writes one JSON object per line ({"ts","level","component","message"}) for log shippers.
// Every message passes through redact(): registered secrets (API tokens, key ids, signatures)
// are replaced by "[REDACTED]" wherever they appear, so a secret that slips into an upstream
// error text still never reaches a log or the terminal.
#pragma once

#include <string>

#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace log {

enum class Format { kText, kJson };

// Call once at start-up. Messages below `minimum` are dropped.
void configure(Format format, LogLevel minimum);
void write(LogLevel level, const std::string& component, const std::string& message);
bool enabled(LogLevel level);

// A status line held at the bottom of a terminal (the progress line): it is drawn in place
// ("\r", erase line), and every log line is written above it, the status redrawn after it. An
// empty line erases it. The caller decides that stderr is a terminal. Thread-safe.
void setStatusLine(const std::string& line);

// Secrets to scrub from every message and every error line the CLI prints (thread-safe).
// Strings shorter than 4 characters are ignored (they would redact ordinary words).
void registerSecret(const std::string& secret);
std::string redact(std::string text);

inline void debug(const std::string& component, const std::string& message) {
  write(LogLevel::kDebug, component, message);
}
inline void info(const std::string& component, const std::string& message) {
  write(LogLevel::kInfo, component, message);
}
inline void warning(const std::string& component, const std::string& message) {
  write(LogLevel::kWarning, component, message);
}
inline void error(const std::string& component, const std::string& message) {
  write(LogLevel::kError, component, message);
}

}  // namespace log
}  // namespace kalshi_direct
