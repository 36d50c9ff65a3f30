#include "kalshi_direct/engine/runner.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "kalshi_direct/engine/database_lock.h"
#include "kalshi_direct/engine/dead_letters.h"
#include "kalshi_direct/engine/failpoint.h"
#include "kalshi_direct/engine/log.h"
#include "kalshi_direct/engine/postgres_store.h"
#include "kalshi_direct/engine/retry.h"
#include "kalshi_direct/engine/run_history.h"
#include "kalshi_direct/engine/source_switch.h"
#include "kalshi_direct/engine/stores.h"
#include "kalshi_direct/json_writer.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {

namespace {

using Clock = std::chrono::steady_clock;

// Runs a plugin call, turning exceptions into kFailed so a throwing plugin cannot crash the run.
template <typename Call>
Status guarded(const std::string& label, Call&& call) {
  try {
    return call();
  } catch (const std::exception& error) {
    return Status::failed(label + ": " + error.what());
  } catch (...) {
    return Status::failed(label + ": unknown exception");
  }
}

// Common StageContext behaviour for the three context kinds.
template <typename Base>
class ContextImpl : public Base {
 public:
  ContextImpl(const std::string& pipeline, const std::string& label, bool dry_run,
              const std::function<bool()>& stop, std::map<std::string, uint64_t>& counters)
      : pipeline_(pipeline), label_(label), dry_run_(dry_run), stop_(stop), counters_(counters) {}
  void addCounter(const std::string& name, uint64_t delta) override { counters_[name] += delta; }
  const std::string& pipelineName() const override { return pipeline_; }
  const std::string& stageName() const override { return label_; }
  void log(LogLevel level, const std::string& message) override {
    log::write(level, pipeline_ + " " + label_, message);
  }
  void registerSecret(const std::string& secret) override { log::registerSecret(secret); }
  bool dryRun() const override { return dry_run_; }
  bool stopRequested() const override { return stop_ && stop_(); }
  Status openReadOnlyStore(const std::string& location, StorePtr& out) override {
    std::string where;
    try {
      where = accountLocation(location, account_);
    } catch (const StoreError& error) {
      return Status::invalidConfig(error.what());
    }
    return openReadOnlyIfExists(where, out);
  }
  // The pipeline's account: applied to every store this stage opens (see accountLocation).
  void useAccount(const std::string& account) { account_ = account; }

 private:
  std::string account_;
  std::string pipeline_;
  std::string label_;
  bool dry_run_;
  const std::function<bool()>& stop_;
  std::map<std::string, uint64_t>& counters_;
};

// One SQLite file shared by the sinks that write into it.
struct ManagedDatabase {
  std::string path;  // absolute
  StorePtr database;
  bool in_memory_stand_in = false;  // dry run on a file that does not exist yet
  bool created = false;             // this run created the file (removed again on a config error)
  bool lock_created = false;        // this run created "<path>.lock"
  int lock_fd = -1;

  ~ManagedDatabase() {
    if (lock_fd >= 0) ::close(lock_fd);  // releases the flock
  }
};

class SourceContextImpl final : public ContextImpl<SourceContext> {
 public:
  SourceContextImpl(const std::string& pipeline, const std::string& label, bool dry_run,
                    const std::function<bool()>& stop, size_t batch_size, const StateMap& state,
                    DeadLetterWriter& dead_letters, StageReport& report)
      : ContextImpl(pipeline, label, dry_run, stop, report.counters),
        batch_size_(batch_size),
        state_(state),
        dead_letters_(dead_letters),
        report_(report) {}
  size_t batchSize() const override { return batch_size_; }
  const StateMap& committedState() const override { return state_; }
  void reject(const std::string& stream, const std::string& raw,
              const std::string& reason) override {
    ++report_.streams[stream].rejected;
    dead_letters_.write(stageName(), stream, reason, nullptr, &raw);
  }
  void reportProgress(uint64_t done, uint64_t total) override {
    progress_done_ = done;
    progress_total_ = total;
  }
  uint64_t progressDone() const { return progress_done_; }
  uint64_t progressTotal() const { return progress_total_; }

 private:
  uint64_t progress_done_ = 0, progress_total_ = 0;
  size_t batch_size_;
  const StateMap& state_;
  DeadLetterWriter& dead_letters_;
  StageReport& report_;
};

class SinkContextImpl final : public ContextImpl<SinkContext> {
 public:
  SinkContextImpl(const std::string& pipeline, const std::string& label, bool dry_run,
                  const std::function<bool()>& stop, std::map<std::string, uint64_t>& counters,
                  Store* store, const StateMap& state, const StreamFields& input_fields)
      : ContextImpl(pipeline, label, dry_run, stop, counters),
        store_(store),
        state_(state),
        input_fields_(input_fields) {}
  Store* store() override { return store_; }
  const StateMap& committedState() const override { return state_; }
  const StreamFields& inputFields() const override { return input_fields_; }

