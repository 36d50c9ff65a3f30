#include "kalshi_direct/engine/runner.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>

#include "mocks/fake_plugins.h"
#include "mocks/mock_plugin.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::_;
using ::testing::ByMove;
using testing::FakeSinkFactory;
using testing::FakeSourceFactory;
using testing::FakeTransformFactory;
using ::testing::HasSubstr;
using ::testing::InSequence;
using ::testing::Invoke;
using testing::makeBatch;
using testing::ReplaySource;
using ::testing::Return;
using ::testing::StrictMock;
using testing::TableSink;
using testing::TempDir;

class RunnerTest : public ::testing::Test {
 protected:
  RunnerTest() {
    auto source = std::make_unique<FakeSourceFactory>("replay", std::vector<std::string>{"orders"});
    source_factory_ = source.get();
    EXPECT_TRUE(registry_.addSource(std::move(source)).isOk());
    auto fallback =
        std::make_unique<FakeSourceFactory>("backup", std::vector<std::string>{"orders"});
    fallback_factory_ = fallback.get();
    EXPECT_TRUE(registry_.addSource(std::move(fallback)).isOk());
    auto transform = std::make_unique<FakeTransformFactory>("shape");
    transform_factory_ = transform.get();
    EXPECT_TRUE(registry_.addTransform(std::move(transform)).isOk());
    auto sink = std::make_unique<FakeSinkFactory>("out");
    sink_factory_ = sink.get();
    EXPECT_TRUE(registry_.addSink(std::move(sink)).isOk());
  }

  RunReport run(const std::string& yaml, bool dry_run = false,
                std::function<bool()> stop = nullptr) {
    const auto spec = parsePipelineSpec(yaml, "test.yaml", LoadOptions{});
    resolved_ = resolvePipeline(spec, registry_);
    RunOptions options;
    options.dry_run = dry_run;
    options.stop_requested = std::move(stop);
    return runPipeline(resolved_, registry_, options);
  }

  // A pipeline replay -> out (+ optional extras), with files in the temp dir.
  std::string pipeline(const std::string& extra = "") {
    return "name: t\nretry: { max_attempts: 3, initial_backoff: 1ms, max_backoff: 2ms }\n"
           "dead_letter: " +
           dir_.file("dead.jsonl") + "\n" + extra +
           "source: { type: replay }\nsinks: [ { type: out } ]\n";
  }

  void replay(std::vector<Batch> batches) {
    source_factory_->make = [batches](const Options&) {
      return std::make_unique<ReplaySource>(batches);
    };
  }
  void tableSink() {
    const std::string path = db();
    sink_factory_->make = [path](const Options&) { return std::make_unique<TableSink>(path); };
  }
  std::string db() const { return dir_.file("out.db"); }

  TempDir dir_;
  Registry registry_;
  ResolvedPipeline resolved_;
  FakeSourceFactory* source_factory_;
  FakeSourceFactory* fallback_factory_;
  FakeTransformFactory* transform_factory_;
  FakeSinkFactory* sink_factory_;
};

