// The `csv` sink: bytes on disk after the engine's lifecycle (open, write, flush, commit, close),
// rollback and dry run, append mode with torn-line repair, and option validation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csv_sink.h"
#include "mocks/mock_plugin.h"
#include "unit/plugins/plugin_test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::_;
using ::testing::AnyNumber;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using testing::OptionsBuilder;
using testing::readFile;
using ::testing::Return;
using testing::TempDir;
using testing::writeFile;

class CsvSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(builtin::register_sink_csv(registrar_).isOk());
    ASSERT_EQ(registrar_.sinks.size(), 1u);
    factory_ = registrar_.sinks[0].get();
  }

  SinkPtr create(const OptionsBuilder& options) {
    SinkPtr sink;
    const Status status = factory_->create(options.build(), sink);
    EXPECT_TRUE(status.isOk()) << status.message();
    return sink;
  }

  Status createStatus(const OptionsBuilder& options) {
    SinkPtr sink;
    return factory_->create(options.build(), sink);
  }

  // One complete successful run, as the engine drives it: open, write every batch, flush,
  // finish (end of input), commit, close.
  void run(Sink& sink, const std::vector<Batch>& batches) {
    ASSERT_TRUE(sink.open(context_).isOk());
    for (const auto& batch : batches) {
      const WriteResult result = sink.write(batch);
      ASSERT_TRUE(result.status.isOk()) << result.status.message();
      EXPECT_TRUE(result.rejected.empty());
    }
    ASSERT_TRUE(sink.flush().isOk());
    ASSERT_TRUE(sink.finish().isOk());
    ASSERT_TRUE(sink.commit().isOk());
    ASSERT_TRUE(sink.close().isOk());
  }

  static Batch batch(std::vector<Record> records) { return Batch{"fills", std::move(records)}; }

  TempDir dir_;
  NiceMock<testing::MockSinkContext> context_;
  testing::CapturingRegistrar registrar_;
  SinkFactory* factory_ = nullptr;
};

