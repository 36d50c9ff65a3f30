#include "csv_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace kalshi_direct {
namespace plugins {

namespace {

constexpr size_t kBufferLimit = 1 << 20;  // write to the temp file every MiB
constexpr size_t kHeaderLimit = 1 << 20;  // longest existing header read back in append mode

std::string directoryOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Makes a rename or a new file's directory entry durable. Best effort: some file systems refuse.
void syncDirectory(const std::string& path) {
  const int fd = ::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

bool writeAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) {
    if (!text.empty()) text += ",";
    text += name;
  }
  return text;
}

}  // namespace

bool looksLikeFormula(std::string_view text) {
  if (text.empty() || std::string_view("=+-@\t\r").find(text.front()) == std::string_view::npos)
    return false;
  Decimal number;
  return !Decimal::parse(text, number);
}

void appendCsvField(std::string& out, std::string_view text, char delimiter) {
  bool needs_quotes = false;
  for (char c : text) {
    if (c == delimiter || c == '"' || c == '\r' || c == '\n') {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::vector<std::string> parseCsvRecord(std::string_view data, char delimiter) {
  std::vector<std::string> fields;
  std::string current;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field started with a quote
  for (size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < data.size() && data[i + 1] == '"') {
          current.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        current.push_back(c);
      }
    } else if (c == '"' && current.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == delimiter) {
      fields.push_back(std::move(current));
      current.clear();
      was_quoted = false;
    } else if (c == '\n') {
      if (!was_quoted && !current.empty() && current.back() == '\r') current.pop_back();
      fields.push_back(std::move(current));
      return fields;
    } else if (!(c == '\r' && was_quoted)) {
      current.push_back(c);
    }
  }
  if (!current.empty() || was_quoted || !fields.empty()) fields.push_back(std::move(current));
  return fields;
}

CsvSink::CsvSink(CsvSinkConfig config) : config_(std::move(config)) {}

CsvSink::~CsvSink() { discardTempFile(); }

void CsvSink::warn(const std::string& message) {
  if (context_) context_->log(LogLevel::kWarning, message);
}

Status CsvSink::open(SinkContext& context) {
  context_ = &context;
  temp_path_ = config_.path + ".tmp-" + std::to_string(::getpid());
  if (!config_.fields.empty()) {
    columns_ = config_.fields;
    column_set_ = std::set<std::string>(columns_.begin(), columns_.end());
    columns_known_ = true;
  }
  if (config_.mode == CsvSinkConfig::Mode::kAppend) {
    if (Status status = inspectExistingTarget(); !status.isOk()) return status;
    struct stat info {};
    const uint64_t size =
        ::stat(config_.path.c_str(), &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
    durable_length_ = repair_pending_ ? repair_offset_ : size;
    auto committed = context.committedState().find("length");
    int64_t length = 0;
    if (committed != context.committedState().end() && parseInt(committed->second, length) &&
        length >= 0) {
      if (static_cast<uint64_t>(length) < size) {
        // Rows appended after the last commit (the run died before committing): the source
        // sends them again, so they go.
        repair_pending_ = true;
        repair_offset_ = static_cast<size_t>(length);
        durable_length_ = static_cast<uint64_t>(length);
        warn("CSV file '" + config_.path +
             "': " + std::to_string(size - static_cast<uint64_t>(length)) +
             " bytes after the last commit are removed (an interrupted run wrote them; they are "
             "written again)");
      } else if (static_cast<uint64_t>(length) > size) {
        warn("CSV file '" + config_.path + "' is shorter than when it was last committed (" +
             std::to_string(size) + " < " + std::to_string(length) +
             " bytes): was it edited? Appending after its current end");
      }
    }
    committed_length_ = durable_length_;
    if (repair_pending_) header_pending_ = config_.header && repair_offset_ == 0;
  } else {
    struct stat info {};
    if (::stat(config_.path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
      return Status::invalidConfig("cannot write CSV file '" + config_.path +
                                   "': it is a directory");
    }
    header_pending_ = config_.header;
  }
  if (Status status = openTempFile(); !status.isOk()) return status;
  // A replaced file always gets its header, even when the run writes no rows.
  if (config_.mode == CsvSinkConfig::Mode::kReplace && columns_known_ && header_pending_) {
    appendHeader();
  }
  header_pending_at_commit_ = header_pending_;
  return Status::ok();
}

Status CsvSink::inspectExistingTarget() {
  const int fd = ::open(config_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      header_pending_ = config_.header;
      return Status::ok();
    }
    return statusFromErrno("cannot read CSV file '" + config_.path + "'", errno);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Status::invalidConfig("'" + config_.path + "' is not a regular file");
  }
  // A record ends at a line feed outside quotes; quotes toggle, so "" inside a field cancels out.
  bool in_quotes = false;
  size_t boundary = 0;  // just after the last complete record
  size_t first_boundary = std::string::npos;
  size_t size = 0;
  std::string first_record;
  std::string chunk(1 << 16, '\0');
  while (true) {
    const ssize_t count = ::read(fd, chunk.data(), chunk.size());
    if (count < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return statusFromErrno("cannot read CSV file '" + config_.path + "'", error);
    }
    if (count == 0) break;
    for (ssize_t i = 0; i < count; ++i) {
      const char c = chunk[static_cast<size_t>(i)];
      if (c == '"') {
        in_quotes = !in_quotes;
      } else if (c == '\n' && !in_quotes) {
        boundary = size + static_cast<size_t>(i) + 1;
        if (first_boundary == std::string::npos) first_boundary = boundary;
      }
    }
    if (first_record.size() < kHeaderLimit)
      first_record.append(chunk.data(), static_cast<size_t>(count));
    size += static_cast<size_t>(count);
  }
  ::close(fd);

  if (boundary < size) {
    repair_pending_ = true;
    repair_offset_ = boundary;
    warn("CSV file '" + config_.path + "' ends with an incomplete line (" +
         std::to_string(size - boundary) +
         " bytes, probably from an interrupted write); it is truncated to its last complete line "
         "before new rows are appended");
  }
  header_pending_ = config_.header && boundary == 0;
  if (config_.header && boundary > 0 && first_boundary <= first_record.size()) {
    const std::vector<std::string> existing =
        parseCsvRecord(std::string_view(first_record).substr(0, first_boundary), config_.delimiter);
    if (!columns_known_) {
      // Keep appending under the columns the file already has.
      columns_ = existing;
      column_set_ = std::set<std::string>(columns_.begin(), columns_.end());
      columns_known_ = !columns_.empty();
    } else if (existing != columns_) {
      warn("CSV file '" + config_.path + "' has the header " + joinNames(existing) +
           " but fields are " + joinNames(columns_) + "; rows are appended in the order of fields");
    }
  }
  return Status::ok();
}

Status CsvSink::openTempFile() {
  temp_fd_ = ::open(temp_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (temp_fd_ < 0) {
    return statusFromErrno(
        "cannot write CSV file '" + config_.path + "' (creating '" + temp_path_ + "')", errno);
  }
  // A replaced file keeps the permissions it had.
  struct stat info {};
  if (config_.mode == CsvSinkConfig::Mode::kReplace && ::stat(config_.path.c_str(), &info) == 0) {
    (void)::fchmod(temp_fd_, info.st_mode & 07777);
  }
  return Status::ok();
}

void CsvSink::appendHeader() {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) buffer_.push_back(config_.delimiter);
    appendCsvField(buffer_, columns_[i], config_.delimiter);
  }
  buffer_ += config_.line_ending;
  header_pending_ = false;
}

Status CsvSink::writeBuffer() {
  if (buffer_.empty()) return Status::ok();
  if (temp_fd_ < 0) return Status::failed("CSV sink for '" + config_.path + "' is not open");
  if (!writeAll(temp_fd_, buffer_.data(), buffer_.size())) {
    return statusFromErrno("cannot write '" + temp_path_ + "'", errno);
  }
  buffer_.clear();
  return Status::ok();
}

WriteResult CsvSink::write(const Batch& batch) {
  if (temp_fd_ < 0) {
    return {
        Status::failed(rolled_back_ ? "CSV sink for '" + config_.path + "' written after rollback"
                                    : "CSV sink for '" + config_.path + "' is not open"),
        {}};
  }
  const char delimiter = config_.delimiter;
  for (const Record& record : batch.records) {
    if (!columns_known_) {
      if (record.empty()) continue;  // nothing to take columns from yet
      for (const Field& field : record.fields()) {
        if (column_set_.insert(field.name).second) columns_.push_back(field.name);
      }
      columns_known_ = true;
    }
    if (header_pending_) appendHeader();
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) buffer_.push_back(delimiter);
      const Value* value = record.find(columns_[i]);
      std::string text = value ? value->toText() : std::string();
      if (config_.neutralize_formulas && value && value->type() == ValueType::kString &&
          looksLikeFormula(text)) {
        text.insert(text.begin(), '\'');
      }
      // A lone empty cell would be a blank line, which readers skip: quote it.
      if (columns_.size() == 1 && text.empty()) {
        buffer_ += "\"\"";
      } else {
        appendCsvField(buffer_, text, delimiter);
      }
    }
    buffer_ += config_.line_ending;
    for (const Field& field : record.fields()) {
      if (column_set_.count(field.name) == 0 && warned_fields_.insert(field.name).second) {
        warn("CSV file '" + config_.path + "' has no column '" + field.name +
             "'; the field is not written");
      }
    }
    dirty_ = true;
    if (buffer_.size() >= kBufferLimit) {
      if (Status status = writeBuffer(); !status.isOk()) return {status, {}};
    }
  }
  return {Status::ok(), {}};
}

