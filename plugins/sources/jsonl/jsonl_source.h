// JsonlSource: records from a JSON-lines file (one JSON object per line), for tests and replays.
//
// Each non-blank line becomes one Record of the configured stream, fields in document order:
// strings -> string, true/false -> bool, null -> null, integers that fit int64 -> int, any other
// number -> Decimal taken exactly from its text (never through a double), nested objects and
// arrays -> their JSON text as a string. A line that is not a JSON object is rejected through
// SourceContext::reject with "line N: reason" and reading goes on. With `resume`, checkpoint()
// is {"offset": byte offset after the last line read} and open() continues from the committed one.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace plugins {

struct JsonlSourceConfig {
  std::string path;
  std::string stream = "records";
  bool resume = false;
};

// Converts the text of a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?. Without
// fraction or exponent and within int64 it is an int; otherwise an exact Decimal (scale 0..18).
// Returns false with a reason when the text is not a JSON number or does not fit a Decimal.
bool jsonNumberToValue(std::string_view text, Value& out, std::string& reason);

// Parses one line holding a JSON object into `out` (cleared first). Reuses its parser buffers.
class JsonLineParser {
 public:
  JsonLineParser();
  ~JsonLineParser();
  JsonLineParser(const JsonLineParser&) = delete;
  JsonLineParser& operator=(const JsonLineParser&) = delete;

  bool parse(std::string_view line, Record& out, std::string& reason);

 private:
  struct Parsers;
  std::unique_ptr<Parsers> parsers_;
  std::string padded_;  // the line with simdjson's padding after it
};

class JsonlSource final : public Source {
 public:
  explicit JsonlSource(JsonlSourceConfig config);
  ~JsonlSource() override;
  JsonlSource(const JsonlSource&) = delete;
  JsonlSource& operator=(const JsonlSource&) = delete;

  Status open(SourceContext& context) override;
  Status read(Batch& batch) override;
  StateMap checkpoint() const override;
  Status close() override;

 private:
  Status seekTo(int64_t offset);

  JsonlSourceConfig config_;
  SourceContext* context_ = nullptr;
  std::FILE* file_ = nullptr;
  char* line_buffer_ = nullptr;  // getline()'s buffer
  size_t line_capacity_ = 0;
  int64_t offset_ = 0;       // bytes consumed: just after the last line read
  int64_t line_number_ = 0;  // of the last line read, 1-based
  bool at_end_ = false;
  JsonLineParser parser_;
};

}  // namespace plugins
}  // namespace kalshi_direct