 private:
  Store* store_;
  const StateMap& state_;
  const StreamFields& input_fields_;
};

class ModelContextImpl final : public ContextImpl<ModelContext> {
 public:
  ModelContextImpl(const std::string& pipeline, const std::string& label, bool dry_run,
                   const std::function<bool()>& stop, std::map<std::string, uint64_t>& counters,
                   Store& store)
      : ContextImpl(pipeline, label, dry_run, stop, counters), store_(store) {}
  Store& store() override { return store_; }

 private:
  Store& store_;
};

// Sink state lives in the pipeline's state scope under "sink.<index>.<key>".
std::string sinkStatePrefix(size_t index) { return "sink." + std::to_string(index) + "."; }

using TransformContextImpl = ContextImpl<StageContext>;

bool takes(const std::vector<std::string>& inputs, const std::string& stream) {
  if (inputs.empty()) return true;
  for (const auto& input : inputs) {
    if (input == stream) return true;
  }
  return false;
}

class Runner {
 public:
  Runner(const ResolvedPipeline& pipeline, const Registry& registry, const RunOptions& options)
      : pipeline_(pipeline),
        spec_(pipeline.spec),
        registry_(registry),
        options_(options),
        dead_letters_(spec_.dead_letter_path, spec_.name, options.dry_run),
        retrier_(spec_.retry) {
    report_.pipeline = spec_.name;
    report_.dry_run = options.dry_run;
  }

  RunReport run() {
    const auto started = Clock::now();
    run_started_ = started;
    const int64_t started_us = Timestamp::now().micros();
    Status status = guarded("pipeline '" + spec_.name + "'", [&] { return execute(); });
    if (!status.isOk()) {
      rollbackAll();
      report_.error = log::redact(status.message());
      report_.exit_code = status.code() == StatusCode::kInvalidConfig ? kExitConfig : kExitFailed;
    }
    closeAll();
    if (report_.exit_code == kExitConfig && report_.commits == 0) removeCreatedFiles();
    try {
      dead_letters_.flush();
    } catch (...) {
    }
    report_.rejected = dead_letters_.count();
    if (report_.rejected > 0 && !options_.dry_run) report_.dead_letter_path = dead_letters_.path();
    for (const auto& stage : report_.stages) report_.retries += stage.retries;
    if (report_.exit_code == kExitOk) {
      if (report_.used_fallback && !spec_.allow_fallback) {
        report_.exit_code = kExitFailed;
        report_.error = "the source was unavailable (" + report_.fallback_reason +
                        ") and the pipeline does not allow the fallback (allow_fallback: false)";
      } else if (report_.rejected > 0) {
        report_.exit_code = kExitPartial;
      }
    }
    report_.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    recordRun(started_us);
    if (report_.exit_code == kExitOk || report_.exit_code == kExitPartial) refreshAccountViews();
    return std::move(report_);
  }

 private:
  struct SinkSlot {
    const ResolvedStage* stage;
    SinkPtr sink;
    std::unique_ptr<SinkContextImpl> context;
    size_t report_index;
    bool opened = false;
  };
  struct ModelSlot {
    const ResolvedStage* stage;
    ModelPtr model;
    std::unique_ptr<ModelContextImpl> context;
    size_t report_index;
    bool opened = false;
    Clock::time_point last_run{};  // or when it opened: min_interval counts from there
    Clock::duration last_took{};   // how long its last run took
    uint64_t records = 0;          // delivered since it last ran
  };
  struct TransformSlot {
    const ResolvedStage* stage;
    TransformPtr transform;
    std::unique_ptr<TransformContextImpl> context;
    size_t report_index;
    bool opened = false;
  };

  // Forwards what a transform emits into the rest of the pipeline.
  class ForwardingEmitter final : public Emitter {
   public:
    ForwardingEmitter(Runner& runner, size_t transform_index)
        : runner_(runner), index_(transform_index) {}
    void emit(Batch&& batch) override {
      if (!status_.isOk()) return;
      auto& counts = runner_.stageReport(runner_.transforms_[index_]).streams[batch.stream];
      counts.out += batch.size();
      status_ = runner_.deliver(index_ + 1, std::move(batch));
    }
    void reject(const std::string& stream, Record&& record, const std::string& reason) override {
      auto& slot = runner_.transforms_[index_];
      ++runner_.stageReport(slot).streams[stream].rejected;
      runner_.dead_letters_.write(slot.stage->spec.label, stream, reason, &record, nullptr);
    }
    const Status& status() const { return status_; }

   private:
    Runner& runner_;
    size_t index_;
    Status status_;
  };

  StageReport& stageReport(const TransformSlot& slot) { return report_.stages[slot.report_index]; }
  StageReport& stageReport(const SinkSlot& slot) { return report_.stages[slot.report_index]; }

