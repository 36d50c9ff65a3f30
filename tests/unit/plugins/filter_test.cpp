// The `filter` transform: which records a `where` expression keeps, and syntax errors reported
// with the option's location and the column in the expression.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "filter_transform.h"
#include "mocks/mock_plugin.h"
#include "unit/plugins/plugin_test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using testing::OptionsBuilder;

class FilterTransformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(builtin::register_transform_filter(registrar_).isOk());
    ASSERT_EQ(registrar_.transforms.size(), 1u);
    factory_ = registrar_.transforms[0].get();
  }

  Status createStatus(const std::string& where) {
    TransformPtr transform;
    return factory_->create(OptionsBuilder().set("where", where).build(), transform);
  }

  // The values of field `id` of the records `where` keeps.
  std::vector<std::string> kept(const std::string& where, std::vector<Record> records) {
    TransformPtr transform;
    const Status status = factory_->create(OptionsBuilder().set("where", where).build(), transform);
    EXPECT_TRUE(status.isOk()) << status.message();
    std::vector<std::string> ids;
    if (!transform) return ids;
    testing::CollectingEmitter out;
    EXPECT_TRUE(transform->process(Batch{"fills", std::move(records)}, out).isOk());
    EXPECT_TRUE(out.rejected.empty());  // dropped, never dead-lettered
    for (const auto& batch : out.batches) {
      EXPECT_EQ(batch.stream, "fills");
      EXPECT_FALSE(batch.records.empty());
      for (const auto& record : batch.records) ids.push_back(record.get("id").toText());
    }
    return ids;
  }

  testing::CapturingRegistrar registrar_;
  TransformFactory* factory_ = nullptr;
};

using Ids = std::vector<std::string>;

TEST_F(FilterTransformTest, KeepsMatchingRecordsComparingNumbersExactly) {
  EXPECT_EQ(kept(R"(category == "weather" and count_fp >= 2.5)",
                 {Record{{"id", "1"}, {"category", "weather"}, {"count_fp", Decimal(250, 2)}},
                  Record{{"id", "2"}, {"category", "weather"}, {"count_fp", int64_t{3}}},
                  Record{{"id", "3"}, {"category", "weather"}, {"count_fp", Decimal(249, 2)}},
                  Record{{"id", "4"}, {"category", "crypto"}, {"count_fp", int64_t{10}}},
                  Record{{"id", "5"}, {"category", "weather"}}}),
            (Ids{"1", "2"}));
}

TEST_F(FilterTransformTest, IntAndDecimalCompareByValue) {
  const std::vector<Record> records = {Record{{"id", "a"}, {"n", int64_t{2}}},
                                       Record{{"id", "b"}, {"n", Decimal(200, 2)}},
                                       Record{{"id", "c"}, {"n", Decimal(201, 2)}}};
  EXPECT_EQ(kept("n == 2", records), (Ids{"a", "b"}));
  EXPECT_EQ(kept("n == 2.00", records), (Ids{"a", "b"}));
  EXPECT_EQ(kept("n > 2", records), (Ids{"c"}));
  EXPECT_EQ(kept("n != 2.0", records), (Ids{"c"}));
  EXPECT_EQ(kept("n < -0.5", {Record{{"id", "neg"}, {"n", Decimal(-6, 1)}}}), (Ids{"neg"}));
}

TEST_F(FilterTransformTest, AMissingFieldIsNullAndMismatchedTypesAreUnequal) {
  const std::vector<Record> records = {
      Record{{"id", "missing"}}, Record{{"id", "null"}, {"n", nullptr}},
      Record{{"id", "text"}, {"n", "3"}}, Record{{"id", "three"}, {"n", 3}}};
  EXPECT_EQ(kept("n == null", records), (Ids{"missing", "null"}));
  EXPECT_EQ(kept("n != null", records), (Ids{"text", "three"}));
  EXPECT_EQ(kept("n == 3", records), (Ids{"three"}));
  EXPECT_EQ(kept("n != 3", records), (Ids{"missing", "null", "text"}));
  EXPECT_EQ(kept("n == \"3\"", records), (Ids{"text"}));
  EXPECT_EQ(kept("n >= 0", records), (Ids{"three"}));  // ordering across types is false
  EXPECT_EQ(kept("not n >= 0", records), (Ids{"missing", "null", "text"}));
  EXPECT_EQ(kept("n < \"4\"", records), (Ids{"text"}));
}