TEST(CsvFieldTest, QuotesOnlyWhatRfc4180Requires) {
  auto field = [](std::string_view text, char delimiter = ',') {
    std::string out;
    plugins::appendCsvField(out, text, delimiter);
    return out;
  };
  EXPECT_EQ(field("plain text"), "plain text");
  EXPECT_EQ(field(""), "");
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(field("line1\nline2"), "\"line1\nline2\"");
  EXPECT_EQ(field("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(field("a;b", ';'), "\"a;b\"");
  EXPECT_EQ(field("a,b", ';'), "a,b");
}

TEST(CsvFieldTest, ParsesBackTheFirstRecord) {
  EXPECT_EQ(plugins::parseCsvRecord("id,\"a,b\",\"say \"\"hi\"\"\"\r\n1,2,3\n", ','),
            (std::vector<std::string>{"id", "a,b", "say \"hi\""}));
  EXPECT_EQ(plugins::parseCsvRecord("x;y\n", ';'), (std::vector<std::string>{"x", "y"}));
}

TEST_F(CsvSinkTest, WritesAFieldWithCommasQuotesAndNewlinesByteForByte) {
  const std::string path = dir_.file("out.csv");
  SinkPtr sink = create(OptionsBuilder().set("path", path));
  run(*sink, {batch({
                 Record{{"id", "f1"}, {"note", "a, b"}, {"count", 3}},
                 Record{{"id", "f2"}, {"note", "she said \"no\"\nthen left"}, {"count", 4}},
                 Record{{"id", "f3"}, {"note", nullptr}, {"count", Decimal(1050, 2)}},
             })});
  EXPECT_EQ(readFile(path),
            "id,note,count\n"
            "f1,\"a, b\",3\n"
            "f2,\"she said \"\"no\"\"\nthen left\",4\n"
            "f3,,10.50\n");
}

TEST_F(CsvSinkTest, WritesEveryValueTypeAsText) {
  const std::string path = dir_.file("types.csv");
  SinkPtr sink = create(OptionsBuilder().set("path", path));
  Timestamp when;
  ASSERT_TRUE(Timestamp::parse("2026-03-01T14:03:22.5Z", when));
  run(*sink, {batch({Record{{"flag", true},
                            {"price", Decimal(5600, 4)},
                            {"at", when},
                            {"n", int64_t{-7}},
                            {"none", nullptr}}})});
  EXPECT_EQ(readFile(path),
            "flag,price,at,n,none\n"
            "true,0.5600,2026-03-01T14:03:22.500000Z,-7,\n");
}

TEST_F(CsvSinkTest, FieldsChooseAndOrderColumnsMissingFieldsAreEmptyExtraFieldsWarnOnce) {
  const std::string path = dir_.file("out.csv");
  EXPECT_CALL(context_, log(_, _)).Times(AnyNumber());
  EXPECT_CALL(context_, log(LogLevel::kWarning, HasSubstr("'secret'"))).Times(1);
  SinkPtr sink = create(OptionsBuilder().set("path", path).list("fields", {"ticker", "id"}));
  run(*sink, {batch({Record{{"id", "1"}, {"ticker", "KXA"}, {"secret", "x"}},
                     Record{{"id", "2"}, {"secret", "y"}}}),
              batch({Record{{"secret", "z"}, {"ticker", "KXB"}}})});
  EXPECT_EQ(readFile(path), "ticker,id\nKXA,1\n,2\nKXB,\n");
}

TEST_F(CsvSinkTest, DelimiterLineEndingAndNoHeader) {
  const std::string path = dir_.file("out.csv");
  SinkPtr sink = create(OptionsBuilder()
                            .set("path", path)
                            .set("delimiter", ";")
                            .set("line_ending", "crlf")
                            .set("header", "false"));
  run(*sink, {batch({Record{{"a", "x;y"}, {"b", "1,5"}}})});
  EXPECT_EQ(readFile(path), "\"x;y\";1,5\r\n");
}

TEST_F(CsvSinkTest, ReplaceShowsNothingUntilCloseThenSwapsTheFileAtomically) {
  const std::string path = dir_.file("out.csv");
  writeFile(path, "old content\n");
  SinkPtr sink = create(OptionsBuilder().set("path", path));
  ASSERT_TRUE(sink->open(context_).isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "1"}}})).status.isOk());
  ASSERT_TRUE(sink->flush().isOk());
  ASSERT_TRUE(sink->commit().isOk());
  EXPECT_EQ(readFile(path), "old content\n");  // readers never see a half-written file
  ASSERT_TRUE(sink->write(batch({Record{{"id", "2"}}})).status.isOk());
  ASSERT_TRUE(sink->flush().isOk());
  ASSERT_TRUE(sink->finish().isOk());
  ASSERT_TRUE(sink->commit().isOk());
  ASSERT_TRUE(sink->close().isOk());
  EXPECT_EQ(readFile(path), "id\n1\n2\n");
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"out.csv"});  // no temp file left
}

TEST_F(CsvSinkTest, ReplaceDoesNotPublishAnInterruptedRun) {
  const std::string path = dir_.file("out.csv");
  writeFile(path, "old content\n");
  SinkPtr sink = create(OptionsBuilder().set("path", path));
  ASSERT_TRUE(sink->open(context_).isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "1"}}})).status.isOk());
  ASSERT_TRUE(sink->flush().isOk());
  ASSERT_TRUE(sink->commit().isOk());  // the engine commits what it has after SIGTERM...
  ASSERT_TRUE(sink->close().isOk());   // ...but finish() never came: the input did not end
  EXPECT_EQ(readFile(path), "old content\n");
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"out.csv"});
}