  size_t addReport(const std::string& label) {
    report_.stages.push_back(StageReport{label, {}, 0, {}});
    return report_.stages.size() - 1;
  }

  Status execute() {
    // Stage contexts keep references to their report's counters: the vector must never grow past
    // this (source, fallback, every transform, sink and model).
    report_.stages.reserve(2 + pipeline_.transforms.size() + pipeline_.sinks.size() +
                           pipeline_.models.size());
    // 1. Instantiate every plugin (options are already validated).
    SourcePtr source;
    if (Status s = createSource(pipeline_.source, source); !s.isOk()) return s;
    source_report_ = addReport(pipeline_.source.spec.label);
    for (const auto& stage : pipeline_.transforms) {
      TransformSlot slot{&stage, nullptr, nullptr, addReport(stage.spec.label)};
      const auto* factory = registry_.findTransform(stage.spec.type);
      if (Status s = guarded(stage.spec.label,
                             [&] { return factory->create(stage.options, slot.transform); });
          !s.isOk()) {
        return Status(s.code(), describeStageError(stage, s));
      }
      slot.context = std::make_unique<TransformContextImpl>(
          spec_.name, stage.spec.label, options_.dry_run, options_.stop_requested,
          report_.stages[slot.report_index].counters);
      slot.context->useAccount(spec_.account);
      transforms_.push_back(std::move(slot));
    }
    for (const auto& stage : pipeline_.sinks) {
      SinkSlot slot{&stage, nullptr, nullptr, addReport(stage.spec.label)};
      const auto* factory = registry_.findSink(stage.spec.type);
      if (Status s =
              guarded(stage.spec.label, [&] { return factory->create(stage.options, slot.sink); });
          !s.isOk()) {
        return Status(s.code(), describeStageError(stage, s));
      }
      sinks_.push_back(std::move(slot));
    }
    for (const auto& stage : pipeline_.models) {
      ModelSlot slot{&stage, nullptr, nullptr, addReport(stage.spec.label)};
      const auto* factory = registry_.findModel(stage.spec.type);
      if (Status s =
              guarded(stage.spec.label, [&] { return factory->create(stage.options, slot.model); });
          !s.isOk()) {
        return Status(s.code(), describeStageError(stage, s));
      }
      models_.push_back(std::move(slot));
    }

    // 2. Databases: one connection, lock and transaction per file; the state database last.
    //    A path that cannot be opened as SQLite is a configuration error (exit 2).
    //    The message names the stage (file:line:column) whose path it is.
    // A server's message says what to fix itself.
    const auto hintFor = [this](const std::string& location) -> std::string {
      if (isServerLocation(location) || !spec_.account.empty()) return "";
      return " (check the path, that its directory exists, its permissions and that it is a "
             "SQLite file)";
    };
    sink_states_.resize(sinks_.size());  // sized once: contexts keep references into it
    for (size_t index = 0; index < sinks_.size(); ++index) {
      auto& slot = sinks_[index];
      const std::string path = slot.sink->storeLocation();
      Store* store = nullptr;
      try {
        store = path.empty() ? nullptr : openDatabase(path).database.get();
      } catch (const StoreError& error) {
        return Status::invalidConfig(describeStageError(
            *slot.stage, Status::invalidConfig(std::string(error.what()) + hintFor(path))));
      }
      slot.context = std::make_unique<SinkContextImpl>(
          spec_.name, slot.stage->spec.label, options_.dry_run, options_.stop_requested,
          report_.stages[slot.report_index].counters, store, sink_states_[index],
          slot.stage->input_fields);
      slot.context->useAccount(spec_.account);
    }
    for (auto& slot : models_) {
      Store* store = nullptr;
      try {
        store = openDatabase(slot.stage->spec.store).database.get();
      } catch (const StoreError& error) {
        return Status::invalidConfig(describeStageError(
            *slot.stage,
            Status::invalidConfig(std::string(error.what()) + hintFor(slot.stage->spec.store))));
      }
      slot.context = std::make_unique<ModelContextImpl>(
          spec_.name, slot.stage->spec.label, options_.dry_run, options_.stop_requested,
          report_.stages[slot.report_index].counters, *store);
      slot.context->useAccount(spec_.account);
    }
    if (!spec_.state_path.empty()) {
      try {
        state_database_ = &openDatabase(spec_.state_path);
      } catch (const StoreError& error) {
        return Status::invalidConfig(spec_.file + ": state: " + error.what() +
                                     hintFor(spec_.state_path));
      }
    }
    if (!state_database_ && !databases_.empty()) state_database_ = databases_.front().get();
    for (auto& database : databases_) database->database->begin();
    loadState();

    // 3. Open sinks, transforms, then the source (which may fail over to the fallback).
    //    A configuration problem found on open (a path, a key) names the stage's place.
    auto openFailure = [](const ResolvedStage& stage, const Status& s) {
      return s.code() == StatusCode::kInvalidConfig ? Status(s.code(), describeStageError(stage, s))
                                                    : s.withContext(stage.spec.label);
    };
    for (auto& slot : sinks_) {
      if (Status s =
              guarded(slot.stage->spec.label, [&] { return slot.sink->open(*slot.context); });
          !s.isOk()) {
        return openFailure(*slot.stage, s);
      }
      slot.opened = true;
    }
    for (auto& slot : models_) {
      if (Status s =
              guarded(slot.stage->spec.label, [&] { return slot.model->open(*slot.context); });
          !s.isOk()) {
        return openFailure(*slot.stage, s);
      }
      slot.opened = true;
      slot.last_run = Clock::now();
    }
    for (auto& slot : transforms_) {
      if (Status s =
              guarded(slot.stage->spec.label, [&] { return slot.transform->open(*slot.context); });
          !s.isOk()) {
        return openFailure(*slot.stage, s);
      }
      slot.opened = true;
    }
    SourceSwitch::OpenFallback open_fallback;
    if (pipeline_.fallback) {
      open_fallback = [this](SourcePtr& out) {
        if (Status s = createSource(*pipeline_.fallback, out); !s.isOk()) return s;
        fallback_report_ = addReport(pipeline_.fallback->spec.label);
        Status s = openSource(*out, *pipeline_.fallback, fallback_report_, fallback_context_);
        return s.isOk() ? s : s.withContext(pipeline_.fallback->spec.label);
      };
    }
    sources_ = std::make_unique<SourceSwitch>(std::move(source), std::move(open_fallback));
    {
      const Status s =
          openSource(sources_->primary(), pipeline_.source, source_report_, primary_context_);
      sources_->primaryOpened(s.isOk());
      if (!s.isOk()) {
        if (s.code() == StatusCode::kInvalidConfig || stopping())
          return openFailure(pipeline_.source, s);
        if (Status f = maybeFallBack(s); !f.isOk()) return f;
      }
    }

    // Sinks with their own output (files) get their starting point on record before any data
    // flows: otherwise a first run that dies before its first commit leaves output that no
    // committed state describes, and a re-run could not tell it from older content.
    if (!options_.dry_run && state_database_) {
      bool any = false;
      for (const auto& slot : sinks_) any = any || !slot.sink->checkpoint().empty();
      if (any) {
        if (Status s = commit(/*count=*/false); !s.isOk()) return s;
      }
    }

    // 4. Stream.
    last_commit_ = Clock::now();
    bool exhausted = false;
    while (!exhausted) {
      if (stopping()) break;
      Batch batch;
      const std::string label = activeLabel();
      Status status = readWithRetry(batch, label);
      // A read the stop cut short is no failure (and no reason to fall back): keep what came.
      if (!status.isOk() && status.code() != StatusCode::kEndOfStream && stopping()) break;
      if (status.code() == StatusCode::kEndOfStream) {
        exhausted = true;
      } else if (sources_->shouldSwitch(status)) {
        if (Status f = maybeFallBack(status); !f.isOk()) return f;
        continue;
      } else if (!status.isOk()) {
        return status.withContext(label);
      }
      if (!batch.empty()) {
        report_.records_read += batch.size();
        rows_since_commit_ += batch.size();
        for (auto& slot : models_) slot.records += batch.size();
        ++batches_read_;
        const std::string stream = batch.stream;
        const uint64_t stream_records =
            (report_.stages[active_report_].streams[batch.stream].out += batch.size());
        if (Status s = deliver(0, std::move(batch)); !s.isOk()) return s;
        failpoint("after_batch");
        reportProgress(stream, stream_records);
      }
      if (rows_since_commit_ >= static_cast<uint64_t>(spec_.commit_rows) ||
          Clock::now() - last_commit_ >= std::chrono::milliseconds(spec_.commit_interval_ms)) {
        // A timed commit with nothing to commit (no record, no new source state, no rejection)
        // is skipped: a live source waiting for messages does not write its state 4 times a
        // second.
        if (rows_since_commit_ == 0 && report_.rejected == rejected_at_commit_ &&
            !sourceStateChanged()) {
          last_commit_ = Clock::now();
        } else if (Status s = commit(); !s.isOk()) {
          return s;
        }
      }
    }

    // A source that ended because a stop was requested (it returns kEndOfStream when it sees
    // one) was interrupted too: what it delivered is partial.
    stopping();

    // 5. Let aggregating transforms emit (not after an interruption: their view is partial).
    if (!report_.interrupted) {
      for (size_t i = 0; i < transforms_.size(); ++i) {
        ForwardingEmitter emitter(*this, i);
        auto& slot = transforms_[i];
        if (Status s =
                guarded(slot.stage->spec.label, [&] { return slot.transform->finish(emitter); });
            !s.isOk()) {
          return s.withContext(slot.stage->spec.label);
        }
        if (!emitter.status().isOk()) return emitter.status();
      }
      for (auto& slot : sinks_) {
        if (Status s = guarded(slot.stage->spec.label, [&] { return slot.sink->flush(); });
            !s.isOk()) {
          return s.withContext(slot.stage->spec.label);
        }
      }
      for (auto& slot : sinks_) {
        if (Status s = guarded(slot.stage->spec.label, [&] { return slot.sink->finish(); });
            !s.isOk()) {
          return s.withContext(slot.stage->spec.label);
        }
      }
    }
    return commit(/*count=*/true, /*end_of_input=*/!report_.interrupted, /*last=*/true);
  }

