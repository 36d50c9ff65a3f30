#include "kalshi_direct/engine/pipeline_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "mocks/fake_plugins.h"

namespace kalshi_direct {
namespace {

using testing::FakeSinkFactory;
using testing::FakeSourceFactory;
using testing::FakeTransformFactory;
using ::testing::HasSubstr;

class PipelineSpecTest : public ::testing::Test {
 protected:
  PipelineSpecTest() {
    EXPECT_TRUE(registry_
                    .addSource(std::make_unique<FakeSourceFactory>(
                        "feed", std::vector<std::string>{"orders", "fills"},
                        std::vector<OptionSpec>{
                            OptionSpec("url", OptionType::kString).required().help("where to read"),
                            OptionSpec("limit", OptionType::kInt).defaultValue("100"),
                            OptionSpec("every", OptionType::kDuration),
                            OptionSpec("tier", OptionType::kEnum).allowed({"basic", "advanced"}),
                            OptionSpec("verify", OptionType::kBool)}))
                    .isOk());
    EXPECT_TRUE(
        registry_
            .addTransform(std::make_unique<FakeTransformFactory>(
                "filter",
                std::vector<OptionSpec>{OptionSpec("where", OptionType::kString).required()}))
            .isOk());
    EXPECT_TRUE(
        registry_
            .addSink(std::make_unique<FakeSinkFactory>(
                "table", std::vector<OptionSpec>{OptionSpec("path", OptionType::kString).required(),
                                                 OptionSpec("columns", OptionType::kStringList)}))
            .isOk());
  }

  PipelineSpec parse(const std::string& yaml,
                     std::vector<std::pair<std::string, std::string>> overrides = {}) {
    LoadOptions options;
    options.overrides = std::move(overrides);
    options.environment = [this](const std::string& name) -> std::optional<std::string> {
      auto it = environment_.find(name);
      if (it == environment_.end()) return std::nullopt;
      return it->second;
    };
    return parsePipelineSpec(yaml, "p.yaml", options);
  }

  // The one-line message a user would see for a broken pipeline.
  std::string errorOf(const std::string& yaml,
                      std::vector<std::pair<std::string, std::string>> overrides = {}) {
    try {
      resolvePipeline(parse(yaml, std::move(overrides)), registry_);
    } catch (const ConfigError& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << "error must be one line: " << message;
      return message;
    }
    ADD_FAILURE() << "expected a ConfigError";
    return {};
  }

  Registry registry_;
  std::map<std::string, std::string> environment_;
};

TEST_F(PipelineSpecTest, ParsesAWholePipeline) {
  environment_["FEED_URL"] = "http://127.0.0.1:9";
  const auto spec = parse(R"(name: demo
description: a test
params:
  db: out.db
batch_size: 250
commit: { rows: 5000, interval: 2s }
source:
  type: feed
  url: ${FEED_URL}
transforms:
  - { type: filter, where: "x == 1", inputs: [orders] }
sinks:
  - { type: table, path: "${db}" }
)");
  const auto resolved = resolvePipeline(spec, registry_);
  EXPECT_EQ(resolved.spec.name, "demo");
  EXPECT_EQ(resolved.spec.batch_size, 250u);
  EXPECT_EQ(resolved.spec.commit_rows, 5000);
  EXPECT_EQ(resolved.spec.commit_interval_ms, 2000);
  EXPECT_EQ(resolved.source.options.getString("url"), "http://127.0.0.1:9");
  EXPECT_EQ(resolved.source.options.getInt("limit"), 100);  // default filled in
  EXPECT_EQ(resolved.source.inputs, (std::vector<std::string>{"orders", "fills"}));
  EXPECT_EQ(resolved.transforms[0].inputs, std::vector<std::string>{"orders"});
  EXPECT_EQ(resolved.sinks[0].options.getString("path"), "out.db");
  EXPECT_EQ(resolved.spec.state_scope, "demo");
  EXPECT_EQ(resolved.spec.dead_letter_path, "demo.dead-letter.jsonl");
}

TEST_F(PipelineSpecTest, InterpolatesDefaultsParamsAndOverrides) {
  const std::string yaml = R"(name: x
params:
  dir: ${DATA_DIR:-/var/data}
  db: ${dir}/k.db
source: { type: feed, url: "${URL:-http://localhost}/v2" }
sinks: [ { type: table, path: "${db}" } ]
)";
  auto spec = parse(yaml);
  EXPECT_EQ(spec.params[1].second, "/var/data/k.db");
  EXPECT_EQ(spec.source.options.find("url")->text(), "http://localhost/v2");
  EXPECT_EQ(spec.sinks[0].options.find("path")->text(), "/var/data/k.db");