Status CsvSink::flush() {
  if (temp_fd_ < 0) return Status::ok();
  if (Status status = writeBuffer(); !status.isOk()) return status;
  if (::fsync(temp_fd_) != 0) return statusFromErrno("cannot sync '" + temp_path_ + "'", errno);
  if (config_.mode == CsvSinkConfig::Mode::kAppend && !(context_ && context_->dryRun())) {
    // Before the engine's commit, so that the length committed with the state covers these rows.
    if (Status status = appendTempToTarget(); !status.isOk()) return status;
  }
  return Status::ok();
}

Status CsvSink::finish() {
  finished_ = true;
  // No record came and no `fields` were given: a replaced file still gets the header of the
  // fields its input declares (when every input stream declares the same ones).
  if (config_.mode == CsvSinkConfig::Mode::kReplace && !columns_known_ && header_pending_ &&
      context_ != nullptr && temp_fd_ >= 0) {
    const StreamFields& declared = context_->inputFields();
    if (declared.empty()) return Status::ok();
    const std::vector<std::string>& first = declared.begin()->second;
    for (const auto& [stream, fields] : declared) {
      if (fields != first) return Status::ok();
    }
    if (first.empty()) return Status::ok();
    columns_ = first;
    column_set_ = std::set<std::string>(columns_.begin(), columns_.end());
    columns_known_ = true;
    appendHeader();
    if (Status status = writeBuffer(); !status.isOk()) return status;
    if (::fsync(temp_fd_) != 0) return statusFromErrno("cannot sync '" + temp_path_ + "'", errno);
  }
  return Status::ok();
}