  Status createSource(const ResolvedStage& stage, SourcePtr& out) {
    const auto* factory = registry_.findSource(stage.spec.type);
    Status status = guarded(stage.spec.label, [&] { return factory->create(stage.options, out); });
    return status.isOk() ? status : Status(status.code(), describeStageError(stage, status));
  }

  Status openSource(Source& source, const ResolvedStage& stage, size_t report_index,
                    std::unique_ptr<SourceContextImpl>& context) {
    context = std::make_unique<SourceContextImpl>(
        spec_.name, stage.spec.label, options_.dry_run, options_.stop_requested, spec_.batch_size,
        committed_state_, dead_letters_, report_.stages[report_index]);
    context->useAccount(spec_.account);
    active_report_ = report_index;
    active_context_ = context.get();
    return guarded(stage.spec.label, [&] { return source.open(*context); });
  }

  // Switches to the fallback source after `reason` (kUnavailable), or returns the failure.
  Status maybeFallBack(const Status& reason) {
    if (!sources_->shouldSwitch(reason)) return reason.withContext(pipeline_.source.spec.label);
    report_.used_fallback = true;
    report_.fallback_reason = reason.message();
    log::warning(spec_.name, pipeline_.source.spec.label + " is unavailable (" +
                                 log::redact(reason.message()) + "); using " +
                                 pipeline_.fallback->spec.label + " (last known state)");
    return sources_->switchToFallback([this](const Status& closed) {
      log::debug(spec_.name, pipeline_.source.spec.label + ": " + closed.message());
    });
  }