TEST_F(RunnerTest, CallsPluginsInTheDocumentedOrder) {
  auto* source = new StrictMock<testing::MockSource>;
  auto* transform = new StrictMock<testing::MockTransform>;
  auto* sink = new StrictMock<testing::MockSink>;
  source_factory_->make = [source](const Options&) { return SourcePtr(source); };
  transform_factory_->make = [transform](const Options&) { return TransformPtr(transform); };
  sink_factory_->make = [sink](const Options&) { return SinkPtr(sink); };
  {
    InSequence in_order;
    EXPECT_CALL(*sink, storeLocation()).WillOnce(Return(""));
    EXPECT_CALL(*sink, open(_)).WillOnce(Return(Status::ok()));
    EXPECT_CALL(*transform, open(_)).WillOnce(Return(Status::ok()));
    EXPECT_CALL(*source, open(_)).WillOnce(Return(Status::ok()));
    EXPECT_CALL(*source, read(_)).WillOnce(Invoke([](Batch& batch) {
      batch = makeBatch("orders", {"a", "b"});
      return Status::ok();
    }));
    EXPECT_CALL(*transform, process(_, _)).WillOnce(Invoke([](Batch&& batch, Emitter& out) {
      batch.records.pop_back();  // the transform drops one record
      out.emit(std::move(batch));
      return Status::ok();
    }));
    EXPECT_CALL(*sink, write(_)).WillOnce(Invoke([](const Batch& batch) {
      EXPECT_EQ(batch.size(), 1u);
      return WriteResult{Status::ok(), {}};
    }));
    EXPECT_CALL(*source, read(_)).WillOnce(Return(Status::endOfStream()));
    EXPECT_CALL(*transform, finish(_)).WillOnce(Return(Status::ok()));
    EXPECT_CALL(*sink, flush()).WillOnce(Return(Status::ok()));
    EXPECT_CALL(*sink, finish()).WillOnce(Return(Status::ok()));
    EXPECT_CALL(*sink, flush()).WillOnce(Return(Status::ok()));
    EXPECT_CALL(*source, checkpoint()).WillOnce(Return(StateMap{}));
    EXPECT_CALL(*sink, checkpoint()).WillOnce(Return(StateMap{}));
    EXPECT_CALL(*sink, commit()).WillOnce(Return(Status::ok()));
    EXPECT_CALL(*source, close()).WillOnce(Return(Status::ok()));
    EXPECT_CALL(*transform, close()).WillOnce(Return(Status::ok()));
    EXPECT_CALL(*sink, close()).WillOnce(Return(Status::ok()));
  }
  const auto report =
      run("source: { type: replay }\ntransforms: [ { type: shape } ]\n"
          "sinks: [ { type: out } ]\n");
  EXPECT_EQ(report.exit_code, kExitOk) << report.error;
  EXPECT_EQ(report.records_read, 2u);
  EXPECT_EQ(report.stages[1].streams.at("orders").in, 2u);
  EXPECT_EQ(report.stages[1].streams.at("orders").out, 1u);
  EXPECT_EQ(report.stages[2].streams.at("orders").out, 1u);
}

TEST_F(RunnerTest, CommitsRowsAndSourceStateInOneTransaction) {
  replay({makeBatch("orders", {"a", "b"}), makeBatch("orders", {"c"})});
  tableSink();
  const auto report = run(pipeline());
  ASSERT_EQ(report.exit_code, kExitOk) << report.error;
  EXPECT_EQ(testing::countRows(db(), "SELECT count(*) FROM rows"), 3);
  EXPECT_EQ(
      testing::countRows(db(), "SELECT value FROM kd_state WHERE scope = 't' AND key = 'read'"), 3);
  EXPECT_EQ(report.committed_state.at("read"), "3");
}

TEST_F(RunnerTest, ASecondRunResumesFromTheCommittedState) {
  replay({makeBatch("orders", {"a", "b"}), makeBatch("orders", {"c"})});
  tableSink();
  ASSERT_EQ(run(pipeline()).exit_code, kExitOk);
  ReplaySource* second = nullptr;
  source_factory_->make = [&second](const Options&) {
    auto source = std::make_unique<ReplaySource>(std::vector<Batch>{
        makeBatch("orders", {"a", "b"}), makeBatch("orders", {"c"}), makeBatch("orders", {"d"})});
    second = source.get();
    return source;
  };
  const auto report = run(pipeline());
  ASSERT_EQ(report.exit_code, kExitOk) << report.error;
  EXPECT_EQ(report.records_read, 1u);  // only "d" is new
  EXPECT_EQ(testing::countRows(db(), "SELECT count(*) FROM rows"), 4);
}

