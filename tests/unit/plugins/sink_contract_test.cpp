// The sink contract, one suite every built-in sink runs through the real runner (add a sink to
// kSinks and it must pass all of it). What a user relies on, whatever the sink:
//   - a clean run writes every record once;
//   - a failed run keeps exactly what was committed: the rollback discards the rest;
//   - its checkpoint round-trips: a re-run after a failure resumes, and every record is there
//     exactly once;
//   - a dry run writes nothing;
//   - close after a failure is safe (the failing runs close every stage; the sanitizer build
//     checks the memory).
// The source replays two batches of two records; the pipeline commits after each batch.
// kalshi_account is not here: it stages positions until their stream ends, and the kalshi_pnl
// model computes from other sinks' tables (their own tests cover them).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "kalshi_direct/engine/builtin_plugins.h"
#include "kalshi_direct/engine/pipeline_spec.h"
#include "kalshi_direct/engine/registry.h"
#include "kalshi_direct/engine/runner.h"
#include "kalshi_direct/engine/stores.h"
#include "mocks/fake_plugins.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

struct SinkCase {
  const char* name;
  std::string stream;
  std::string sink_yaml;  // {dir} = the test's directory
  std::function<Record(int index)> record;
  // The ids the sink's output holds, in output order (duplicates kept).
  std::function<std::vector<std::string>(const std::string& dir)> written;
};

void PrintTo(const SinkCase& c, std::ostream* os) { *os << c.name; }

std::string replaceDir(std::string text, const std::string& dir) {
  for (size_t at = text.find("{dir}"); at != std::string::npos; at = text.find("{dir}", at))
    text.replace(at, 5, dir);
  return text;
}

std::vector<std::string> idsInTable(const std::string& path, const std::string& table) {
  if (!storeExists(path)) return {};
  StorePtr store = openStore(path, Store::Mode::kReadOnly);
  if (!store->tableExists(table)) return {};
  StoreStatementPtr query = store->prepare("SELECT id FROM " + table + " ORDER BY id");
  std::vector<std::string> ids;
  while (query->step()) ids.push_back(query->columnText(0));
  return ids;
}

std::vector<std::string> idsInCsv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    const std::string id = line.substr(0, line.find(','));
    if (id != "id" && !id.empty()) ids.push_back(id);
  }
  return ids;
}

std::string id(int index) { return "id-" + std::to_string(index); }

Record fillRecord(int index) {
  return Record{{"id", Value(id(index))},
                {"ticker", Value(std::string("KXHIGHNY-26MAR01-T60"))},
                {"side", Value(std::string("BUY"))},
                {"contract_side", Value(std::string("yes"))},
                {"outcome_side", Value(std::string("yes"))},
                {"quantity_fp", Value(Decimal(300, 2))},
                {"yes_price_dollars", Value(Decimal(5600, 4))},
                {"no_price_dollars", Value(Decimal(4400, 4))},
                {"fee_dollars", Value(Decimal(2, 2))},
                {"order_id", Value(std::string("o-1"))},
                {"created_time", Value(std::string("2026-03-01T12:00:00Z"))},
                {"filled_at_us", Value(int64_t{1772366400000000})}};
}

const SinkCase kSinks[] = {
    {"csv", "fills", "{ type: csv, path: \"{dir}/out.csv\", mode: append, fields: [id, ticker] }",
     fillRecord, [](const std::string& dir) { return idsInCsv(dir + "/out.csv"); }},
    {"sqlite_table", "fills",
     "{ type: sqlite_table, path: \"{dir}/t.db\", table: rows, columns: { id: text, ticker: text "
     "}, key: [id] }",
     fillRecord, [](const std::string& dir) { return idsInTable(dir + "/t.db", "rows"); }},
    {"kalshi_fills", "fills", "{ type: kalshi_fills, path: \"{dir}/k.db\" }", fillRecord,
     [](const std::string& dir) { return idsInTable(dir + "/k.db", "kalshi_fills"); }},
    {"kalshi_orders", "orders", "{ type: kalshi_orders, path: \"{dir}/k.db\" }",
     [](int index) {
       return Record{{"id", Value(id(index))},
                     {"ticker", Value(std::string("KXHIGHNY-26MAR01-T60"))},
                     {"side", Value(std::string("BUY"))},
                     {"contract_side", Value(std::string("yes"))},
                     {"status", Value(std::string("executed"))}};
     },
     [](const std::string& dir) { return idsInTable(dir + "/k.db", "kalshi_orders"); }},
    {"kalshi_transfers", "transfers", "{ type: kalshi_transfers, path: \"{dir}/k.db\" }",
     [](int index) {
       return Record{{"id", Value(id(index))},
                     {"direction", Value(std::string("deposit"))},
                     {"status", Value(std::string("applied"))},
                     {"amount_cents", Value(int64_t{10000 + index})}};
     },
     [](const std::string& dir) { return idsInTable(dir + "/k.db", "kalshi_transfers"); }},
};

