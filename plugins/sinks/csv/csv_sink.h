// CsvSink: writes records as RFC 4180 CSV into a file that only ever shows committed output.
//
// replace mode: every row goes to a temporary file next to the target (`<path>.tmp-<pid>`);
//   flush()/commit() fsync it; close() renames it over the target (atomic on POSIX) only when the
//   input ended (finish(): not after an interruption), the run committed, wrote nothing after its
//   last commit and never rolled back. Otherwise the temp
//   file is deleted and the old target is left exactly as it was.
// append mode: rows are buffered in the temporary file and appended to the target (and fsynced)
//   at flush(), just BEFORE the engine's database commit; checkpoint() reports the target's
//   length, which the engine commits in the same transaction as the source's state. On open, a
//   target longer than that committed length holds rows whose commit never happened (a crash
//   between the append and the commit): they are cut off, and the source sends them again - so
//   the file gets every row exactly once. rollback() cuts back to the last committed length.
//   Without a state database (no committed length) a torn last line (a crash in the middle of
//   an append) is still truncated back to its last complete record. Nothing changes in a dry run.
//
// Columns are `fields` or, when absent, the first record's field names (in append mode with a
// header, the existing file's header). A record lacking a column gets an empty cell; a field that
// is not a column is ignored with one warning per field name. One thread, engine lifecycle order.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace plugins {

struct CsvSinkConfig {
  enum class Mode { kReplace, kAppend };

  std::string path;
  Mode mode = Mode::kReplace;
  std::vector<std::string> fields;  // empty: take the columns from the data
  bool header = true;
  char delimiter = ',';
  std::string line_ending = "\n";  // "\n" or "\r\n"
  // Text cells a spreadsheet would run as a formula (starting with = + - @, tab or CR, and not a
  // plain number) get a leading apostrophe, as spreadsheet-safe CSV writers do (OWASP "CSV
  // injection"): a ticker like =HYPERLINK(...) shows as text instead of running.
  bool neutralize_formulas = true;
};

// Whether a spreadsheet would read `text` as a formula: it starts with = + - @ TAB or CR and is
// not a plain number ("-12.50" stays a number).
bool looksLikeFormula(std::string_view text);

// Appends `text` as one CSV field: between double quotes, with quotes doubled, when it contains
// the delimiter, a double quote, CR or LF (RFC 4180 section 2); verbatim otherwise.
void appendCsvField(std::string& out, std::string_view text, char delimiter);

// Splits the first CSV record of `data` (up to an unquoted line feed) into unquoted fields.
std::vector<std::string> parseCsvRecord(std::string_view data, char delimiter);

class CsvSink final : public Sink {
 public:
  explicit CsvSink(CsvSinkConfig config);
  ~CsvSink() override;
  CsvSink(const CsvSink&) = delete;
  CsvSink& operator=(const CsvSink&) = delete;

  Status open(SinkContext& context) override;
  WriteResult write(const Batch& batch) override;
  Status flush() override;
  Status finish() override;
  StateMap checkpoint() const override;
  Status commit() override;
  void rollback() override;
  Status close() override;

  const std::string& tempPathForTest() const { return temp_path_; }

 private:
  Status inspectExistingTarget();
  Status openTempFile();
  Status writeBuffer();
  Status appendTempToTarget();
  void appendHeader();
  void discardTempFile();
  void warn(const std::string& message);

  CsvSinkConfig config_;
  SinkContext* context_ = nullptr;
  std::string temp_path_;
  int temp_fd_ = -1;
  std::string buffer_;  // rows not yet written to the temp file

  std::vector<std::string> columns_;
  std::set<std::string> column_set_;
  bool columns_known_ = false;
  std::set<std::string> warned_fields_;

  bool header_pending_ = false;            // the header still has to be written
  bool header_pending_at_commit_ = false;  // ... as of the last commit (restored by rollback)
  bool committed_ = false;                 // commit() succeeded at least once
  bool dirty_ = false;                     // rows written since the last commit
  bool rolled_back_ = false;               // replace mode: the run's output was discarded
  bool finished_ = false;                  // all input arrived (finish() was called)

  // append mode: where the target's complete records end, when its tail is torn or uncommitted.
  bool repair_pending_ = false;
  size_t repair_offset_ = 0;
  // append mode: the target's length after the last append, and as of the last commit.
  uint64_t durable_length_ = 0;
  uint64_t committed_length_ = 0;
};

}  // namespace plugins
}  // namespace kalshi_direct