TEST_F(RunnerTest, AFailureRollsBackEverythingSinceTheLastCommit) {
  source_factory_->make = [](const Options&) {
    auto source = std::make_unique<ReplaySource>(std::vector<Batch>{
        makeBatch("orders", {"a"}), makeBatch("orders", {"b"}), makeBatch("orders", {"c"})});
    source->fail_after_batches = 2;
    return source;
  };
  tableSink();
  // A commit every 1 record: "a" and "b" are committed, then the source fails.
  const auto report = run(pipeline("commit: { rows: 1 }\n"));
  EXPECT_EQ(report.exit_code, kExitFailed);
  EXPECT_THAT(report.error, HasSubstr("source broke"));
  EXPECT_EQ(testing::countRows(db(), "SELECT count(*) FROM rows"), 2);
  EXPECT_EQ(testing::countRows(db(), "SELECT value FROM kd_state WHERE key = 'read'"), 2);
}

TEST_F(RunnerTest, CommitsByRowCountAndAtTheEnd) {
  replay({makeBatch("orders", {"a"}), makeBatch("orders", {"b"}), makeBatch("orders", {"c"}),
          makeBatch("orders", {"d"}), makeBatch("orders", {"e"})});
  tableSink();
  const auto report = run(pipeline("commit: { rows: 2, interval: 1h }\n"));
  ASSERT_EQ(report.exit_code, kExitOk);
  EXPECT_EQ(report.commits, 3u);  // after b, after d, and the final one
}

TEST_F(RunnerTest, RetriesASinkThatAsksForItThenSucceeds) {
  replay({makeBatch("orders", {"a"})});
  auto* sink = new ::testing::NiceMock<testing::MockSink>;
  sink_factory_->make = [sink](const Options&) { return SinkPtr(sink); };
  ON_CALL(*sink, open(_)).WillByDefault(Return(Status::ok()));
  ON_CALL(*sink, flush()).WillByDefault(Return(Status::ok()));
  ON_CALL(*sink, commit()).WillByDefault(Return(Status::ok()));
  ON_CALL(*sink, close()).WillByDefault(Return(Status::ok()));
  EXPECT_CALL(*sink, write(_))
      .WillOnce(Return(WriteResult{Status::retry("database is busy"), {}}))
      .WillOnce(Return(WriteResult{Status::retry("database is busy"), {}}))
      .WillOnce(Return(WriteResult{Status::ok(), {}}));
  const auto report = run(pipeline());
  EXPECT_EQ(report.exit_code, kExitOk) << report.error;
  EXPECT_EQ(report.retries, 2u);
}

TEST_F(RunnerTest, GivesUpAfterTheConfiguredAttempts) {
  replay({makeBatch("orders", {"a"})});
  auto* sink = new ::testing::NiceMock<testing::MockSink>;
  sink_factory_->make = [sink](const Options&) { return SinkPtr(sink); };
  ON_CALL(*sink, open(_)).WillByDefault(Return(Status::ok()));
  EXPECT_CALL(*sink, write(_))
      .Times(3)
      .WillRepeatedly(Return(WriteResult{Status::retry("busy"), {}}));
  EXPECT_CALL(*sink, rollback());
  const auto report = run(pipeline());
  EXPECT_EQ(report.exit_code, kExitFailed);
  EXPECT_EQ(report.error, "sinks[0] 'out': gave up after 3 attempts: busy");
}

