// The plugin interfaces: Source, Transform, Sink, their factories and the registrar.
//
// Lifecycle of a run (the runner is the only caller; all calls come from one thread):
//
//   factory.create(options)          options already validated against factory.options()
//   sink.open(ctx)       for every sink, in YAML order; a sink with a storeLocation() gets the
//                        store (store.h) shared by every sink of that location
//   transform.open(ctx)  for every transform, in order
//   source.open(ctx)     ctx.committedState() holds what the source committed last time
//   loop:  source.read(batch)        -> each transform.process(batch)  -> each sink.write(batch)
//          every `commit.rows` rows or `commit.interval`: sink.flush() for all sinks, then the
//          engine commits each store (rows and source.checkpoint() in one transaction), then
//          sink.commit() for the others
//   source.read() == kEndOfStream    -> transform.finish() in order (may emit more batches)
//                                       -> sink.flush() then sink.finish() for all sinks
//   final commit as above, then close() on everything (also after a failure, after rollback())
//
// Models (the pipeline's `models:` stage, e.g. P&L from fills) compute tables from the rows already
// in a store. At every commit, after the sinks' flush() and before the store commits, the engine
// runs each model whose store it is (model.run(), subject to the stage's `min_interval`), inside
// the same transaction: derived tables are never behind the rows they come from, and a failed run
// rolls both back. A model is opened after the sinks and closed before them.
//
// Failures: every call returns a Status (or WriteResult). kRetry asks the runner to back off and
// call again; kReject dead-letters records; kUnavailable from a source switches to the pipeline's
// fallback source if it has one; anything else ends the run, rolling back uncommitted work.
// Exceptions thrown by a plugin are caught by the runner and treated as kFailed, but a drop-in
// plugin must not rely on that: return a Status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kalshi_direct/config.h"
#include "kalshi_direct/record.h"
#include "kalshi_direct/status.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// The fields records of each stream carry, as stages declare them before a run: stream name ->
// field names in record order. A stream that is not in the map has fields the stage cannot tell
// in advance (jsonl passes on whatever each line holds); references into it are not checked.
// A declaration is a promise: a record of a declared stream carries only declared fields (a
// declared field may be missing from a record, and then reads as null).
using StreamFields = std::map<std::string, std::vector<std::string>>;

// A field an option of a stage names (a `where` expression, a `fields:` list...). Before a run the
// engine checks that it is declared by at least one of the stage's input streams whose fields are
// all known, and otherwise refuses the pipeline, pointing at `option`, with "did you mean".
struct FieldReference {
  std::string field;
  std::string option;  // the option it comes from, for the error's file:line:column
};

// What the engine offers every running stage. Owned by the engine; valid from open() to close().
class StageContext {
 public:
  virtual ~StageContext() = default;
  virtual const std::string& pipelineName() const = 0;
  // A readable name for messages: "sink 'csv' (sinks[1])".
  virtual const std::string& stageName() const = 0;
  // Logs through the engine (levels, text or JSON format). Never pass secrets.
  virtual void log(LogLevel level, const std::string& message) = 0;
  // Adds a string the engine scrubs from everything it prints or stores about the run (logs,
  // errors, the run report): a token, a key id, a request signature. Register a credential as
  // soon as it is read. Strings shorter than 4 characters are ignored.
  virtual void registerSecret(const std::string& secret) = 0;
  virtual bool dryRun() const = 0;
  // True after SIGTERM/SIGINT: finish the current batch and return kEndOfStream soon.
  virtual bool stopRequested() const = 0;
  // Adds to a named counter shown in the run summary (e.g. "http_requests", "http_retries").
  virtual void addCounter(const std::string& name, uint64_t delta) = 0;
  // Opens a store read-only (a cache, the last known state), whatever its kind; the stage owns it.
  // Ok with `out` null when nothing is at `location` yet (never written); kInvalidConfig with a
  // one-line message when something is there that cannot be opened as a store.
  virtual Status openReadOnlyStore(const std::string& location, StorePtr& out) = 0;
};

class SourceContext : public StageContext {
 public:
  // How many records a batch should hold at most (the pipeline's batch_size).
  virtual size_t batchSize() const = 0;
  // The state this source committed at the end of the last successful commit, or empty.
  virtual const StateMap& committedState() const = 0;
  // Sends an input that cannot become a record (malformed line, record missing required fields)
  // to the dead-letter output with the raw text and a one-line reason; counted in the summary.
  virtual void reject(const std::string& stream, const std::string& raw,
                      const std::string& reason) = 0;
  // How far the source has come, in a unit it chooses (seconds of history, bytes of a file): the
  // progress line's ETA is the time so far scaled by (total - done) / done. total 0: unknown (no
  // ETA, the default). Call it as often as convenient (each batch); the last call counts.
  virtual void reportProgress(uint64_t done, uint64_t total) {
    (void)done;
    (void)total;
  }
};