  std::string activeLabel() const {
    return sources_->onFallback() ? pipeline_.fallback->spec.label : pipeline_.source.spec.label;
  }

  // True once a stop was requested (SIGTERM/SIGINT): the run commits what it has and ends.
  bool stopping() {
    if (!options_.stop_requested || !options_.stop_requested()) return false;
    if (!report_.interrupted) {
      report_.interrupted = true;
      log::warning(spec_.name,
                   "stop requested: committing what was read, then stopping (a second Ctrl-C or "
                   "SIGTERM exits at once; what was committed is kept)");
    }
    return true;
  }

  Status readWithRetry(Batch& batch, const std::string& label) {
    return retrier_.run(
        [&] {
          batch.records.clear();
          batch.stream.clear();
          return guarded(label, [&] { return sources_->active()->read(batch); });
        },
        report_.stages[active_report_].retries);
  }

  // Sends a batch into transform `index` onwards, then to the sinks.
  Status deliver(size_t index, Batch&& batch) {
    for (size_t i = index; i < transforms_.size(); ++i) {
      auto& slot = transforms_[i];
      if (!takes(slot.stage->inputs, batch.stream)) continue;
      stageReport(slot).streams[batch.stream].in += batch.size();
      ForwardingEmitter emitter(*this, i);
      Status status = guarded(slot.stage->spec.label,
                              [&] { return slot.transform->process(std::move(batch), emitter); });
      if (!status.isOk()) return status.withContext(slot.stage->spec.label);
      return emitter.status();
    }
    return writeToSinks(batch);
  }

  // A stage that declared its stream's fields (StreamFields) promised that records carry no
  // others: the first record of each batch is checked (every record with KD_CHECK_FIELDS=1, which
  // the test suite sets, and then a broken promise fails the run). A broken promise is a plugin
  // bug: it is logged once per field, and the run goes on.
  Status checkDeclaredFields(const ResolvedStage& sink, const Batch& batch) {
    auto declared = sink.input_fields.find(batch.stream);
    if (declared == sink.input_fields.end()) return Status::ok();
    const size_t checked = check_every_record_ ? batch.size() : std::min<size_t>(batch.size(), 1);
    for (size_t i = 0; i < checked; ++i) {
      for (const Field& field : batch.records[i].fields()) {
        if (std::find(declared->second.begin(), declared->second.end(), field.name) !=
            declared->second.end())
          continue;
        const std::string message = "records of stream '" + batch.stream + "' carry field '" +
                                    field.name +
                                    "', which the stage producing them did not declare (a bug in "
                                    "that plugin's field list; declared: " +
                                    joinNames(declared->second) + ")";
        if (check_every_record_) return Status::failed(message);
        if (undeclared_warned_.insert(batch.stream + "." + field.name).second)
          log::warning(spec_.name, message);
      }
    }
    return Status::ok();
  }

