// Declared stream fields (plugin.h: StreamFields, FieldReference), resolved against the built-in
// plugins: a field a stage names must exist in its input streams, else the pipeline is refused
// before it runs with "did you mean"; what each stage passes on is what the next one can name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kalshi_direct/engine/builtin_plugins.h"
#include "kalshi_direct/engine/pipeline_spec.h"
#include "kalshi_direct/engine/registry.h"

namespace kalshi_direct {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class StreamFieldsTest : public ::testing::Test {
 protected:
  StreamFieldsTest() { EXPECT_TRUE(registerBuiltinPlugins(registry_).isOk()); }

  ResolvedPipeline resolve(const std::string& yaml) {
    LoadOptions options;
    options.environment = [](const std::string&) -> std::optional<std::string> {
      return std::nullopt;
    };
    return resolvePipeline(parsePipelineSpec(yaml, "p.yaml", options), registry_);
  }

  std::string errorOf(const std::string& yaml) {
    try {
      resolve(yaml);
    } catch (const ConfigError& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      return message;
    }
    ADD_FAILURE() << "expected a ConfigError";
    return {};
  }

  Registry registry_;
};

const char* const kKalshi =
    "source: { type: kalshi_live, streams: [orders, fills] }\n"
    "transforms:\n"
    "  - { type: normalize_orders }\n"
    "  - { type: categorize_pnl }\n";

TEST_F(StreamFieldsTest, AFilterTypoIsRefusedWithTheNearestField) {
  const std::string message = errorOf(std::string(kKalshi) +
                                      "  - { type: filter, where: 'categroy == \"weather\"', "
                                      "inputs: [fills] }\n"
                                      "sinks: [ { type: csv, path: o.csv, inputs: [fills] } ]\n");
  EXPECT_THAT(message, HasSubstr("p.yaml:5:28: transforms[2] 'filter': field 'categroy' is not "
                                 "in stream 'fills' (did you mean 'category'?)"));
}

TEST_F(StreamFieldsTest, ASelectTypoIsRefusedAndTheCsvHeaderComesFromTheSelect) {
  EXPECT_THAT(errorOf(std::string(kKalshi) +
                      "  - { type: select, fields: [ticker, fee_dollar], inputs: [fills] }\n"
                      "sinks: [ { type: csv, path: o.csv, inputs: [fills] } ]\n"),
              HasSubstr("field 'fee_dollar' is not in stream 'fills' (did you mean "
                        "'fee_dollars'?)"));
  const ResolvedPipeline pipeline =
      resolve(std::string(kKalshi) +
              "  - { type: select, fields: [ticker, fee_dollars], inputs: [fills] }\n"
              "sinks: [ { type: csv, path: o.csv, inputs: [fills] } ]\n");
  EXPECT_THAT(pipeline.sinks[0].input_fields.at("fills"), ElementsAre("ticker", "fee_dollars"));
}

TEST_F(StreamFieldsTest, AFieldOfAnotherStreamIsNotInTheStreamsAStageTakes) {
  // `status` is an order field, not a fill field.
  EXPECT_THAT(errorOf(std::string(kKalshi) +
                      "  - { type: filter, where: 'status == \"executed\"', inputs: [fills] }\n"
                      "sinks: [ { type: csv, path: o.csv, inputs: [fills] } ]\n"),
              HasSubstr("field 'status' is not in stream 'fills'"));
  // Taking both streams, a field of either is fine (the other's records read it as null).
  resolve(std::string(kKalshi) +
          "  - { type: filter, where: 'status == \"executed\"', inputs: [orders, fills] }\n"
          "sinks: [ { type: csv, path: o.csv, inputs: [fills] } ]\n");
}

TEST_F(StreamFieldsTest, SelectRenamesAreFollowed) {
  // After the rename only the new name exists downstream; before it, only the old one.
  EXPECT_THAT(errorOf(std::string(kKalshi) +
                      "  - { type: select, rename: { fee_dollars: fee }, inputs: [fills] }\n"
                      "sinks: [ { type: csv, path: o.csv, fields: [ticker, fee_dollars], "
                      "inputs: [fills] } ]\n"),
              AllOf(HasSubstr("p.yaml:6:44: sinks[0] 'csv': field 'fee_dollars' is not in "
                              "stream 'fills'; its fields: "),
                    HasSubstr(", fee, ")));
  const ResolvedPipeline pipeline =
      resolve(std::string(kKalshi) +
              "  - { type: select, rename: { fee_dollars: fee }, drop: [ts], inputs: [fills] }\n"
              "sinks: [ { type: csv, path: o.csv, fields: [ticker, fee], inputs: [fills] } ]\n");
  const auto& fields = pipeline.sinks[0].input_fields.at("fills");
  EXPECT_NE(std::find(fields.begin(), fields.end(), "fee"), fields.end());
  EXPECT_EQ(std::find(fields.begin(), fields.end(), "fee_dollars"), fields.end());
  EXPECT_EQ(std::find(fields.begin(), fields.end(), "ts"), fields.end());
  EXPECT_EQ(fields.back(), "category");  // categorize_pnl added it
}

TEST_F(StreamFieldsTest, UnknownFieldsAreNotChecked) {
  // jsonl cannot tell what its lines hold: any name passes, and the csv gets no declared header.
  const ResolvedPipeline pipeline = resolve(
      "source: { type: jsonl, path: in.jsonl, stream: fills }\n"
      "transforms: [ { type: filter, where: 'anything == 1' } ]\n"
      "sinks: [ { type: csv, path: o.csv, fields: [whatever] } ]\n");
  EXPECT_TRUE(pipeline.sinks[0].input_fields.empty());
}

TEST_F(StreamFieldsTest, TheShippedStreamsDeclareTheirFields) {
  const ResolvedPipeline pipeline = resolve(
      "source: { type: kalshi_live }\n"
      "sinks: [ { type: csv, path: o.csv } ]\n");
  for (const char* stream : {"balance", "positions", "orders", "fills", "settlements", "transfers",
                             "markets", "history"}) {
    EXPECT_EQ(pipeline.sinks[0].input_fields.count(stream), 1u) << stream;
  }
}

}  // namespace
}  // namespace kalshi_direct
