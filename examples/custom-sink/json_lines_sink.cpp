// json_lines: a drop-in sink that writes each record as one JSON object per line.
//
// Shows the whole plugin contract with nothing but the SDK headers: declared options, a factory,
// a sink that buffers between commits (so a failed or dry run publishes nothing), and the
// versioned entry point. Output is appended to `path` at each commit and flushed to disk.
#include <kalshi_direct/sdk.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {

using namespace kalshi_direct;

class JsonLinesSink final : public Sink {
 public:
  explicit JsonLinesSink(std::string path) : path_(std::move(path)) {}

  Status open(SinkContext& context) override {
    context_ = &context;
    file_ = std::fopen(path_.c_str(), "ab");
    if (!file_) return Status::failed("cannot open '" + path_ + "' for appending");
    return Status::ok();
  }

  WriteResult write(const Batch& batch) override {
    for (const Record& record : batch.records) {
      pending_ += "{\"stream\":";
      appendJsonString(pending_, batch.stream);
      for (const Field& field : record.fields()) {
        pending_.push_back(',');
        appendJsonString(pending_, field.name);
        pending_.push_back(':');
        appendJsonValue(pending_, field.value);
      }
      pending_ += "}\n";
    }
    return WriteResult{Status::ok(), {}};
  }

  Status commit() override {
    if (pending_.empty()) return Status::ok();
    if (std::fwrite(pending_.data(), 1, pending_.size(), file_) != pending_.size() ||
        std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0) {
      return Status::failed("cannot write to '" + path_ + "'");
    }
    context_->log(LogLevel::kDebug, "appended " + std::to_string(pending_.size()) + " bytes");
    pending_.clear();
    return Status::ok();
  }

  void rollback() override { pending_.clear(); }

  Status close() override {
    if (file_) std::fclose(file_);
    file_ = nullptr;
    return Status::ok();
  }

 private:
  std::string path_;
  SinkContext* context_ = nullptr;
  std::FILE* file_ = nullptr;
  std::string pending_;
};

class JsonLinesSinkFactory final : public SinkFactory {
 public:
  std::string name() const override { return "json_lines"; }
  std::string description() const override {
    return "Appends records as JSON lines (example drop-in plugin)";
  }
  std::vector<OptionSpec> options() const override {
    return {
        OptionSpec("path", OptionType::kString).required().help("file to append JSON lines to")};
  }
  Status create(const Options& options, SinkPtr& out) const override {
    out = std::make_unique<JsonLinesSink>(options.getString("path"));
    return Status::ok();
  }
};

Status registerJsonLines(PluginRegistrar& registrar) {
  return registrar.addSink(std::make_unique<JsonLinesSinkFactory>());
}

}  // namespace

KALSHI_DIRECT_PLUGIN("json_lines", "1.0.0", registerJsonLines)