  Status writeToSinks(const Batch& batch) {
    if (batch.empty()) return Status::ok();
    for (auto& slot : sinks_) {
      if (!takes(slot.stage->inputs, batch.stream)) continue;
      if (Status status = checkDeclaredFields(*slot.stage, batch); !status.isOk()) return status;
      auto& report = stageReport(slot);
      auto& counts = report.streams[batch.stream];
      counts.in += batch.size();
      WriteResult result;
      const Status written = retrier_.run(
          [&] {
            try {
              result = slot.sink->write(batch);
            } catch (const std::exception& error) {
              result = WriteResult{Status::failed(error.what()), {}};
            }
            return result.status;
          },
          report.retries);
      if (!written.isOk()) return written.withContext(slot.stage->spec.label);
      for (const auto& rejection : result.rejected) {
        if (rejection.index >= batch.size()) continue;
        ++counts.rejected;
        dead_letters_.write(slot.stage->spec.label, batch.stream, rejection.reason,
                            &batch.records[rejection.index], nullptr);
      }
      counts.out += batch.size() - std::min(batch.size(), result.rejected.size());
    }
    return Status::ok();
  }

  ManagedDatabase& openDatabase(const std::string& given) {
    const std::string path = accountLocation(given, spec_.account);
    const bool server = isServerLocation(path);
    const std::string absolute = server ? path : resolvedPath(path);
    for (auto& database : databases_) {
      if (database->path == absolute) return *database;
    }
    auto managed = std::make_unique<ManagedDatabase>();
    managed->path = absolute;
    if (server) {
      // A server's tables made by a run that then fails are rolled back with its transaction.
      managed->database = openStore(path, Store::Mode::kReadWriteCreate);
      if (options_.dry_run) {
        log::info(spec_.name,
                  "dry run: nothing will be committed to '" + managed->database->location() + "'");
      } else {
        lockPostgresWriter(*managed->database, "writer", writerDescription(spec_.name));
      }
      databases_.push_back(std::move(managed));
      return *databases_.back();
    }
    const bool exists = std::filesystem::exists(absolute);
    managed->created = !exists;
    if (options_.dry_run && !exists) {
      // A dry run must not create files: stand in with an in-memory database.
      managed->in_memory_stand_in = true;
      managed->database = openStandInStore(absolute);
      log::info(spec_.name,
                "dry run: database '" + path + "' does not exist yet and would be created");
    } else {
      // Open first: a path that is not a SQLite database fails here, before any file is written.
      std::error_code ec;
      const bool lock_existed = std::filesystem::exists(absolute + ".lock", ec);
      try {
        managed->database = openStore(absolute, Store::Mode::kReadWriteCreate);
      } catch (const StoreError&) {
        if (!exists) removeDatabaseFiles(absolute);  // e.g. a half-created file in a bad place
        throw;
      }
      managed->lock_fd = lockDatabase(absolute, spec_.name);
      managed->lock_created = !lock_existed;
    }
    databases_.push_back(std::move(managed));
    return *databases_.back();
  }

  static void removeDatabaseFiles(const std::string& path) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(path + suffix, ec);
  }

  // After a configuration error nothing may be left behind: databases and lock files this run
  // created (no commit happened) are removed again. Files that existed are never touched.
  void removeCreatedFiles() {
    for (auto& managed : databases_) {
      if (managed->in_memory_stand_in) continue;
      managed->database.reset();  // close the connection first
      if (managed->created) removeDatabaseFiles(managed->path);
      if (managed->lock_created && managed->lock_fd >= 0) {
        std::error_code ec;
        std::filesystem::remove(managed->path + ".lock", ec);  // still holding the flock
      }
    }
  }

  void loadState() {
    if (!state_database_) return;
    for (const auto& [key, value] : state_database_->database->readState(spec_.state_scope)) {
      if (key.rfind("sink.", 0) != 0) {
        committed_state_[key] = value;
        continue;
      }
      for (size_t i = 0; i < sink_states_.size(); ++i) {
        const std::string prefix = sinkStatePrefix(i);
        if (key.compare(0, prefix.size(), prefix) == 0)
          sink_states_[i][key.substr(prefix.size())] = value;
      }
    }
  }

