#include "kalshi_direct/engine/log.h"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <chrono>
#include <iostream>
#include <mutex>
#include <vector>

#include "kalshi_direct/json_writer.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace log {

namespace {

std::mutex& statusMutex() {
  static std::mutex mutex;  // also orders the log lines
  return mutex;
}
std::string& statusLine() {
  static std::string line;
  return line;
}

std::mutex& secretsMutex() {
  static std::mutex mutex;
  return mutex;
}
std::vector<std::string>& secrets() {
  static std::vector<std::string> list;
  return list;
}

Format g_format = Format::kText;

// A Poco channel writing redacted lines to stderr, as text or JSON.
class StderrChannel : public Poco::Channel {
 public:
  void log(const Poco::Message& message) override {
    const char* level = "info";
    switch (message.getPriority()) {
      case Poco::Message::PRIO_FATAL:
      case Poco::Message::PRIO_CRITICAL:
      case Poco::Message::PRIO_ERROR:
        level = "error";
        break;
      case Poco::Message::PRIO_WARNING:
        level = "warning";
        break;
      case Poco::Message::PRIO_NOTICE:
      case Poco::Message::PRIO_INFORMATION:
        level = "info";
        break;
      default:
        level = "debug";
        break;
    }
    const std::string text = redact(message.getText());
    const std::string& component = message.getSource();
    std::string line;
    if (g_format == Format::kJson) {
      const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch());
      line = "{\"ts\":";
      appendJsonString(line, Timestamp::fromMicros(now.count()).toIso8601());
      line += ",\"level\":";
      appendJsonString(line, level);
      line += ",\"component\":";
      appendJsonString(line, component);
      line += ",\"message\":";
      appendJsonString(line, text);
      line += "}\n";
    } else {
      line = std::string(level) + (component.empty() ? "" : " [" + component + "]") + " " + text +
             "\n";
    }
    std::lock_guard<std::mutex> lock(statusMutex());
    const std::string& status = statusLine();
    if (status.empty()) {
      std::cerr << line << std::flush;
    } else {
      std::cerr << "\r\033[K" << line << status << std::flush;  // the line above the status
    }
  }
};

Poco::Message::Priority toPriority(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return Poco::Message::PRIO_DEBUG;
    case LogLevel::kInfo:
      return Poco::Message::PRIO_INFORMATION;
    case LogLevel::kWarning:
      return Poco::Message::PRIO_WARNING;
    case LogLevel::kError:
      return Poco::Message::PRIO_ERROR;
  }
  return Poco::Message::PRIO_INFORMATION;
}

Poco::Logger& rootLogger() {
  static Poco::Logger& logger = []() -> Poco::Logger& {
    Poco::Logger& root = Poco::Logger::get("kalshi-direct");
    root.setChannel(Poco::AutoPtr<Poco::Channel>(new StderrChannel));
    root.setLevel(Poco::Message::PRIO_INFORMATION);
    return root;
  }();
  return logger;
}

}  // namespace

void configure(Format format, LogLevel minimum) {
  g_format = format;
  rootLogger().setLevel(toPriority(minimum));
}

bool enabled(LogLevel level) { return rootLogger().getLevel() >= toPriority(level); }

void write(LogLevel level, const std::string& component, const std::string& message) {
  Poco::Logger& logger = rootLogger();
  const Poco::Message::Priority priority = toPriority(level);
  if (logger.getLevel() < priority) return;
  logger.log(Poco::Message(component, message, priority));
}

void setStatusLine(const std::string& line) {
  std::lock_guard<std::mutex> lock(statusMutex());
  std::string& status = statusLine();
  if (line.empty() && status.empty()) return;
  status = redact(line);
  std::cerr << "\r\033[K" << status << std::flush;
}

void registerSecret(const std::string& secret) {
  if (secret.size() < 4) return;
  std::lock_guard<std::mutex> lock(secretsMutex());
  secrets().push_back(secret);
}

std::string redact(std::string text) {
  std::lock_guard<std::mutex> lock(secretsMutex());
  for (const auto& secret : secrets()) {
    size_t position = 0;
    while ((position = text.find(secret, position)) != std::string::npos) {
      text.replace(position, secret.size(), "[REDACTED]");
      position += 10;
    }
  }
  return text;
}

}  // namespace log
}  // namespace kalshi_direct