class SinkContractTest : public ::testing::TestWithParam<SinkCase> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(registerBuiltinPlugins(registry_).isOk());
    auto source = std::make_unique<testing::FakeSourceFactory>(
        "replay", std::vector<std::string>{GetParam().stream});
    source_ = source.get();
    ASSERT_TRUE(registry_.addSource(std::move(source)).isOk());
  }

  // Runs the pipeline once; the source fails after `fail_after` batches (-1: never).
  RunReport run(int fail_after = -1, bool dry_run = false, int commit_rows = 2) {
    source_->make = [&, fail_after](const Options&) -> SourcePtr {
      std::vector<Batch> batches;
      for (int b = 0; b < 2; ++b) {
        Batch batch;
        batch.stream = GetParam().stream;
        for (int r = 0; r < 2; ++r) batch.records.push_back(GetParam().record(b * 2 + r));
        batches.push_back(std::move(batch));
      }
      auto replay = std::make_unique<testing::ReplaySource>(std::move(batches));
      replay->fail_after_batches = fail_after;
      return replay;
    };
    const std::string yaml = "name: contract\nstate: \"" + dir_.file("state.db") +
                             "\"\ncommit: { rows: " + std::to_string(commit_rows) +
                             " }\nsource: { type: replay }\nsinks:\n  - " +
                             replaceDir(GetParam().sink_yaml, dir_.path()) + "\n";
    const auto spec = parsePipelineSpec(yaml, "contract.yaml", LoadOptions{});
    resolved_ = resolvePipeline(spec, registry_);
    RunOptions options;
    options.dry_run = dry_run;
    return runPipeline(resolved_, registry_, options);
  }
  std::vector<std::string> written() { return GetParam().written(dir_.path()); }
  static std::vector<std::string> ids(std::initializer_list<int> indexes) {
    std::vector<std::string> out;
    for (int index : indexes) out.push_back(id(index));
    return out;
  }

  testing::TempDir dir_;
  Registry registry_;
  testing::FakeSourceFactory* source_ = nullptr;
  ResolvedPipeline resolved_;
};

TEST_P(SinkContractTest, ACleanRunWritesEveryRecordOnce) {
  const RunReport report = run();
  ASSERT_EQ(report.exit_code, kExitOk) << report.error;
  EXPECT_EQ(written(), ids({0, 1, 2, 3}));
}

TEST_P(SinkContractTest, AFailedRunKeepsExactlyWhatWasCommitted) {
  const RunReport report = run(/*fail_after=*/1);
  ASSERT_EQ(report.exit_code, kExitFailed);
  EXPECT_EQ(written(), ids({0, 1})) << "the first batch was committed, nothing after it";
}

TEST_P(SinkContractTest, AFailureBeforeAnyCommitLeavesNothing) {
  const RunReport report = run(/*fail_after=*/1, /*dry_run=*/false, /*commit_rows=*/1000);
  ASSERT_EQ(report.exit_code, kExitFailed);
  EXPECT_TRUE(written().empty()) << "rolled back";
}

TEST_P(SinkContractTest, TheCheckpointRoundTripsAndAReRunWritesEachRecordOnce) {
  ASSERT_EQ(run(/*fail_after=*/1).exit_code, kExitFailed);
  const RunReport resumed = run();
  ASSERT_EQ(resumed.exit_code, kExitOk) << resumed.error;
  EXPECT_EQ(written(), ids({0, 1, 2, 3}));
}

TEST_P(SinkContractTest, ADryRunWritesNothing) {
  const RunReport report = run(-1, /*dry_run=*/true);
  ASSERT_EQ(report.exit_code, kExitOk) << report.error;
  EXPECT_TRUE(written().empty());
}

INSTANTIATE_TEST_SUITE_P(Sinks, SinkContractTest, ::testing::ValuesIn(kSinks),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kalshi_direct