TEST_F(CsvSinkTest, ReplaceKeepsTheOldFileIntactAfterRollback) {
  const std::string path = dir_.file("out.csv");
  writeFile(path, "id\nold\n");
  SinkPtr sink = create(OptionsBuilder().set("path", path));
  ASSERT_TRUE(sink->open(context_).isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "new"}}})).status.isOk());
  ASSERT_TRUE(sink->flush().isOk());
  ASSERT_TRUE(sink->commit().isOk());  // an earlier commit of the same run
  ASSERT_TRUE(sink->write(batch({Record{{"id", "newer"}}})).status.isOk());
  sink->rollback();  // the run failed later
  ASSERT_TRUE(sink->close().isOk());
  EXPECT_EQ(readFile(path), "id\nold\n");
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"out.csv"});
}

TEST_F(CsvSinkTest, DryRunPublishesNothing) {
  ON_CALL(context_, dryRun()).WillByDefault(Return(true));
  const std::string path = dir_.file("out.csv");
  SinkPtr sink = create(OptionsBuilder().set("path", path));
  ASSERT_TRUE(sink->open(context_).isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "1"}}})).status.isOk());
  ASSERT_TRUE(sink->flush().isOk());
  sink->rollback();  // what the engine does in a dry run, instead of commit()
  ASSERT_TRUE(sink->close().isOk());
  EXPECT_TRUE(dir_.entries().empty());
}

TEST_F(CsvSinkTest, ReplaceWithNoRowsPublishesTheHeaderOfDeclaredFields) {
  const std::string path = dir_.file("out.csv");
  writeFile(path, "stale\n");
  SinkPtr sink = create(OptionsBuilder().set("path", path).list("fields", {"a", "b"}));
  run(*sink, {});
  EXPECT_EQ(readFile(path), "a,b\n");
}

TEST_F(CsvSinkTest, ReplaceKeepsThePermissionsOfTheFileItReplaces) {
  const std::string path = dir_.file("out.csv");
  writeFile(path, "old\n");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  SinkPtr sink = create(OptionsBuilder().set("path", path));
  run(*sink, {batch({Record{{"id", "1"}}})});
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
}

TEST_F(CsvSinkTest, AppendWritesTheHeaderOnlyIntoANewFile) {
  const std::string path = dir_.file("log.csv");
  for (const char* id : {"1", "2"}) {  // two runs
    SinkPtr sink = create(OptionsBuilder().set("path", path).set("mode", "append"));
    run(*sink, {batch({Record{{"id", id}, {"note", "a,b"}}})});
  }
  EXPECT_EQ(readFile(path), "id,note\n1,\"a,b\"\n2,\"a,b\"\n");
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"log.csv"});
}

TEST_F(CsvSinkTest, AppendWritesTheHeaderIntoAnExistingEmptyFile) {
  const std::string path = dir_.file("log.csv");
  writeFile(path, "");
  SinkPtr sink = create(OptionsBuilder().set("path", path).set("mode", "append"));
  run(*sink, {batch({Record{{"id", "1"}}})});
  EXPECT_EQ(readFile(path), "id\n1\n");
}

TEST_F(CsvSinkTest, AppendKeepsTheColumnOrderOfTheExistingHeader) {
  const std::string path = dir_.file("log.csv");
  writeFile(path, "b,a\n1,2\n");
  SinkPtr sink = create(OptionsBuilder().set("path", path).set("mode", "append"));
  run(*sink, {batch({Record{{"a", "x"}, {"b", "y"}}})});
  EXPECT_EQ(readFile(path), "b,a\n1,2\ny,x\n");
}

TEST_F(CsvSinkTest, AppendWritesAtFlushReportsTheLengthAndRollbackCutsBack) {
  const std::string path = dir_.file("log.csv");
  SinkPtr sink = create(OptionsBuilder().set("path", path).set("mode", "append"));
  ASSERT_TRUE(sink->open(context_).isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "1"}}})).status.isOk());
  // flush() runs just before the engine's commit: the rows are on disk and the length that the
  // engine commits with the state covers them.
  ASSERT_TRUE(sink->flush().isOk());
  EXPECT_EQ(readFile(path), "id\n1\n");
  EXPECT_EQ(sink->checkpoint(), (StateMap{{"length", "5"}}));
  ASSERT_TRUE(sink->commit().isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "2"}}})).status.isOk());
  ASSERT_TRUE(sink->flush().isOk());
  EXPECT_EQ(readFile(path), "id\n1\n2\n");
  sink->rollback();  // that transaction failed: its rows go
  ASSERT_TRUE(sink->close().isOk());
  EXPECT_EQ(readFile(path), "id\n1\n");
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"log.csv"});
}

