// Test doubles for engine tests: factories that hand out instances prepared by the test, a source
// that replays batches, and a sink that writes into the engine's shared SQLite transaction.
#pragma once

#include <sqlite3.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kalshi_direct/engine/sqlite.h"
#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace testing {

template <typename FactoryBase, typename Ptr>
class PreparedFactory : public FactoryBase {
 public:
  PreparedFactory(std::string name, std::vector<OptionSpec> options = {})
      : name_(std::move(name)), options_(std::move(options)) {}
  std::string name() const override { return name_; }
  std::string description() const override { return "test plugin " + name_; }
  std::vector<OptionSpec> options() const override { return options_; }
  Status create(const Options& options, Ptr& out) const override {
    if (!make) return Status::failed("no instance prepared for " + name_);
    out = make(options);
    return out ? Status::ok() : Status::invalidConfig("create refused");
  }
  std::function<Ptr(const Options&)> make;

 private:
  std::string name_;
  std::vector<OptionSpec> options_;
};

class FakeSourceFactory : public PreparedFactory<SourceFactory, SourcePtr> {
 public:
  FakeSourceFactory(std::string name, std::vector<std::string> streams,
                    std::vector<OptionSpec> options = {})
      : PreparedFactory(std::move(name), std::move(options)), streams_(std::move(streams)) {}
  std::vector<std::string> streams(const Options&) const override { return streams_; }

 private:
  std::vector<std::string> streams_;
};

using FakeTransformFactory = PreparedFactory<TransformFactory, TransformPtr>;

class FakeSinkFactory : public PreparedFactory<SinkFactory, SinkPtr> {
 public:
  using PreparedFactory::PreparedFactory;
  std::vector<std::string> default_inputs;
  std::vector<std::string> defaultInputs(const Options&) const override { return default_inputs; }
  std::vector<StoreTables> declared_tables;
  std::vector<StoreTables> tables(const Options&) const override { return declared_tables; }
};

class FakeModelFactory : public PreparedFactory<ModelFactory, ModelPtr> {
 public:
  using PreparedFactory::PreparedFactory;
  std::vector<StoreTables> declared;
  std::vector<StoreTables> tables(const Options&) const override { return declared; }
};

// A derived table: at each run, `totals` holds the number of rows in `rows` (TableSink's) and how
// many runs there were. `fail_at_run` (1-based) makes that run fail. The calls are counted in a
// Counts the test owns (the runner destroys the model at the end of the run).
class CountingModel : public Model {
 public:
  struct Counts {
    int runs = 0;
    int end_of_input_runs = 0;
  };
  CountingModel(Counts& counts, int fail_at_run) : counts_(counts), fail_at_run_(fail_at_run) {}
  Status open(ModelContext& context) override {
    store_ = &context.store();
    store_->exec("CREATE TABLE IF NOT EXISTS rows (id TEXT PRIMARY KEY)");
    store_->exec(
        "CREATE TABLE IF NOT EXISTS totals (one INTEGER PRIMARY KEY, n INTEGER, runs INTEGER)");
    return Status::ok();
  }
  Status run(const ModelRun& info) override {
    ++counts_.runs;
    if (info.end_of_input) ++counts_.end_of_input_runs;
    if (counts_.runs == fail_at_run_) return Status::failed("model broke");
    store_->exec(
        "INSERT INTO totals (one, n, runs) VALUES (1, (SELECT count(*) FROM rows), 1) ON CONFLICT "
        "(one) DO UPDATE SET n = excluded.n, runs = runs + 1");
    return Status::ok();
  }

 private:
  Counts& counts_;
  int fail_at_run_;
  Store* store_ = nullptr;
};

// Replays batches; its checkpoint is {"read": <records read>} and it resumes from committedState.
class ReplaySource : public Source {
 public:
  explicit ReplaySource(std::vector<Batch> batches) : batches_(batches.begin(), batches.end()) {}
  Status open(SourceContext& context) override {
    context_ = &context;
    auto it = context.committedState().find("read");
    resumed_from = it == context.committedState().end() ? 0 : std::stoul(it->second);
    for (size_t skipped = 0; skipped < resumed_from && !batches_.empty();) {
      skipped += batches_.front().size();
      batches_.pop_front();
    }
    return Status::ok();
  }
  Status read(Batch& batch) override {
    if (fail_after_batches >= 0 && served_ >= fail_after_batches) return failure;
    if (batches_.empty()) return Status::endOfStream();
    batch = std::move(batches_.front());
    batches_.pop_front();
    read_ += batch.size();
    ++served_;
    return Status::ok();
  }
  StateMap checkpoint() const override { return {{"read", std::to_string(resumed_from + read_)}}; }

  int fail_after_batches = -1;
  Status failure = Status::failed("source broke");
  size_t resumed_from = 0;

 private:
  std::deque<Batch> batches_;
  SourceContext* context_ = nullptr;
  size_t read_ = 0;
  int served_ = 0;
};

// Inserts each record's "id" into table `rows` of the engine-managed database.
class TableSink : public Sink {
 public:
  explicit TableSink(std::string path) : path_(std::move(path)) {}
  std::string storeLocation() const override { return path_; }
  Status open(SinkContext& context) override {
    store_ = context.store();
    if (!store_) return Status::failed("no store");
    store_->exec("CREATE TABLE IF NOT EXISTS rows (id TEXT PRIMARY KEY)");
    return Status::ok();
  }
  WriteResult write(const Batch& batch) override {
    StoreStatementPtr insert = store_->prepare("INSERT OR REPLACE INTO rows (id) VALUES (?)");
    for (const auto& record : batch.records) {
      insert->bind(1, record.get("id"));
      insert->run();
    }
    return WriteResult{Status::ok(), {}};
  }

 private:
  std::string path_;
  Store* store_ = nullptr;
};

inline Batch makeBatch(const std::string& stream, std::vector<std::string> ids) {
  Batch batch;
  batch.stream = stream;
  for (auto& id : ids) batch.records.push_back(Record{{"id", Value(std::move(id))}});
  return batch;
}

// Counts rows of a query on a fresh read-only connection (what a dashboard would see).
inline int64_t countRows(const std::string& path, const std::string& sql) {
  sqlite::Database database(path, sqlite::Database::Mode::kReadOnly);
  sqlite::Statement query(database.handle(), sql);
  return query.step() ? query.columnInt(0) : -1;
}

}  // namespace testing
}  // namespace kalshi_direct