class SinkContext : public StageContext {
 public:
  // The declared fields of this sink's input streams (see StreamFields); streams with unknown
  // fields are absent. A file sink uses it to write a header when no record arrives.
  virtual const StreamFields& inputFields() const = 0;
  // When storeLocation() is non-empty: the engine's store at that location, shared by all sinks
  // writing to it and always inside an open transaction that the engine commits. Do not
  // begin/commit on it; use SAVEPOINTs if a write must be undone on kRetry. Null otherwise.
  virtual Store* store() = 0;
  // What this sink's checkpoint() returned at the last commit (empty on a first run, or when the
  // pipeline has no state database).
  virtual const StateMap& committedState() const = 0;
};

class ModelContext : public StageContext {
 public:
  // The model's store, inside the transaction the engine is about to commit (do not begin or
  // commit on it). The sinks feeding the model have flushed their rows into it.
  virtual Store& store() = 0;
};

// Where a transform sends its output.
class Emitter {
 public:
  virtual ~Emitter() = default;
  virtual void emit(Batch&& batch) = 0;
  // Sends one record to the dead-letter output with a one-line reason (counted in the summary).
  virtual void reject(const std::string& stream, Record&& record, const std::string& reason) = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  virtual Status open(SourceContext& context) = 0;
  // Fills `batch` (cleared by the caller) with up to batchSize() records of one stream and sets
  // batch.stream. Returns kEndOfStream when there is nothing more. An empty kOk batch is allowed.
  virtual Status read(Batch& batch) = 0;
  // The state that, once committed, lets a new run resume after everything read so far.
  virtual StateMap checkpoint() const { return {}; }
  virtual Status close() { return Status::ok(); }
};

class Transform {
 public:
  virtual ~Transform() = default;
  virtual Status open(StageContext& /*context*/) { return Status::ok(); }
  // Called for each batch on one of this stage's input streams; batches of other streams bypass
  // it. Emits zero or more batches (any stream) and may reject records.
  virtual Status process(Batch&& batch, Emitter& out) = 0;
  // Called once after the source is exhausted: aggregating transforms emit their results here.
  virtual Status finish(Emitter& /*out*/) { return Status::ok(); }
  virtual Status close() { return Status::ok(); }
};

struct RecordRejection {
  size_t index;        // position of the record in the batch
  std::string reason;  // one line
};

struct WriteResult {
  // kOk: every record not listed in `rejected` is written (into the open transaction/temp file).
  // kRetry: nothing of this batch was written; the runner backs off and calls write() again.
  // Anything else ends the run.
  Status status;
  std::vector<RecordRejection> rejected;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // The store this sink writes into (a SQLite file path...), or empty. The engine opens each store
  // once, shares it (SinkContext::store()), runs one transaction across all its sinks and writes
  // the source state into the same transaction: rows and state commit together or not at all.
  virtual std::string storeLocation() const { return {}; }
  virtual Status open(SinkContext& context) = 0;
  virtual WriteResult write(const Batch& batch) = 0;
  // Before each commit: push buffered rows into the transaction or temporary file.
  virtual Status flush() { return Status::ok(); }
  // Once, after all input was delivered and flushed (not after an interruption or a failure),
  // before the final commit: aggregating sinks write their summaries here, inside the same
  // transaction as everything else.
  virtual Status finish() { return Status::ok(); }
  // A sink that writes outside the databases (a file) reports here, after flush(), what it has
  // made durable so far (e.g. a file length). The engine stores it in the state table in the
  // same transaction as the source's state, and hands it back via SinkContext::committedState():
  // on open, output beyond it was not covered by a commit and can be discarded (it will be sent
  // again). This is how a file sink gets exactly-once output.
  virtual StateMap checkpoint() const { return {}; }
  // After the databases committed: make this sink's own output durable (rename a temp file...).
  virtual Status commit() { return Status::ok(); }
  // Discard everything written since the last commit (dry run, failed run).
  virtual void rollback() {}
  virtual Status close() { return Status::ok(); }
};

// What the engine tells a model about the commit it runs in.
struct ModelRun {
  // The run's last commit after all input was delivered (the source ended; not after a stop or a
  // failure): a model that only sometimes does costly work does it now.
  bool end_of_input = false;
  // How many records the source delivered since the model last ran (0 is possible: a timed commit).
  uint64_t records = 0;
  // The run's last commit, also after a stop (a long-running source ends that way): work a model
  // deferred within the run is done now rather than left to the next run.
  bool last_commit = false;
};

// A derived model: tables computed from other tables of one store (P&L from fills, a daily
// series...). It keeps whatever it needs to work incrementally in its own tables, so that a
// skipped run (min_interval) or a crash loses nothing: the next run catches up.
class Model {
 public:
  virtual ~Model() = default;
  // Inside the store's first transaction: create or migrate the tables it writes.
  virtual Status open(ModelContext& context) = 0;
  // Brings its tables up to date with the rows in the store. kOk or the run fails (and rolls
  // back); there is no retry, as the rows it reads are already in the same transaction.
  virtual Status run(const ModelRun& run) = 0;
  // The transaction was rolled back: forget anything held in memory since the last commit.
  virtual void rollback() {}
  virtual Status close() { return Status::ok(); }
};