TEST_F(RunnerTest, RejectedRecordsGoToTheDeadLetterFileAndTheExitCodeSaysPartial) {
  replay({makeBatch("orders", {"good", "bad", "fine"})});
  auto* sink = new ::testing::NiceMock<testing::MockSink>;
  sink_factory_->make = [sink](const Options&) { return SinkPtr(sink); };
  ON_CALL(*sink, open(_)).WillByDefault(Return(Status::ok()));
  ON_CALL(*sink, flush()).WillByDefault(Return(Status::ok()));
  ON_CALL(*sink, commit()).WillByDefault(Return(Status::ok()));
  ON_CALL(*sink, close()).WillByDefault(Return(Status::ok()));
  EXPECT_CALL(*sink, write(_))
      .WillOnce(Return(WriteResult{Status::ok(), {{1, "id is not valid"}}}));
  const auto report = run(pipeline());
  EXPECT_EQ(report.exit_code, kExitPartial);
  EXPECT_EQ(report.rejected, 1u);
  EXPECT_EQ(report.stages[1].streams.at("orders").out, 2u);
  const std::string dead = testing::readFile(dir_.file("dead.jsonl"));
  EXPECT_THAT(dead, HasSubstr("\"stage\":\"sinks[0] 'out'\",\"stream\":\"orders\","
                              "\"reason\":\"id is not valid\",\"record\":{\"id\":\"bad\"}}\n"));
  EXPECT_EQ(std::count(dead.begin(), dead.end(), '\n'), 1);
}

TEST_F(RunnerTest, TransformRejectionsAreDeadLetteredToo) {
  replay({makeBatch("orders", {"x"})});
  tableSink();
  auto* transform = new ::testing::NiceMock<testing::MockTransform>;
  transform_factory_->make = [transform](const Options&) { return TransformPtr(transform); };
  ON_CALL(*transform, open(_)).WillByDefault(Return(Status::ok()));
  ON_CALL(*transform, finish(_)).WillByDefault(Return(Status::ok()));
  ON_CALL(*transform, close()).WillByDefault(Return(Status::ok()));
  EXPECT_CALL(*transform, process(_, _)).WillOnce(Invoke([](Batch&& batch, Emitter& out) {
    out.reject(batch.stream, std::move(batch.records[0]), "price is not a number");
    return Status::ok();
  }));
  const auto report = run("name: t\ndead_letter: " + dir_.file("dead.jsonl") +
                          "\nsource: { type: replay }\ntransforms: [ { type: shape } ]\n"
                          "sinks: [ { type: out } ]\n");
  EXPECT_EQ(report.exit_code, kExitPartial);
  EXPECT_THAT(testing::readFile(dir_.file("dead.jsonl")), HasSubstr("price is not a number"));
  EXPECT_EQ(testing::countRows(db(), "SELECT count(*) FROM rows"), 0);
}

TEST_F(RunnerTest, UnavailableSourceSwitchesToTheFallback) {
  source_factory_->make = [](const Options&) {
    auto source = std::make_unique<ReplaySource>(std::vector<Batch>{});
    source->fail_after_batches = 0;
    source->failure = Status::unavailable("GET /portfolio/balance: connection refused");
    return source;
  };
  fallback_factory_->make = [](const Options&) {
    return std::make_unique<ReplaySource>(std::vector<Batch>{makeBatch("orders", {"last-known"})});
  };
  tableSink();
  const std::string yaml =
      "name: t\nsource:\n  type: replay\n  fallback: { type: backup }\n"
      "sinks: [ { type: out } ]\n";
  auto report = run(yaml);
  EXPECT_EQ(report.exit_code, kExitOk) << report.error;
  EXPECT_TRUE(report.used_fallback);
  EXPECT_THAT(report.fallback_reason, HasSubstr("connection refused"));
  EXPECT_THAT(report.toText(), HasSubstr("FALLBACK: source unavailable"));
  EXPECT_EQ(testing::countRows(db(), "SELECT count(*) FROM rows WHERE id = 'last-known'"), 1);

  report = run("allow_fallback: false\n" + yaml);
  EXPECT_EQ(report.exit_code, kExitFailed);
  EXPECT_THAT(report.error, HasSubstr("does not allow the fallback"));
}

