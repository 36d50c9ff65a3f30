// The `jsonl` source: records with exact types from a JSON-lines fixture, bad lines rejected with
// their line numbers, batching, stop requests and resuming from a committed offset.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "jsonl_source.h"
#include "mocks/mock_plugin.h"
#include "unit/plugins/plugin_test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using testing::OptionsBuilder;
using ::testing::Return;
using ::testing::ReturnRef;
using ::testing::StartsWith;
using testing::TempDir;

const std::string kFills = std::string(KD_TEST_FIXTURES_DIR) + "/plugins/jsonl/fills.jsonl";

struct Rejected {
  std::string stream, raw, reason;
};

class JsonlSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(builtin::register_source_jsonl(registrar_).isOk());
    ASSERT_EQ(registrar_.sources.size(), 1u);
    factory_ = registrar_.sources[0].get();
    ON_CALL(context_, batchSize()).WillByDefault(Return(100));
    ON_CALL(context_, committedState()).WillByDefault(ReturnRef(state_));
    ON_CALL(context_, reject(_, _, _))
        .WillByDefault(
            [this](const std::string& stream, const std::string& raw, const std::string& reason) {
              rejected_.push_back({stream, raw, reason});
            });
  }

  SourcePtr create(const OptionsBuilder& options) {
    SourcePtr source;
    const Status status = factory_->create(options.build(), source);
    EXPECT_TRUE(status.isOk()) << status.message();
    return source;
  }

  // Reads until end of stream; returns the batches.
  std::vector<Batch> readAll(Source& source) {
    std::vector<Batch> batches;
    for (int guard = 0; guard < 1000; ++guard) {
      Batch batch;
      const Status status = source.read(batch);
      if (status.code() == StatusCode::kEndOfStream) return batches;
      EXPECT_TRUE(status.isOk()) << status.message();
      if (!status.isOk()) return batches;
      batches.push_back(std::move(batch));
    }
    ADD_FAILURE() << "no end of stream";
    return batches;
  }

  static std::vector<Record> records(const std::vector<Batch>& batches) {
    std::vector<Record> all;
    for (const auto& batch : batches)
      all.insert(all.end(), batch.records.begin(), batch.records.end());
    return all;
  }

  TempDir dir_;
  StateMap state_;
  std::vector<Rejected> rejected_;
  NiceMock<testing::MockSourceContext> context_;
  testing::CapturingRegistrar registrar_;
  SourceFactory* factory_ = nullptr;
};

TEST_F(JsonlSourceTest, ReadsObjectsWithExactTypesInDocumentOrder) {
  SourcePtr source = create(OptionsBuilder().set("path", kFills).set("stream", "fills"));
  ASSERT_TRUE(source->open(context_).isOk());
  const std::vector<Batch> batches = readAll(*source);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].stream, "fills");
  const std::vector<Record>& all = batches[0].records;
  ASSERT_EQ(all.size(), 4u);

  EXPECT_EQ(all[0], (Record{{"fill_id", "f1"},
                            {"ticker", "KXHIGHNY-26MAR01-B45"},
                            {"count", int64_t{10}},
                            {"yes_price_dollars", Decimal(5600, 4)},
                            {"is_taker", true},
                            {"client_order_id", nullptr}}));
  EXPECT_EQ(all[0].get("yes_price_dollars").asDecimal().toString(), "0.5600");  // scale kept

  EXPECT_EQ(all[1].get("meta"), Value(R"({"tags":["a","b"],"n":1.50})"));
  EXPECT_EQ(all[1].get("is_taker"), Value(false));

  EXPECT_EQ(all[2].get("count"), Value(int64_t{-2}));
  EXPECT_EQ(all[2].get("fee_dollars").asDecimal().toString(), "0.0015");
  EXPECT_EQ(all[2].get("note"), Value("quote \" and \xC3\xA9"));

  EXPECT_EQ(all[3].get("fill_id"), Value("f6"));
  EXPECT_EQ(all[3].get("list"), Value(R"([ 1, {"x": null} ])"));
}