TEST_F(CsvSinkTest, AppendCutsOffRowsWrittenAfterTheLastCommitOfACrashedRun) {
  const std::string path = dir_.file("log.csv");
  // The last commit covered "id\n1\n2\n" (7 bytes); a crash came after "3\n4\n" was appended.
  writeFile(path, "id\n1\n2\n3\n4\n");
  context_.state_ = {{"length", "7"}};
  EXPECT_CALL(context_, log(_, _)).Times(AnyNumber());
  EXPECT_CALL(context_,
              log(LogLevel::kWarning, HasSubstr("4 bytes after the last commit are removed")))
      .Times(1);
  SinkPtr sink = create(OptionsBuilder().set("path", path).set("mode", "append"));
  // The source resends 3 and 4 (its state is from the same commit).
  run(*sink, {batch({Record{{"id", "3"}}, Record{{"id", "4"}}})});
  EXPECT_EQ(readFile(path), "id\n1\n2\n3\n4\n");
}

TEST_F(CsvSinkTest, AppendRepairsATornLastLineAndWarns) {
  const std::string path = dir_.file("log.csv");
  writeFile(path, "id,name\n1,a\n2,b");  // a crash cut the last row short
  EXPECT_CALL(context_, log(_, _)).Times(AnyNumber());
  EXPECT_CALL(context_, log(LogLevel::kWarning, HasSubstr("incomplete line"))).Times(1);
  SinkPtr sink = create(OptionsBuilder().set("path", path).set("mode", "append"));
  run(*sink, {batch({Record{{"id", "3"}, {"name", "c"}}})});
  EXPECT_EQ(readFile(path), "id,name\n1,a\n3,c\n");
}

TEST_F(CsvSinkTest, AppendRepairsALineTornInsideAQuotedNewline) {
  const std::string path = dir_.file("log.csv");
  writeFile(path, "id,note\n1,\"two\nlines\"\n2,\"cut after the\n");
  SinkPtr sink = create(OptionsBuilder().set("path", path).set("mode", "append"));
  run(*sink, {batch({Record{{"id", "3"}, {"note", "ok"}}})});
  EXPECT_EQ(readFile(path), "id,note\n1,\"two\nlines\"\n3,ok\n");
}

TEST_F(CsvSinkTest, AppendDoesNotTouchATornFileInADryRun) {
  const std::string path = dir_.file("log.csv");
  writeFile(path, "id\n1\n2");
  ON_CALL(context_, dryRun()).WillByDefault(Return(true));
  SinkPtr sink = create(OptionsBuilder().set("path", path).set("mode", "append"));
  ASSERT_TRUE(sink->open(context_).isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "3"}}})).status.isOk());
  ASSERT_TRUE(sink->flush().isOk());
  sink->rollback();
  ASSERT_TRUE(sink->close().isOk());
  EXPECT_EQ(readFile(path), "id\n1\n2");
}

TEST_F(CsvSinkTest, UnwritableDirectoryIsAOneLineErrorNamingThePath) {
  const std::string path = dir_.file("no/such/dir/out.csv");
  SinkPtr sink = create(OptionsBuilder().set("path", path));
  const Status status = sink->open(context_);
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("'" + path + "'"));
  EXPECT_THAT(status.message(), HasSubstr("No such file or directory"));
  EXPECT_EQ(status.message().find('\n'), std::string::npos);
}