TEST_F(RunnerTest, WrongCredentialsDoNotFallBack) {
  source_factory_->make = [](const Options&) {
    auto source = std::make_unique<ReplaySource>(std::vector<Batch>{});
    source->fail_after_batches = 0;
    source->failure = Status::unauthenticated("authentication failed");
    return source;
  };
  bool fallback_created = false;
  fallback_factory_->make = [&](const Options&) {
    fallback_created = true;
    return std::make_unique<ReplaySource>(std::vector<Batch>{});
  };
  tableSink();
  const auto report =
      run("source:\n  type: replay\n  fallback: { type: backup }\nsinks: [ { type: out } ]\n");
  EXPECT_EQ(report.exit_code, kExitFailed);
  EXPECT_FALSE(fallback_created);
  EXPECT_THAT(report.error, HasSubstr("authentication failed"));
}

TEST_F(RunnerTest, DryRunCommitsNothingAndCreatesNoFiles) {
  replay({makeBatch("orders", {"a", "b"})});
  tableSink();
  const auto report = run(pipeline(), /*dry_run=*/true);
  EXPECT_EQ(report.exit_code, kExitOk) << report.error;
  EXPECT_EQ(report.stages[1].streams.at("orders").out, 2u);
  EXPECT_THAT(report.toText(), HasSubstr("2 would be written"));
  EXPECT_FALSE(std::filesystem::exists(db()));

  // On an existing database, a dry run leaves it exactly as it was.
  replay({makeBatch("orders", {"a"})});
  ASSERT_EQ(run(pipeline()).exit_code, kExitOk);
  replay({makeBatch("orders", {"b", "c"})});
  ASSERT_EQ(run(pipeline(), true).exit_code, kExitOk);
  EXPECT_EQ(testing::countRows(db(), "SELECT count(*) FROM rows"), 1);
}

TEST_F(RunnerTest, StopRequestFinishesTheCurrentBatchAndCommits) {
  replay({makeBatch("orders", {"a"}), makeBatch("orders", {"b"}), makeBatch("orders", {"c"})});
  tableSink();
  int polls = 0;
  const auto report = run(pipeline(), false, [&polls] { return ++polls > 1; });
  EXPECT_EQ(report.exit_code, kExitOk);
  EXPECT_TRUE(report.interrupted);
  EXPECT_EQ(testing::countRows(db(), "SELECT count(*) FROM rows"), 1);
  EXPECT_EQ(testing::countRows(db(), "SELECT value FROM kd_state WHERE key = 'read'"), 1);
}

TEST_F(RunnerTest, ASecondRunOnTheSameDatabaseIsRefusedAndNamesTheHolder) {
  replay({makeBatch("orders", {"a"})});
  tableSink();
  const std::string lock_path = db() + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  const std::string holder = "pipeline 'sync' (pid 4242 on host, since 2026-11-24T00:00:00Z)\n";
  ASSERT_EQ(::write(fd, holder.data(), holder.size()), static_cast<ssize_t>(holder.size()));
  const auto report = run(pipeline());
  ::close(fd);
  EXPECT_EQ(report.exit_code, kExitFailed);
  EXPECT_THAT(report.error, HasSubstr("is in use by pipeline 'sync' (pid 4242 on host, since "
                                      "2026-11-24T00:00:00Z)"));
}

TEST_F(RunnerTest, APluginThatThrowsFailsTheRunInsteadOfCrashing) {
  replay({makeBatch("orders", {"a"})});
  auto* sink = new ::testing::NiceMock<testing::MockSink>;
  sink_factory_->make = [sink](const Options&) { return SinkPtr(sink); };
  ON_CALL(*sink, open(_)).WillByDefault(Return(Status::ok()));
  EXPECT_CALL(*sink, write(_)).WillOnce(Invoke([](const Batch&) -> WriteResult {
    throw std::runtime_error("disk on fire");
  }));
  const auto report = run(pipeline());
  EXPECT_EQ(report.exit_code, kExitFailed);
  EXPECT_THAT(report.error, HasSubstr("disk on fire"));
}