TEST_F(JsonlSourceTest, RejectsBadLinesWithTheirLineNumbersAndGoesOn) {
  SourcePtr source = create(OptionsBuilder().set("path", kFills).set("stream", "fills"));
  ASSERT_TRUE(source->open(context_).isOk());
  EXPECT_EQ(records(readAll(*source)).size(), 4u);
  ASSERT_EQ(rejected_.size(), 4u);
  EXPECT_EQ(rejected_[0].stream, "fills");
  EXPECT_EQ(rejected_[0].raw, "not json at all");
  EXPECT_EQ(rejected_[0].reason,
            "line 4: invalid JSON (Problem while parsing an atom starting with the letter 'n')");
  EXPECT_EQ(rejected_[1].raw, "[1,2,3]");
  EXPECT_EQ(rejected_[1].reason, "line 5: expected a JSON object, found an array");
  EXPECT_EQ(rejected_[2].reason,
            "line 7: field 'count': integer 12345678901234567890 does not fit in 64 bits");
  EXPECT_EQ(rejected_[3].raw, "{\"fill_id\":\"f5\",\"count\":1} trailing");
  EXPECT_THAT(rejected_[3].reason, StartsWith("line 8: invalid JSON (The JSON document has an "
                                              "improper structure"));
}

TEST_F(JsonlSourceTest, FillsBatchesUpToTheBatchSize) {
  ON_CALL(context_, batchSize()).WillByDefault(Return(3));
  SourcePtr source = create(OptionsBuilder().set("path", kFills));
  ASSERT_TRUE(source->open(context_).isOk());
  const std::vector<Batch> batches = readAll(*source);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].stream, "records");
  EXPECT_EQ(batches[0].records.size(), 3u);
  EXPECT_EQ(batches[1].records.size(), 1u);
}

TEST_F(JsonlSourceTest, StopsAtABatchBoundaryWhenAskedTo) {
  ON_CALL(context_, batchSize()).WillByDefault(Return(1));
  SourcePtr source = create(OptionsBuilder().set("path", kFills));
  ASSERT_TRUE(source->open(context_).isOk());
  Batch first;
  ASSERT_TRUE(source->read(first).isOk());
  EXPECT_EQ(first.records.size(), 1u);
  ON_CALL(context_, stopRequested()).WillByDefault(Return(true));
  Batch second;
  EXPECT_EQ(source->read(second).code(), StatusCode::kEndOfStream);
  EXPECT_TRUE(second.records.empty());
}

TEST_F(JsonlSourceTest, ResumesAfterTheCommittedOffsetKeepingLineNumbers) {
  const std::string path = dir_.file("events.jsonl");
  testing::writeFile(path, "{\"n\":1}\n{\"n\":2}\n");
  ON_CALL(context_, batchSize()).WillByDefault(Return(1));
  SourcePtr first = create(OptionsBuilder().set("path", path).set("resume", "true"));
  ASSERT_TRUE(first->open(context_).isOk());
  Batch batch;
  ASSERT_TRUE(first->read(batch).isOk());
  EXPECT_EQ(first->checkpoint(), (StateMap{{"offset", "8"}}));  // just after line 1
  state_ = first->checkpoint();                                 // what the engine committed
  ASSERT_TRUE(first->close().isOk());

  // The file grew before the next run.
  testing::writeFile(path, "{\"n\":1}\n{\"n\":2}\nbad\n{\"n\":3}");
  SourcePtr second = create(OptionsBuilder().set("path", path).set("resume", "true"));
  ASSERT_TRUE(second->open(context_).isOk());
  const std::vector<Record> rest = records(readAll(*second));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].get("n"), Value(int64_t{2}));
  EXPECT_EQ(rest[1].get("n"), Value(int64_t{3}));
  ASSERT_EQ(rejected_.size(), 1u);
  EXPECT_THAT(rejected_[0].reason, StartsWith("line 3: "));
  EXPECT_EQ(second->checkpoint(), (StateMap{{"offset", "27"}}));
}

