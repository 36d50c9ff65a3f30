// tally: a drop-in sink that writes into the pipeline's store, committed with its rows and state.
//
// Counts records per value of one field (`by`) into a table of the store at `path`. It shows the
// Store half of the SDK: storeLocation() names the store, the engine opens it, shares it with the
// other sinks of that location and runs the transaction; the sink only prepares statements and
// binds values. The counts and the source's position commit together, so a crash and a re-run
// never count a record twice. A StoreError never leaves the sink: it becomes a Status (kRetry when
// another writer holds the lock).
#include <kalshi_direct/sdk.h>

#include <map>
#include <memory>
#include <string>

namespace {

using namespace kalshi_direct;

class TallySink final : public Sink {
 public:
  TallySink(std::string path, std::string table, std::string by)
      : path_(std::move(path)), table_(std::move(table)), by_(std::move(by)) {}

  std::string storeLocation() const override { return path_; }

  Status open(SinkContext& context) override {
    store_ = context.store();
    if (!store_) return Status::failed("no store for '" + path_ + "'");
    try {
      store_->exec("CREATE TABLE IF NOT EXISTS " + quoteIdentifier(table_) +
                   " (stream TEXT NOT NULL, value TEXT NOT NULL, records INTEGER NOT NULL,"
                   " PRIMARY KEY (stream, value))");
      upsert_ = store_->prepare("INSERT INTO " + quoteIdentifier(table_) +
                                " (stream, value, records) VALUES (?, ?, ?) ON CONFLICT (stream, "
                                "value) DO UPDATE SET records = records + excluded.records");
    } catch (const StoreError& error) {
      return Status::failed(std::string("tally: ") + error.what());
    }
    return Status::ok();
  }

  WriteResult write(const Batch& batch) override {
    for (const Record& record : batch.records) {
      const Value& value = record.get(by_);
      ++pending_[{batch.stream, value.isNull() ? "(none)" : value.toText()}];
    }
    return WriteResult{Status::ok(), {}};
  }

  // Into the engine's open transaction: committed with the rows of the other sinks and the state.
  Status flush() override {
    try {
      for (const auto& [key, count] : pending_) {
        upsert_->bindText(1, key.first);
        upsert_->bindText(2, key.second);
        upsert_->bindInt(3, count);
        upsert_->run();
      }
    } catch (const StoreError& error) {
      const std::string message = std::string("tally: ") + error.what();
      return error.retryable() ? Status::retry(message) : Status::failed(message);
    }
    pending_.clear();
    return Status::ok();
  }

  void rollback() override { pending_.clear(); }

 private:
  std::string path_, table_, by_;
  Store* store_ = nullptr;
  StoreStatementPtr upsert_;
  std::map<std::pair<std::string, std::string>, int64_t> pending_;
};

class TallySinkFactory final : public SinkFactory {
 public:
  std::string name() const override { return "tally"; }
  std::string description() const override {
    return "Counts records per value of a field into a table of a store (example drop-in plugin)";
  }
  std::vector<OptionSpec> options() const override {
    return {
        OptionSpec("path", OptionType::kString).required().help("the store (a SQLite file)"),
        OptionSpec("table", OptionType::kString).defaultValue("tally").help("table to count in"),
        OptionSpec("by", OptionType::kString).required().help("field whose values are counted")};
  }
  std::vector<FieldReference> referencedFields(const Options& options) const override {
    return {{options.getString("by"), "by"}};
  }
  Status create(const Options& options, SinkPtr& out) const override {
    const std::string table = options.getString("table", "tally");
    if (!isValidIdentifier(table)) {
      return Status::invalidConfig(options.location("table").toString() + ": '" + table +
                                   "' is not a table name (letters, digits, _)");
    }
    out = std::make_unique<TallySink>(options.getString("path"), table, options.getString("by"));
    return Status::ok();
  }
};

Status registerTally(PluginRegistrar& registrar) {
  return registrar.addSink(std::make_unique<TallySinkFactory>());
}

}  // namespace

KALSHI_DIRECT_PLUGIN("tally", "1.0.0", registerTally)