TEST_F(RunnerTest, ReportAsJsonCarriesTheCounts) {
  replay({makeBatch("orders", {"a", "b"})});
  tableSink();
  const auto report = run(pipeline());
  const std::string json = report.toJson();
  EXPECT_THAT(json, HasSubstr("\"pipeline\":\"t\",\"exit_code\":0,\"ok\":true"));
  EXPECT_THAT(json, HasSubstr("\"records_read\":2"));
  EXPECT_THAT(
      json,
      HasSubstr(
          "{\"stage\":\"sinks[0] 'out'\",\"retries\":0,\"counters\":{},\"streams\":{\"orders\":"
          "{\"in\":2,\"out\":2,\"rejected\":0}}}"));
}

// ---- models: run by the engine inside every commit -------------------------------------------

// A source that never ends on its own: it serves one batch of one new id per read, and before
// each read hands the test a look at what is committed. It ends when the stop flag is set.
class EndlessSource : public Source {
 public:
  explicit EndlessSource(std::function<void(int served)> before_read)
      : before_read_(std::move(before_read)) {}
  Status open(SourceContext& context) override {
    context_ = &context;
    return Status::ok();
  }
  Status read(Batch& batch) override {
    before_read_(served_);
    if (context_->stopRequested()) return Status::endOfStream();
    batch = makeBatch("orders", {"id" + std::to_string(served_++)});
    return Status::ok();
  }

 private:
  std::function<void(int)> before_read_;
  SourceContext* context_ = nullptr;
  int served_ = 0;
};

class RunnerModelTest : public RunnerTest {
 protected:
  RunnerModelTest() {
    auto model = std::make_unique<testing::FakeModelFactory>("counting");
    model_factory_ = model.get();
    EXPECT_TRUE(registry_.addModel(std::move(model)).isOk());
    model_factory_->make = [this](const Options&) {
      return std::make_unique<testing::CountingModel>(counts_, fail_at_run_);
    };
    tableSink();
    // The sink declares its store: a model without `store:` runs there.
    sink_factory_->declared_tables = {{db(), "", {}, {"rows"}}};
  }
  // What a reader of the database sees committed: rows, and the model's count of them.
  int64_t committedRows() { return testing::countRows(db(), "SELECT count(*) FROM rows"); }
  int64_t committedTotal() { return testing::countRows(db(), "SELECT n FROM totals"); }
  bool haveDatabase() { return std::filesystem::exists(db()); }

  testing::FakeModelFactory* model_factory_;
  testing::CountingModel::Counts counts_;
  int fail_at_run_ = 0;
};

TEST_F(RunnerModelTest, ANeverEndingSourceGetsTheModelAtEveryCommitInTheSameTransaction) {
  // Every read after the first sees a commit: the model's figure must already match the rows
  // committed with it, long before the source ends (it only ends when stopped).
  std::vector<std::pair<int64_t, int64_t>> seen;  // (rows, model's count) before each read
  std::atomic<bool> stop{false};
  source_factory_->make = [&](const Options&) {
    return std::make_unique<EndlessSource>([&](int served) {
      if (served > 0) seen.emplace_back(committedRows(), committedTotal());
      if (served == 5) stop = true;
    });
  };
  const auto report = run(pipeline("commit: { rows: 1, interval: 1h }\nmodels: [counting]\n"),
                          false, [&] { return stop.load(); });
  ASSERT_EQ(report.exit_code, kExitOk) << report.error;
  ASSERT_EQ(seen.size(), 5u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].first, static_cast<int64_t>(i + 1)) << "read " << i + 1;
    EXPECT_EQ(seen[i].second, seen[i].first) << "read " << i + 1;
  }
  EXPECT_EQ(counts_.end_of_input_runs, 0);  // stopped, not exhausted
  EXPECT_EQ(committedTotal(), 5);
}

