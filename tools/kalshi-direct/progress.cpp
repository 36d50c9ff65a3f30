#include "progress.h"

#include <unistd.h>

#include <cstdio>

#include "kalshi_direct/engine/log.h"

namespace kalshi_direct {
namespace cli {

namespace {

// 1234567 -> "1,234,567"
std::string grouped(uint64_t number) {
  std::string digits = std::to_string(number);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3)
    digits.insert(static_cast<size_t>(at), ",");
  return digits;
}

uint64_t counter(const RunProgress& progress, const char* name) {
  auto found = progress.source_counters.find(name);
  return found == progress.source_counters.end() ? 0 : found->second;
}

std::string clock(double seconds) {
  const auto total = static_cast<uint64_t>(seconds + 0.5);
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%llu:%02llu:%02llu",
                  static_cast<unsigned long long>(total / 3600),
                  static_cast<unsigned long long>(total / 60 % 60),
                  static_cast<unsigned long long>(total % 60));
  else
    std::snprintf(text, sizeof text, "%llu:%02llu", static_cast<unsigned long long>(total / 60),
                  static_cast<unsigned long long>(total % 60));
  return text;
}

}  // namespace

ProgressLine::Mode ProgressLine::modeFor(bool quiet, bool json_log) {
  if (quiet) return Mode::kOff;
  return !json_log && ::isatty(STDERR_FILENO) ? Mode::kTerminal : Mode::kLog;
}

ProgressLine::ProgressLine(std::string pipeline, Mode mode, std::chrono::milliseconds interval)
    : pipeline_(std::move(pipeline)), mode_(mode), interval_(interval) {}

ProgressLine::~ProgressLine() { finish(); }

std::string ProgressLine::describe(const RunProgress& progress) {
  std::string line = progress.stream + "  page " + grouped(progress.batches) + "  " +
                     grouped(progress.records_read) + " rows";
  if (progress.seconds >= 0.5) {
    line +=
        "  " + grouped(static_cast<uint64_t>(progress.records_read / progress.seconds)) + " rows/s";
  }
  if (progress.source_counters.count("http_requests")) {
    line += "  " + grouped(counter(progress, "http_requests")) + " requests (" +
            grouped(counter(progress, "http_429")) + " x 429)";
  }
  const uint64_t done = progress.progress_done, total = progress.progress_total;
  if (done > 0 && total >= done && progress.seconds >= 1) {
    line += "  ETA " +
            clock(progress.seconds * static_cast<double>(total - done) / static_cast<double>(done));
  }
  return line;
}

void ProgressLine::update(const RunProgress& progress) {
  if (mode_ == Mode::kOff) return;
  const auto now = std::chrono::steady_clock::now();
  const auto every = mode_ == Mode::kTerminal ? std::chrono::milliseconds(200) : interval_;
  if (!last_) {
    last_ = now;  // the first line after one interval: a short run shows none
    if (mode_ == Mode::kLog) return;
  }
  if (now - *last_ < every) return;
  last_ = now;
  const std::string line = pipeline_ + ": " + describe(progress);
  if (mode_ == Mode::kLog) {
    log::info(pipeline_, "progress: " + describe(progress));
    return;
  }
  log::setStatusLine(line);  // log lines go above it
  shown_ = true;
}

void ProgressLine::finish() {
  if (!shown_) return;
  log::setStatusLine("");
  shown_ = false;
}

}  // namespace cli
}  // namespace kalshi_direct
