// The dead-letter output: records no stage could accept, each with the one-line reason.
//
// Appends one JSON object per line ({"time", "pipeline", "stage", "stream", "reason", and the
// "record" or the "raw" input}) to the pipeline's dead_letter path. The file is opened on first
// use, so a clean run creates none; a dry run counts and logs but writes nothing. flush() at each
// commit makes the lines of committed work durable in the order they were written.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "kalshi_direct/record.h"

namespace kalshi_direct {

class DeadLetterWriter {
 public:
  DeadLetterWriter(std::string path, std::string pipeline, bool dry_run)
      : path_(std::move(path)), pipeline_(std::move(pipeline)), dry_run_(dry_run) {}

  // `record` (a record a sink or transform refused) or `raw` (input a source could not turn into
  // a record) may be null. Throws std::runtime_error when the file cannot be written.
  void write(const std::string& stage, const std::string& stream, const std::string& reason,
             const Record* record, const std::string* raw);
  void flush() {
    if (out_.is_open()) out_.flush();
  }
  uint64_t count() const { return count_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string pipeline_;
  bool dry_run_;
  std::ofstream out_;
  uint64_t count_ = 0;
};

}  // namespace kalshi_direct