  environment_["DATA_DIR"] = "/srv";
  spec = parse(yaml, {{"db", "/tmp/override.db"}});
  EXPECT_EQ(spec.params[0].second, "/srv");
  EXPECT_EQ(spec.sinks[0].options.find("path")->text(), "/tmp/override.db");
}

TEST_F(PipelineSpecTest, DollarDollarIsALiteralDollar) {
  const auto spec =
      parse("source: { type: feed, url: \"a$$b\" }\nsinks: [ { type: table, path: x } ]\n");
  EXPECT_EQ(spec.source.options.find("url")->text(), "a$b");
}

TEST_F(PipelineSpecTest, AnAccountIsANameAndAnEmptyOneIsTheDefault) {
  environment_["KALSHI_ACCOUNT"] = "desk_2";
  EXPECT_EQ(parse("account: ${KALSHI_ACCOUNT:-}\nsource: { type: feed, url: u }\n"
                  "sinks: [ { type: table, path: x } ]\n")
                .account,
            "desk_2");
  EXPECT_EQ(parse("account: \"\"\nsource: { type: feed, url: u }\n"
                  "sinks: [ { type: table, path: x } ]\n")
                .account,
            "");
  EXPECT_EQ(errorOf("account: Desk 2\nsource: { type: feed, url: u }\n"
                    "sinks: [ { type: table, path: x } ]\n"),
            "p.yaml:1:10: account 'Desk 2' is not a valid account name (a-z first, then a-z, 0-9 "
            "or _, at most 40 characters)");
}

TEST_F(PipelineSpecTest, MissingEnvironmentVariableNamesItAndThePlace) {
  const std::string message = errorOf(R"(name: x
source:
  type: feed
  url: ${KALSHI_API_BASE_URL}
sinks: [ { type: table, path: x } ]
)");
  EXPECT_EQ(message,
            "p.yaml:4:8: source: environment variable KALSHI_API_BASE_URL is not set and has "
            "no default (set it, or write ${KALSHI_API_BASE_URL:-default})");
}

TEST_F(PipelineSpecTest, SyntaxErrorsCarryLineAndColumn) {
  EXPECT_THAT(errorOf("name: x\nsource: { type: feed\nsinks: []\n"),
              ::testing::MatchesRegex("p\\.yaml:[0-9]+:[0-9]+: YAML syntax error: .*"));
}

TEST_F(PipelineSpecTest, UnknownOptionSuggestsAndListsValidOnes) {
  EXPECT_EQ(errorOf(R"(source: { type: feed, url: u }
transforms:
  - { type: filter, wher: "a" }
sinks: [ { type: table, path: x } ]
)"),
            "p.yaml:3:21: transforms[0] 'filter': unknown option 'wher' (did you mean 'where'?) "
            "(valid: where, inputs)");
}

TEST_F(PipelineSpecTest, UnknownPluginListsTheRegisteredOnes) {
  EXPECT_EQ(errorOf("source: { type: fed, url: u }\nsinks: [ { type: table, path: x } ]\n"),
            "p.yaml:1:9: source 'fed': unknown source type 'fed' (did you mean 'feed'?) (valid: "
            "feed; drop-in plugins load from plugin_paths or --plugin-dir)");
}

TEST_F(PipelineSpecTest, WrongOptionTypesAreReportedAtTheValue) {
  const std::string head = "source: { type: feed, url: u, ";
  const std::string tail = " }\nsinks: [ { type: table, path: x } ]\n";
  EXPECT_THAT(
      errorOf(head + "limit: many" + tail),
      HasSubstr("p.yaml:1:38: source 'feed': option 'limit' must be a whole number, not 'many'"));
  EXPECT_THAT(errorOf(head + "every: soon" + tail),
              HasSubstr("option 'every': 'soon' is not a duration"));
  EXPECT_THAT(errorOf(head + "tier: gold" + tail),
              HasSubstr("option 'tier' must be one of basic, advanced, not 'gold'"));
  EXPECT_THAT(errorOf(head + "verify: maybe" + tail),
              HasSubstr("option 'verify' must be true or false, not 'maybe'"));
  EXPECT_THAT(errorOf(head + "limit: [1, 2]" + tail),
              HasSubstr("option 'limit' must be a int, not a list"));
}

TEST_F(PipelineSpecTest, MissingRequiredOptionSaysWhatItIsFor) {
  EXPECT_EQ(errorOf("source: { type: feed }\nsinks: [ { type: table, path: x } ]\n"),
            "p.yaml:1:9: source 'feed': missing required option 'url' (where to read)");
}

TEST_F(PipelineSpecTest, StreamThatNoStageProducesIsAnError) {
  EXPECT_EQ(errorOf(R"(source: { type: feed, url: u }
sinks:
  - { type: table, path: x, inputs: [fils] }
)"),
            "p.yaml:3:37: sinks[0] 'table': takes stream 'fils' that no earlier stage produces "
            "(available: orders, fills)");
}

TEST_F(PipelineSpecTest, TopLevelShapeErrors) {
  EXPECT_THAT(errorOf("name: x\nsorce: { type: feed }\nsinks: [ { type: table, path: x } ]\n"),
              HasSubstr("p.yaml:2:1: unknown key 'sorce' (did you mean 'source'?)"));
  EXPECT_THAT(errorOf("name: x\nsinks: [ { type: table, path: x } ]\n"),
              HasSubstr("the pipeline has no 'source'"));
  EXPECT_THAT(errorOf("source: { type: feed, url: u }\nsinks: []\n"),
              HasSubstr("the pipeline needs 'sinks'"));
  EXPECT_THAT(errorOf("source: { type: feed, url: u }\nsinks: [ { path: x } ]\n"),
              HasSubstr("sinks[0] has no 'type'"));
  EXPECT_THAT(
      errorOf("source: { type: feed, url: u, url: v }\nsinks: [ { type: table, path: x } ]\n"),
      HasSubstr("duplicate key 'url'"));
  EXPECT_THAT(errorOf("- just\n- a list\n"), HasSubstr("a pipeline must be a YAML map"));
  EXPECT_THAT(
      errorOf(
          "batch_size: 0\nsource: { type: feed, url: u }\nsinks: [ { type: table, path: x } ]\n"),
      HasSubstr("p.yaml:1:13: batch_size must be a whole number >= 1, not '0'"));
  EXPECT_THAT(errorOf("commit: { rows: 10, every: 1s }\nsource: { type: feed, url: u }\nsinks: [ { "
                      "type: table, path: x } ]\n"),
              HasSubstr("commit: unknown key 'every'"));
}

TEST_F(PipelineSpecTest, PipelineDirIsTheFilesDirectoryAndRelativePathsStayRelative) {
  LoadOptions options;
  options.environment = [](const std::string&) -> std::optional<std::string> { return {}; };
  const PipelineSpec spec = parsePipelineSpec(
      "plugin_paths: [\"${PIPELINE_DIR}/plugins\", lib]\nsource: { type: feed, url: u }\n"
      "sinks: [ { type: table, path: out.db } ]\n",
      "/srv/pipes/p.yaml", options);
  ASSERT_EQ(spec.plugin_paths.size(), 2u);
  EXPECT_EQ(spec.plugin_paths[0], "/srv/pipes/plugins");
  EXPECT_EQ(spec.plugin_paths[1], "lib") << "relative to the working directory, as given";
}

TEST_F(PipelineSpecTest, AnUnquotedVariableInAFlowListGetsAHintToQuoteIt) {
  LoadOptions options;
  try {
    parsePipelineSpec("plugin_paths: [${PIPELINE_DIR}/plugins]\nsinks: []\n", "p.yaml", options);
    FAIL() << "expected a YAML syntax error";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(), HasSubstr("p.yaml:1:"));
    EXPECT_THAT(error.what(), HasSubstr("quote a value that contains ${...} inside [ ] or { }"));
  }
}