using SourcePtr = std::unique_ptr<Source>;
using TransformPtr = std::unique_ptr<Transform>;
using SinkPtr = std::unique_ptr<Sink>;
using ModelPtr = std::unique_ptr<Model>;

// The tables a stage reads from and writes to in one store, as it declares them before a run.
// A model declares them with an empty `store`: it runs on the store its stage names (`store:`, or
// the one store the pipeline's sinks write), and the engine fills it in.
// Before a run the engine refuses (exit 2, one line) a pipeline in which a stage reads a table
// that another stage of the same pipeline writes into a different store: the reader would compute
// from another store's rows, or none, and its figures would be silently wrong (P&L computed in one
// database from fills written to another). Vector's topology checks what each component needs in
// the same spirit.
struct StoreTables {
  std::string store;   // the location, as the options give it (a path is compared resolved)
  std::string option;  // the option that names it, for the error's file:line:column
  std::vector<std::string> reads;
  std::vector<std::string> writes;
};

// Factories describe a plugin (name = folder name = YAML `type:`) and create instances.
class PluginFactory {
 public:
  virtual ~PluginFactory() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;  // one line, shown by `kalshi-direct plugins`
  virtual std::vector<OptionSpec> options() const = 0;
  // The tables a stage with these options reads and writes, per store (see StoreTables). Default:
  // none declared, which is never checked.
  virtual std::vector<StoreTables> tables(const Options& /*options*/) const { return {}; }
};

class SourceFactory : public PluginFactory {
 public:
  // The streams a source with these options produces (checked before the run).
  virtual std::vector<std::string> streams(const Options& options) const = 0;
  // The fields of the records of each of those streams (see StreamFields). Default: unknown.
  virtual StreamFields fields(const Options& /*options*/) const { return {}; }
  // Must not do I/O: only build the object from validated options (and fail with
  // kInvalidConfig, message starting with options.location(...), on a bad combination).
  virtual Status create(const Options& options, SourcePtr& out) const = 0;
  // Deep validation for `kalshi-direct validate`: everything create() checks except what depends
  // on the machine it runs on (credentials, files). Default: create() and discard.
  virtual Status check(const Options& options) const {
    SourcePtr discarded;
    return create(options, discarded);
  }
};

class TransformFactory : public PluginFactory {
 public:
  // The streams this transform takes when the YAML gives no `inputs:`; empty means all streams.
  virtual std::vector<std::string> defaultInputs(const Options& /*options*/) const { return {}; }
  // The streams it emits for the given inputs; by default it reshapes them in place.
  virtual std::vector<std::string> outputs(const std::vector<std::string>& inputs,
                                           const Options& /*options*/) const {
    return inputs;
  }
  // The fields of what it emits, given the declared fields of the streams it takes (only those
  // whose fields are known). Default: unknown, which is always safe; a transform that passes
  // records on unchanged (filter) returns `inputs`.
  virtual StreamFields outputFields(const StreamFields& /*inputs*/,
                                    const Options& /*options*/) const {
    return {};
  }
  // The fields its options name (checked against its input streams, see FieldReference).
  virtual std::vector<FieldReference> referencedFields(const Options& /*options*/) const {
    return {};
  }
  virtual Status create(const Options& options, TransformPtr& out) const = 0;
  virtual Status check(const Options& options) const {
    TransformPtr discarded;
    return create(options, discarded);
  }
};

class SinkFactory : public PluginFactory {
 public:
  // The streams this sink takes when the YAML gives no `inputs:`; empty means all streams.
  virtual std::vector<std::string> defaultInputs(const Options& /*options*/) const { return {}; }
  // The fields its options name (checked against its input streams, see FieldReference).
  virtual std::vector<FieldReference> referencedFields(const Options& /*options*/) const {
    return {};
  }
  virtual Status create(const Options& options, SinkPtr& out) const = 0;
  virtual Status check(const Options& options) const {
    SinkPtr discarded;
    return create(options, discarded);
  }
};

class ModelFactory : public PluginFactory {
 public:
  virtual Status create(const Options& options, ModelPtr& out) const = 0;
  virtual Status check(const Options& options) const {
    ModelPtr discarded;
    return create(options, discarded);
  }
};

// What a plugin library (or a built-in plugin folder) registers its factories with.
// Registering a name that is already taken (for that kind) is an error.
class PluginRegistrar {
 public:
  virtual Status addSource(std::unique_ptr<SourceFactory> factory) = 0;
  virtual Status addTransform(std::unique_ptr<TransformFactory> factory) = 0;
  virtual Status addSink(std::unique_ptr<SinkFactory> factory) = 0;
  virtual Status addModel(std::unique_ptr<ModelFactory> factory) = 0;

 protected:
  ~PluginRegistrar() = default;
};

}  // namespace kalshi_direct