  // Runs the models due at this commit, after the sinks flushed into the open transaction.
  // `end_of_input`: the run's last commit after all input; every model runs then. A model with a
  // min_interval is due once that long has passed since its last run started, and not before
  // three times as long as that run took: it never takes more than about a third of a long run
  // (a backfill's P&L while the history loads), however slow the store.
  Status runModels(bool end_of_input, bool last) {
    const auto now = Clock::now();
    for (auto& slot : models_) {
      const auto min_interval = std::chrono::milliseconds(slot.stage->spec.min_interval_ms);
      const auto interval = min_interval.count() > 0
                                ? std::max<Clock::duration>(min_interval, 3 * slot.last_took)
                                : Clock::duration::zero();
      const bool due = end_of_input || now - slot.last_run >= interval;
      if (!due) continue;
      const ModelRun run{end_of_input, slot.records, last};
      if (Status s = guarded(slot.stage->spec.label, [&] { return slot.model->run(run); });
          !s.isOk()) {
        return s.withContext(slot.stage->spec.label);
      }
      ++report_.stages[slot.report_index].counters["model_runs"];
      slot.last_took = Clock::now() - now;
      slot.last_run = now;
      slot.records = 0;
    }
    return Status::ok();
  }

  // `count`: false for the bookkeeping commit at the start, which the report does not count (and
  // at which no model runs). `last`: the run's last commit (ModelRun::last_commit).
  Status commit(bool count = true, bool end_of_input = false, bool last = false) {
    const auto started = Clock::now();
    for (auto& slot : sinks_) {
      if (Status s = guarded(slot.stage->spec.label, [&] { return slot.sink->flush(); });
          !s.isOk()) {
        return s.withContext(slot.stage->spec.label);
      }
    }
    if (count) {
      if (Status s = runModels(end_of_input, last); !s.isOk()) return s;
    }
    dead_letters_.flush();
    if (options_.dry_run) {
      rows_since_commit_ = 0;
      last_commit_ = Clock::now();
      return Status::ok();
    }
    StateMap state = sources_ ? sources_->checkpoint() : StateMap{};
    std::vector<StateMap> sink_checkpoints(sinks_.size());
    for (size_t i = 0; i < sinks_.size(); ++i) {
      try {
        sink_checkpoints[i] = sinks_[i].sink->checkpoint();
      } catch (const std::exception& error) {
        return Status::failed(sinks_[i].stage->spec.label + ": checkpoint failed: " + error.what());
      }
      for (const auto& [key, value] : sink_checkpoints[i]) state[sinkStatePrefix(i) + key] = value;
    }
    // The state database commits last: after a crash in between, the others hold rows the state
    // does not cover yet, which a re-run upserts again (harmless); never the other way round.
    std::vector<ManagedDatabase*> order;
    for (auto& database : databases_) {
      if (database.get() != state_database_) order.push_back(database.get());
    }
    if (state_database_) order.push_back(state_database_);
    for (ManagedDatabase* database : order) {
      database->database->writeState(spec_.state_scope, state);
      database->database->commit();
      database->database->begin();
    }
    failpoint("between_commits");
    for (auto& slot : sinks_) {
      if (Status s = guarded(slot.stage->spec.label, [&] { return slot.sink->commit(); });
          !s.isOk()) {
        return s.withContext(slot.stage->spec.label);
      }
    }
    for (size_t i = 0; i < sinks_.size(); ++i) {
      for (const auto& [key, value] : sink_checkpoints[i]) sink_states_[i][key] = value;
    }
    for (const auto& [key, value] : state) {
      if (key.rfind("sink.", 0) != 0) committed_state_[key] = value;
    }
    report_.committed_state = committed_state_;
    rejected_at_commit_ = report_.rejected;
    if (count) ++report_.commits;
    if (count && options_.on_commit) {
      try {
        options_.on_commit();
      } catch (...) {
      }
    }
    rows_since_commit_ = 0;
    // commit.interval counts from this commit's start, so that a commit taking a while (the
    // models' work) does not stretch the cadence (a live run's latency), but at least half of it
    // from its end, so that a commit slower than the interval is not followed by one per read.
    const auto half = std::chrono::milliseconds(spec_.commit_interval_ms / 2);
    last_commit_ = std::max(started, Clock::now() - half);
    return Status::ok();
  }

  // The source's state differs from what the last commit stored.
  bool sourceStateChanged() const {
    if (!sources_) return false;
    for (const auto& [key, value] : sources_->checkpoint()) {
      auto it = committed_state_.find(key);
      if (it == committed_state_.end() ? !value.empty() : it->second != value) return true;
    }
    return false;
  }

  void rollbackAll() {
    for (auto& slot : models_) {
      try {
        slot.model->rollback();
      } catch (...) {
      }
    }
    for (auto& slot : sinks_) {
      try {
        slot.sink->rollback();
      } catch (...) {
      }
    }
    for (auto& database : databases_) {
      try {
        if (database->database) database->database->rollback();
      } catch (...) {
      }
    }
  }