TEST_F(PipelineSpecTest, AValueFromACommandLineFlagIsLocatedAtTheFlag) {
  LoadOptions options;
  options.overrides = {{"db", "/nowhere/k.db"}};
  options.override_labels = {{"db", "--db"}};
  options.environment = [](const std::string&) -> std::optional<std::string> { return {}; };
  const PipelineSpec spec = parsePipelineSpec(
      "params: { db: k.db }\nsource: { type: feed, url: u }\nsinks: [ { type: table, path: "
      "\"${db}\" } ]\n",
      "p.yaml", options);
  const ResolvedPipeline pipeline = resolvePipeline(spec, registry_);
  EXPECT_EQ(pipeline.sinks[0].options.location("path").toString(), "--db /nowhere/k.db");
  EXPECT_EQ(
      describeStageError(pipeline.sinks[0], Status::invalidConfig("cannot open '/nowhere/k.db'")),
      "--db /nowhere/k.db: sinks[0] 'table': cannot open '/nowhere/k.db'");
}

TEST_F(PipelineSpecTest, SetOfAnUndeclaredParamIsAnError) {
  EXPECT_THAT(errorOf("params: { db: a.db }\nsource: { type: feed, url: u }\nsinks: [ { type: "
                      "table, path: x } ]\n",
                      {{"days", "30"}}),
              HasSubstr("--set days: the pipeline has no parameter 'days' (valid: db;"));
}