TEST_F(CsvSinkTest, APathThatIsADirectoryIsAnErrorNamingIt) {
  for (const char* mode : {"replace", "append"}) {
    SinkPtr sink = create(OptionsBuilder().set("path", dir_.path()).set("mode", mode));
    const Status status = sink->open(context_);
    EXPECT_EQ(status.code(), StatusCode::kInvalidConfig) << mode;
    EXPECT_THAT(status.message(), HasSubstr("'" + dir_.path() + "'"));
    ASSERT_TRUE(sink->close().isOk());
  }
  EXPECT_TRUE(dir_.entries().empty());
}

TEST_F(CsvSinkTest, ReadOnlyDirectoryIsAnErrorNamingThePath) {
  const std::string path = dir_.file("out.csv");
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0555), 0);
  SinkPtr sink = create(OptionsBuilder().set("path", path));
  // Root writes into read-only directories (and CI runs as root): open the sink in a child that
  // has become nobody. It answers through its exit code: 0 refused naming the path, 1 opened,
  // 2 refused without naming it, 3 could not drop root.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    const Status status = sink->open(context_);
    ::_exit(status.isOk()                                                  ? 1
            : status.message().find("'" + path + "'") == std::string::npos ? 2
                                                                           : 0);
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ::chmod(dir_.path().c_str(), 0700);
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0)
      << "0 = refused naming the path; 1 = opened; 2 = message without the path";
}

TEST_F(CsvSinkTest, FactoryDocumentsAndValidatesItsOptions) {
  EXPECT_EQ(factory_->name(), "csv");
  testing::expectDocumentedOptions(*factory_);

  Status status = createStatus(OptionsBuilder().set("path", "x.csv").set("delimiter", ";;"));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr(OptionsBuilder::at(4, 11) + ": sink 'csv': delimiter"));

  status = createStatus(OptionsBuilder().set("path", "x.csv").set("delimiter", "\""));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);

  status = createStatus(OptionsBuilder().set("path", "x.csv").list("fields", {"a", "b", "a"}));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("'a' is listed twice"));

  SinkPtr tab;
  EXPECT_TRUE(
      factory_->create(OptionsBuilder().set("path", "x.csv").set("delimiter", "\\t").build(), tab)
          .isOk());
}

}  // namespace
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace {

// Issue 13 item 9: a ticker like =HYPERLINK(...) must not run as a formula in a spreadsheet.
TEST_F(CsvSinkTest, TextThatASpreadsheetWouldRunAsAFormulaIsNeutralizedUnlessTurnedOff) {
  const std::vector<Record> rows = {
      Record{{"ticker", Value("=HYPERLINK(\"http://x\",\"click\")")},
             {"amount", Value(Decimal(-150, 2))}},
      Record{{"ticker", Value("+1")}, {"amount", Value("-3.00")}},
      Record{{"ticker", Value("@SUM(A1)")}, {"amount", Value("-x")}},
      Record{{"ticker", Value("KXHIGHNY-26MAR01-T60")}, {"amount", Value("12")}}};
  TempDir dir;
  auto guarded = create(OptionsBuilder().set("path", dir.file("safe.csv")));
  run(*guarded, {batch(rows)});
  EXPECT_EQ(readFile(dir.file("safe.csv")),
            "ticker,amount\n"
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\",-1.50\n"  // numbers stay numbers
            "+1,-3.00\n"                                               // a plain number as text too
            "'@SUM(A1),'-x\n"
            "KXHIGHNY-26MAR01-T60,12\n");
  auto verbatim =
      create(OptionsBuilder().set("path", dir.file("raw.csv")).set("neutralize_formulas", "false"));
  run(*verbatim, {batch(rows)});
  EXPECT_THAT(readFile(dir.file("raw.csv")), HasSubstr("\"=HYPERLINK("));
  EXPECT_THAT(readFile(dir.file("raw.csv")), HasSubstr("@SUM(A1),-x\n"));
}

}  // namespace
}  // namespace kalshi_direct