TEST_F(FilterTransformTest, InListsNotAndOrWithParentheses) {
  const std::vector<Record> records = {
      Record{{"id", "1"}, {"side", "yes"}, {"count", 1}, {"is_taker", true}},
      Record{{"id", "2"}, {"side", "no"}, {"count", 5}, {"is_taker", false}},
      Record{{"id", "3"}, {"side", "maybe"}, {"count", 9}}};
  EXPECT_EQ(kept(R"(side in ["yes", "no"])", records), (Ids{"1", "2"}));
  EXPECT_EQ(kept(R"(side not in ["yes", "no"])", records), (Ids{"3"}));
  EXPECT_EQ(kept("count in [1, 9.0]", records), (Ids{"1", "3"}));
  EXPECT_EQ(kept("count in []", records), (Ids{}));
  EXPECT_EQ(kept(R"(side == "yes" or side == "no" and count > 3)", records), (Ids{"1", "2"}));
  EXPECT_EQ(kept(R"((side == "yes" or side == "no") and count > 3)", records), (Ids{"2"}));
  EXPECT_EQ(kept("not (count > 3)", records), (Ids{"1"}));
  EXPECT_EQ(kept("is_taker", records), (Ids{"1"}));
  EXPECT_EQ(kept("not is_taker", records), (Ids{"2", "3"}));
  EXPECT_EQ(kept("is_taker == false", records), (Ids{"2"}));
}

TEST_F(FilterTransformTest, TimestampsCompareWithIsoStrings) {
  Timestamp early, late;
  ASSERT_TRUE(Timestamp::parse("2026-03-01T10:00:00Z", early));
  ASSERT_TRUE(Timestamp::parse("2026-03-02T10:00:00Z", late));
  const std::vector<Record> records = {Record{{"id", "early"}, {"at", early}},
                                       Record{{"id", "late"}, {"at", late}},
                                       Record{{"id", "text"}, {"at", "2026-03-05T00:00:00Z"}}};
  EXPECT_EQ(kept(R"(at >= "2026-03-02T00:00:00Z")", records), (Ids{"late", "text"}));
  EXPECT_EQ(kept(R"(at == "2026-03-01T05:00:00-05:00")", records), (Ids{"early"}));
  EXPECT_EQ(kept(R"(at < "not a time")", records), (Ids{"text"}));  // string vs string
}

TEST_F(FilterTransformTest, StringLiteralsWithEscapes) {
  EXPECT_EQ(
      kept(R"(note == "say \"hi\" \\ bye")", {Record{{"id", "1"}, {"note", "say \"hi\" \\ bye"}},
                                              Record{{"id", "2"}, {"note", "x"}}}),
      (Ids{"1"}));
}

TEST_F(FilterTransformTest, SyntaxErrorsNameTheOptionLocationAndTheColumn) {
  // `where` is option line 3, its value at column 11.
  Status status = createStatus(R"(category = "weather")");
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(status.message(), OptionsBuilder::at(3, 11) +
                                  ": transform 'filter': invalid where expression at column 10: "
                                  "use '==' to compare, not '='");

  status = createStatus("count >= ");
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("at column 10: expected a field name, string, number, "
                                          "true, false or null after '>=', found end of "
                                          "expression"));

  EXPECT_THAT(createStatus(R"(a == "open)").message(),
              HasSubstr("at column 6: unterminated string"));
  EXPECT_THAT(createStatus("(a == 1").message(),
              HasSubstr("at column 8: expected ')' to close the '(' at column 1"));
  EXPECT_THAT(createStatus("a == 1 b == 2").message(),
              HasSubstr("at column 8: unexpected 'b' after a complete expression"));
  EXPECT_THAT(createStatus("a in [1, b]").message(), HasSubstr("at column 10: expected a string"));
  EXPECT_THAT(createStatus("a && b").message(), HasSubstr("at column 3: use 'and' instead of '&'"));
  EXPECT_THAT(createStatus("a == 1.2.3").message(), HasSubstr("at column 6: invalid number"));
  EXPECT_THAT(createStatus("   ").message(), HasSubstr("the expression is empty"));
  EXPECT_THAT(createStatus(std::string(200, '(') + "a" + std::string(200, ')')).message(),
              HasSubstr("nested too deeply"));
}

TEST_F(FilterTransformTest, FactoryDocumentsItsOptions) {
  EXPECT_EQ(factory_->name(), "filter");
  testing::expectDocumentedOptions(*factory_);
  ASSERT_EQ(factory_->options().size(), 1u);
  EXPECT_TRUE(factory_->options()[0].isRequired());
}

TEST(FilterExpressionTest, CompareValuesRules) {
  int result = 0;
  EXPECT_TRUE(plugins::compareValues(Value(int64_t{1}), Value(Decimal(10, 1)), true, result));
  EXPECT_EQ(result, 0);
  EXPECT_FALSE(plugins::compareValues(Value(true), Value(false), true, result));
  EXPECT_TRUE(plugins::compareValues(Value(true), Value(false), false, result));
  EXPECT_NE(result, 0);
  EXPECT_FALSE(plugins::compareValues(Value(int64_t{1}), Value("1"), false, result));
}

}  // namespace
}  // namespace kalshi_direct