TEST_F(PipelineSpecTest, MissingFileIsAClearError) {
  try {
    loadPipelineSpec("/nonexistent/pipe.yaml", LoadOptions{});
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(), HasSubstr("/nonexistent/pipe.yaml: cannot read pipeline file"));
  }
}

TEST_F(PipelineSpecTest, ValuesWithLineBreaksStillGiveOneLineErrors) {
  const std::string message = errorOf(
      "batch_size: \"2\\n\\n\\tx\"\nsource: { type: feed, url: u }\nsinks: [ { type: table, path: "
      "x } ]\n");
  EXPECT_THAT(message, HasSubstr("batch_size must be a whole number >= 1, not '2\\n\\n\\tx'"));
}

TEST(ClosestNameTest, SuggestsOnlyNearMisses) {
  EXPECT_EQ(closestName("wher", {"where", "inputs"}), "where");
  EXPECT_EQ(closestName("completely", {"where", "inputs"}), "");
}

// Lists nested deeper than a pipeline ever needs, or an alias that contains itself, are one
// located error, not a stack overflow (found by fuzz_pipeline_spec).
TEST_F(PipelineSpecTest, DeepNestingIsRefusedInOneLine) {
  std::string deep = "name: p\nsource: {type: src, url: x}\nsinks: [{type: table, path: ";
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  deep += "}]\n";
  const std::string error = errorOf(deep);
  EXPECT_THAT(error, ::testing::HasSubstr("nested more than 64 levels deep"));
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace kalshi_direct