  // Appends the run to kd_runs of the state database (run_history.h), still under its lock. A
  // dry run, and a run whose database was removed again or never opened, records nothing.
  // Several accounts in one PostgreSQL database: after the run, kalshi_all's views take in what
  // it created (a new account, a new table). A failure costs only those views' freshness.
  void refreshAccountViews() {
    if (options_.dry_run) return;
    for (auto& managed : databases_) {
      if (!managed->database || managed->database->kind() != "postgresql") continue;
      try {
        kalshi_direct::refreshAccountViews(*managed->database);
      } catch (const std::exception& error) {
        log::warning(spec_.name, std::string("could not refresh the views of every account "
                                             "(kalshi_all): ") +
                                     log::redact(error.what()));
      }
    }
  }

  void reportProgress(const std::string& stream, uint64_t stream_records) {
    if (!options_.on_progress) return;
    const RunProgress progress{stream,
                               batches_read_,
                               report_.records_read,
                               stream_records,
                               report_.commits,
                               std::chrono::duration<double>(Clock::now() - run_started_).count(),
                               report_.stages[active_report_].counters,
                               active_context_ ? active_context_->progressDone() : 0,
                               active_context_ ? active_context_->progressTotal() : 0};
    try {
      options_.on_progress(progress);
    } catch (...) {  // a progress line must not fail the run
    }
  }

  void recordRun(int64_t started_us) {
    if (options_.dry_run || !state_database_ || !state_database_->database ||
        state_database_->in_memory_stand_in)
      return;
    try {
      appendRunRecord(*state_database_->database,
                      runRecordOf(report_, started_us, Timestamp::now().micros()));
    } catch (const std::exception& error) {
      log::warning(spec_.name, std::string("could not record the run in kd_runs: ") +
                                   log::redact(error.what()));
    }
  }

  void closeAll() {
    if (options_.dry_run) rollbackAll();
    auto closeQuietly = [&](const std::string& label, auto&& call) {
      Status status = guarded(label, call);
      if (!status.isOk()) log::warning(spec_.name, label + ": close failed: " + status.message());
    };
    if (sources_) {
      sources_->close([&](bool fallback, const Status& status) {
        if (status.isOk()) return;
        log::warning(spec_.name,
                     (fallback ? pipeline_.fallback->spec.label : pipeline_.source.spec.label) +
                         ": close failed: " + status.message());
      });
    }
    for (auto& slot : transforms_) {
      if (slot.opened)
        closeQuietly(slot.stage->spec.label, [&] { return slot.transform->close(); });
    }
    for (auto& slot : models_) {
      if (slot.opened) closeQuietly(slot.stage->spec.label, [&] { return slot.model->close(); });
    }
    for (auto& slot : sinks_) {
      if (slot.opened) closeQuietly(slot.stage->spec.label, [&] { return slot.sink->close(); });
    }
    // Ends any transaction left open (the final BEGIN after the last commit, or a failed run).
    for (auto& database : databases_) {
      try {
        if (database->database) database->database->rollback();
      } catch (...) {
      }
    }
  }

  const ResolvedPipeline& pipeline_;
  const PipelineSpec& spec_;
  const Registry& registry_;
  const RunOptions& options_;
  RunReport report_;
  DeadLetterWriter dead_letters_;
  Retrier retrier_;

  std::vector<std::unique_ptr<ManagedDatabase>> databases_;
  ManagedDatabase* state_database_ = nullptr;
  StateMap committed_state_;
  std::vector<StateMap> sink_states_;  // per sink, what its checkpoint() committed

  std::unique_ptr<SourceSwitch> sources_;
  std::unique_ptr<SourceContextImpl> primary_context_;
  std::unique_ptr<SourceContextImpl> fallback_context_;
  SourceContextImpl* active_context_ = nullptr;  // the source reading now (its progress)
  size_t source_report_ = 0;
  size_t fallback_report_ = 0;
  size_t active_report_ = 0;
  std::vector<TransformSlot> transforms_;
  std::vector<SinkSlot> sinks_;
  std::vector<ModelSlot> models_;

  uint64_t rows_since_commit_ = 0;
  uint64_t batches_read_ = 0;  // from the source (the progress line's pages)
  Clock::time_point run_started_{};
  uint64_t rejected_at_commit_ = 0;  // report_.rejected at the last commit
  Clock::time_point last_commit_;

  const bool check_every_record_ = [] {
    const char* value = std::getenv("KD_CHECK_FIELDS");
    return value != nullptr && std::string(value) == "1";
  }();
  std::set<std::string> undeclared_warned_;  // "stream.field" already logged
};

}  // namespace

RunReport runPipeline(const ResolvedPipeline& pipeline, const Registry& registry,
                      const RunOptions& options) {
  Runner runner(pipeline, registry, options);
  return runner.run();
}

}  // namespace kalshi_direct