TEST_F(JsonlSourceTest, WithoutResumeItIgnoresStateAndCheckpointsNothing) {
  state_ = {{"offset", "100"}};
  SourcePtr source = create(OptionsBuilder().set("path", kFills));
  ASSERT_TRUE(source->open(context_).isOk());
  EXPECT_EQ(records(readAll(*source)).size(), 4u);
  EXPECT_TRUE(source->checkpoint().empty());
}

TEST_F(JsonlSourceTest, AMissingFileIsAOneLineErrorNamingThePath) {
  const std::string path = dir_.file("missing.jsonl");
  SourcePtr source = create(OptionsBuilder().set("path", path));
  const Status status = source->open(context_);
  EXPECT_FALSE(status.isOk());
  EXPECT_EQ(status.message(),
            "cannot read JSON-lines file '" + path + "': No such file or directory");
}

TEST_F(JsonlSourceTest, ADirectoryIsAnErrorNamingThePath) {
  SourcePtr source = create(OptionsBuilder().set("path", dir_.path()));
  const Status status = source->open(context_);
  EXPECT_FALSE(status.isOk());
  EXPECT_THAT(status.message(), HasSubstr("'" + dir_.path() + "'"));
}

TEST_F(JsonlSourceTest, HandlesCrlfABomAndAFinalLineWithoutNewline) {
  const std::string path = dir_.file("windows.jsonl");
  testing::writeFile(path, "\xEF\xBB\xBF{\"a\":1}\r\n{\"a\":\"x\"}");
  SourcePtr source = create(OptionsBuilder().set("path", path));
  ASSERT_TRUE(source->open(context_).isOk());
  const std::vector<Record> all = records(readAll(*source));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], (Record{{"a", int64_t{1}}}));
  EXPECT_EQ(all[1], (Record{{"a", "x"}}));
  EXPECT_TRUE(rejected_.empty());
}

TEST(JsonlNumberTest, ConvertsNumberTextExactly) {
  auto convert = [](std::string_view text) {
    Value value;
    std::string reason;
    EXPECT_TRUE(plugins::jsonNumberToValue(text, value, reason)) << text << ": " << reason;
    return value;
  };
  EXPECT_EQ(convert("0"), Value(int64_t{0}));
  EXPECT_EQ(convert("-9223372036854775808"), Value(INT64_MIN));
  EXPECT_EQ(convert("0.1").asDecimal().toString(), "0.1");
  EXPECT_EQ(convert("-12.3400").asDecimal().toString(), "-12.3400");
  EXPECT_EQ(convert("1e2").asDecimal().toString(), "100");
  EXPECT_EQ(convert("2.5E+1").asDecimal().toString(), "25");
  EXPECT_EQ(convert("125e-2").asDecimal().toString(), "1.25");
  EXPECT_EQ(convert("0.123456789012345678").asDecimal().toString(), "0.123456789012345678");

  for (const char* bad : {"01", "1.", ".5", "-", "1e", "+1", "1.2.3", "0.1234567890123456789",
                          "9223372036854775808", "1e400"}) {
    Value value;
    std::string reason;
    EXPECT_FALSE(plugins::jsonNumberToValue(bad, value, reason)) << bad;
    EXPECT_FALSE(reason.empty());
  }
}

TEST_F(JsonlSourceTest, FactoryDocumentsItsOptionsAndNamesItsStream) {
  EXPECT_EQ(factory_->name(), "jsonl");
  testing::expectDocumentedOptions(*factory_);
  EXPECT_EQ(factory_->streams(OptionsBuilder().set("path", "x").set("stream", "fills").build()),
            std::vector<std::string>{"fills"});
  // An empty stream name is refused by the engine, from the declared options, before create().
  EXPECT_EQ(
      OptionsBuilder().set("path", "x").set("stream", "").engineCheck(*factory_, "source 'jsonl'"),
      OptionsBuilder::at(4, 11) + ": source 'jsonl': option 'stream' must not be empty");
}

}  // namespace
}  // namespace kalshi_direct