TEST_F(RunnerModelTest, MinIntervalSkipsCommitsButTheEndOfInputAlwaysRunsIt) {
  replay({makeBatch("orders", {"a"}), makeBatch("orders", {"b"}), makeBatch("orders", {"c"})});
  const auto report = run(pipeline(
      "commit: { rows: 1, interval: 1h }\nmodels: [ { type: counting, min_interval: 1h } ]\n"));
  ASSERT_EQ(report.exit_code, kExitOk) << report.error;
  EXPECT_EQ(counts_.runs, 1);  // not at the three commits within the hour: at the end
  EXPECT_EQ(counts_.end_of_input_runs, 1);
  EXPECT_EQ(committedTotal(), 3);
  EXPECT_EQ(report.stages.back().counters.at("model_runs"), 1u);
  EXPECT_GE(report.commits, 3u);
}

TEST_F(RunnerModelTest, AFailingModelRollsBackTheRowsOfItsCommit) {
  fail_at_run_ = 2;
  replay({makeBatch("orders", {"a"}), makeBatch("orders", {"b"}), makeBatch("orders", {"c"})});
  const auto report = run(pipeline("commit: { rows: 1, interval: 1h }\nmodels: [counting]\n"));
  EXPECT_EQ(report.exit_code, kExitFailed);
  EXPECT_THAT(report.error, HasSubstr("model broke"));
  EXPECT_THAT(report.error, HasSubstr("models[0] 'counting'"));
  // The first commit stands, rows and figure together; the second's rows are gone with it.
  EXPECT_EQ(committedRows(), 1);
  EXPECT_EQ(committedTotal(), 1);
}

TEST_F(RunnerModelTest, ADryRunRunsTheModelAndWritesNothing) {
  replay({makeBatch("orders", {"a"})});
  const auto report = run(pipeline("models: [counting]\n"), /*dry_run=*/true);
  ASSERT_EQ(report.exit_code, kExitOk) << report.error;
  EXPECT_EQ(counts_.runs, 1);
  EXPECT_FALSE(haveDatabase());
}

TEST_F(RunnerModelTest, TheModelIsOpenedAfterTheSinksAndClosedBeforeThem) {
  auto* model = new StrictMock<testing::MockModel>;
  model_factory_->make = [model](const Options&) { return ModelPtr(model); };
  replay({makeBatch("orders", {"a"})});
  {
    InSequence in_order;
    EXPECT_CALL(*model, open(_)).WillOnce(Invoke([&](ModelContext& context) {
      // The sinks' store, and the sink already opened it (its table is there).
      EXPECT_TRUE(context.store().tableExists("rows"));
      return Status::ok();
    }));
    EXPECT_CALL(*model, run(_)).WillOnce(Invoke([](const ModelRun& info) {
      EXPECT_TRUE(info.end_of_input);
      EXPECT_EQ(info.records, 1u);
      return Status::ok();
    }));
    EXPECT_CALL(*model, close()).WillOnce(Return(Status::ok()));
  }
  const auto report = run(pipeline("models: [counting]\n"));
  EXPECT_EQ(report.exit_code, kExitOk) << report.error;
}

TEST_F(RunnerModelTest, AModelReadingATableASinkWritesElsewhereIsRefused) {
  model_factory_->declared = {{"", "", {"rows"}, {"totals"}}};
  const std::string yaml =
      "source: { type: replay }\nsinks: [ { type: out } ]\n"
      "models: [ { type: counting, store: " +
      dir_.file("b.db") + " } ]\n";
  const auto spec = parsePipelineSpec(yaml, "test.yaml", LoadOptions{});
  try {
    resolvePipeline(spec, registry_);
    FAIL() << "resolved";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(), HasSubstr("test.yaml:3:"));
    EXPECT_THAT(error.what(), HasSubstr("models[0] 'counting' reads table rows from"));
    EXPECT_THAT(error.what(), HasSubstr("put them on one store"));
  }
}

}  // namespace
}  // namespace kalshi_direct