StateMap CsvSink::checkpoint() const {
  if (config_.mode != CsvSinkConfig::Mode::kAppend) return {};
  return {{"length", std::to_string(durable_length_)}};
}

Status CsvSink::appendTempToTarget() {
  const off_t pending = ::lseek(temp_fd_, 0, SEEK_CUR);
  if (pending < 0) return statusFromErrno("cannot read '" + temp_path_ + "'", errno);
  if (pending == 0 && !repair_pending_) return Status::ok();

  struct stat info {};
  const bool created = ::stat(config_.path.c_str(), &info) != 0;
  const int target = ::open(config_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (target < 0) return statusFromErrno("cannot append to CSV file '" + config_.path + "'", errno);
  auto fail = [&](const std::string& what) {
    const int error = errno;
    ::close(target);
    return statusFromErrno(what, error);
  };
  if (repair_pending_) {
    if (::ftruncate(target, static_cast<off_t>(repair_offset_)) != 0) {
      return fail("cannot truncate the incomplete last line of '" + config_.path + "'");
    }
    repair_pending_ = false;
  }
  std::string chunk(1 << 16, '\0');
  off_t offset = 0;
  while (offset < pending) {
    const ssize_t count = ::pread(temp_fd_, chunk.data(), chunk.size(), offset);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return fail("cannot read '" + temp_path_ + "'");
    if (!writeAll(target, chunk.data(), static_cast<size_t>(count))) {
      return fail("cannot append to CSV file '" + config_.path + "'");
    }
    offset += count;
  }
  if (::fsync(target) != 0) return fail("cannot sync CSV file '" + config_.path + "'");
  struct stat appended {};
  if (::fstat(target, &appended) == 0) durable_length_ = static_cast<uint64_t>(appended.st_size);
  ::close(target);
  if (created) syncDirectory(config_.path);
  if (::ftruncate(temp_fd_, 0) != 0 || ::lseek(temp_fd_, 0, SEEK_SET) != 0) {
    return statusFromErrno("cannot reset '" + temp_path_ + "'", errno);
  }
  return Status::ok();
}

Status CsvSink::commit() {
  if (rolled_back_) {
    return Status::failed("CSV sink for '" + config_.path + "' committed after rollback");
  }
  if (Status status = flush(); !status.isOk()) return status;
  committed_length_ = durable_length_;  // append mode: flush() already appended and synced
  committed_ = true;
  dirty_ = false;
  header_pending_at_commit_ = header_pending_;
  return Status::ok();
}

void CsvSink::rollback() {
  buffer_.clear();
  dirty_ = false;
  if (config_.mode == CsvSinkConfig::Mode::kReplace) {
    rolled_back_ = true;
    discardTempFile();
    return;
  }
  if (temp_fd_ >= 0) {
    (void)::ftruncate(temp_fd_, 0);
    (void)::lseek(temp_fd_, 0, SEEK_SET);
  }
  if (durable_length_ > committed_length_) {
    // Appended at a flush whose transaction did not commit: take it back.
    if (::truncate(config_.path.c_str(), static_cast<off_t>(committed_length_)) == 0) {
      durable_length_ = committed_length_;
    }
  }
  header_pending_ = header_pending_at_commit_;
}

Status CsvSink::close() {
  if (temp_fd_ < 0) return Status::ok();
  if (dirty_) {
    warn("CSV file '" + config_.path + "': rows written after the last commit are discarded");
  }
  if (config_.mode == CsvSinkConfig::Mode::kReplace && finished_ && committed_ && !dirty_ &&
      !rolled_back_) {
    if (Status status = flush(); !status.isOk()) {
      discardTempFile();
      return status;
    }
    ::close(temp_fd_);
    temp_fd_ = -1;
    if (::rename(temp_path_.c_str(), config_.path.c_str()) != 0) {
      const int error = errno;
      discardTempFile();
      return statusFromErrno("cannot replace CSV file '" + config_.path + "'", error);
    }
    temp_path_.clear();
    syncDirectory(config_.path);
    return Status::ok();
  }
  discardTempFile();
  return Status::ok();
}

void CsvSink::discardTempFile() {
  if (temp_fd_ >= 0) {
    ::close(temp_fd_);
    temp_fd_ = -1;
    ::unlink(temp_path_.c_str());
  }
}

}  // namespace plugins
}  // namespace kalshi_direct
