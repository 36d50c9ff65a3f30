// The `select` transform: the records it emits and rejects, and its option validation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mocks/mock_plugin.h"
#include "select_transform.h"
#include "unit/plugins/plugin_test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using testing::OptionsBuilder;

class SelectTransformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(builtin::register_transform_select(registrar_).isOk());
    ASSERT_EQ(registrar_.transforms.size(), 1u);
    factory_ = registrar_.transforms[0].get();
  }

  Status createStatus(const OptionsBuilder& options) {
    TransformPtr transform;
    return factory_->create(options.build(), transform);
  }

  // Runs one batch through a select built from `options`.
  testing::CollectingEmitter process(const OptionsBuilder& options, std::vector<Record> records) {
    TransformPtr transform;
    const Status status = factory_->create(options.build(), transform);
    EXPECT_TRUE(status.isOk()) << status.message();
    testing::CollectingEmitter out;
    if (transform) {
      EXPECT_TRUE(transform->process(Batch{"fills", std::move(records)}, out).isOk());
    }
    return out;
  }

  testing::CapturingRegistrar registrar_;
  TransformFactory* factory_ = nullptr;
};

TEST_F(SelectTransformTest, FieldsKeepOnlyTheListedFieldsInOrderMissingOnesBecomeNull) {
  auto out = process(OptionsBuilder().list("fields", {"ticker", "count", "side"}),
                     {Record{{"id", "f1"}, {"count", 2}, {"ticker", "KXA"}, {"side", "yes"}},
                      Record{{"ticker", "KXB"}, {"id", "f2"}}});
  ASSERT_EQ(out.batches.size(), 1u);
  EXPECT_EQ(out.batches[0].stream, "fills");
  EXPECT_EQ(
      out.batches[0].records,
      (std::vector<Record>{Record{{"ticker", "KXA"}, {"count", 2}, {"side", "yes"}},
                           Record{{"ticker", "KXB"}, {"count", nullptr}, {"side", nullptr}}}));
  EXPECT_TRUE(out.rejected.empty());
}

TEST_F(SelectTransformTest, RenameThenDropUseTheNewNames) {
  auto out =
      process(OptionsBuilder()
                  .map("rename", {{"yes_price", "price"}, {"created_time", "at"}})
                  .list("drop", {"internal"}),
              {Record{{"yes_price", Decimal(56, 2)}, {"internal", 1}, {"created_time", "t"}}});
  ASSERT_EQ(out.batches.size(), 1u);
  EXPECT_EQ(out.batches[0].records[0], (Record{{"price", Decimal(56, 2)}, {"at", "t"}}));
}

TEST_F(SelectTransformTest, RenamesHappenTogetherAndARenamedFieldReplacesItsNamesake) {
  auto out = process(OptionsBuilder().map("rename", {{"a", "b"}, {"b", "a"}, {"c", "d"}}),
                     {Record{{"a", 1}, {"b", 2}, {"d", "old"}, {"c", "new"}}});
  ASSERT_EQ(out.batches.size(), 1u);
  EXPECT_EQ(out.batches[0].records[0], (Record{{"b", 1}, {"a", 2}, {"d", "new"}}));
}

TEST_F(SelectTransformTest, CastsConvertValuesExactly) {
  auto out = process(OptionsBuilder().map("cast", {{"count", "int"},
                                                   {"price", "decimal"},
                                                   {"flag", "bool"},
                                                   {"at", "timestamp"},
                                                   {"id", "string"},
                                                   {"absent", "int"}}),
                     {Record{{"count", "10.00"},
                             {"price", "0.5600"},
                             {"flag", "yes"},
                             {"at", "2026-03-01T14:03:22Z"},
                             {"id", int64_t{42}},
                             {"none", nullptr}}});
  ASSERT_EQ(out.batches.size(), 1u);
  Timestamp at;
  ASSERT_TRUE(Timestamp::parse("2026-03-01T14:03:22Z", at));
  const Record& record = out.batches[0].records[0];
  EXPECT_EQ(record.get("count"), Value(int64_t{10}));
  EXPECT_EQ(record.get("price").asDecimal().toString(), "0.5600");
  EXPECT_EQ(record.get("flag"), Value(true));
  EXPECT_EQ(record.get("at"), Value(at));
  EXPECT_EQ(record.get("id"), Value("42"));
  EXPECT_EQ(record.find("absent"), nullptr);  // a missing field is not invented by cast
  EXPECT_EQ(record.get("none"), Value());
}

TEST_F(SelectTransformTest, ACastFailureRejectsThatRecordAndEmitsTheRest) {
  auto out = process(
      OptionsBuilder().map("rename", {{"qty", "count"}}).map("cast", {{"count", "int"}}),
      {Record{{"id", "f1"}, {"qty", "3"}}, Record{{"id", "f2"}, {"qty", "abc"}},
       Record{{"id", "f3"}, {"qty", "2.5"}}, Record{{"id", "f4"}, {"qty", std::string(200, 'x')}},
       Record{{"id", "f5"}, {"qty", 7}}});
  ASSERT_EQ(out.batches.size(), 1u);
  ASSERT_EQ(out.batches[0].records.size(), 2u);
  EXPECT_EQ(out.batches[0].records[0], (Record{{"id", "f1"}, {"count", int64_t{3}}}));
  EXPECT_EQ(out.batches[0].records[1], (Record{{"id", "f5"}, {"count", 7}}));

  ASSERT_EQ(out.rejected.size(), 3u);
  EXPECT_EQ(out.rejected[0].stream, "fills");
  EXPECT_EQ(out.rejected[0].record, (Record{{"id", "f2"}, {"qty", "abc"}}));  // as it came in
  EXPECT_EQ(out.rejected[0].reason,
            "cannot cast field 'count' value 'abc' to int: not a whole number");
  EXPECT_EQ(out.rejected[1].reason,
            "cannot cast field 'count' value '2.5' to int: has a fractional part");
  EXPECT_EQ(out.rejected[2].reason, "cannot cast field 'count' value '" + std::string(64, 'x') +
                                        "...' to int: not a whole number");
}

TEST_F(SelectTransformTest, EmitsNothingWhenEveryRecordIsRejected) {
  auto out =
      process(OptionsBuilder().map("cast", {{"at", "timestamp"}}), {Record{{"at", "yesterday"}}});
  EXPECT_TRUE(out.batches.empty());
  ASSERT_EQ(out.rejected.size(), 1u);
  EXPECT_THAT(out.rejected[0].reason, HasSubstr("'yesterday' to timestamp"));
}

TEST(SelectCastTest, CastRules) {
  using plugins::CastType;
  Value out;
  std::string reason;
  EXPECT_TRUE(plugins::castValue(Value(int64_t{5}), CastType::kDecimal, out, reason));
  EXPECT_EQ(out.asDecimal().toString(), "5");
  EXPECT_TRUE(plugins::castValue(Value(Decimal(300, 2)), CastType::kInt, out, reason));
  EXPECT_EQ(out, Value(int64_t{3}));
  EXPECT_TRUE(plugins::castValue(Value(int64_t{0}), CastType::kBool, out, reason));
  EXPECT_EQ(out, Value(false));
  EXPECT_TRUE(plugins::castValue(Value(Decimal(5, 1)), CastType::kString, out, reason));
  EXPECT_EQ(out, Value("0.5"));
  EXPECT_FALSE(plugins::castValue(Value(int64_t{2}), CastType::kBool, out, reason));
  EXPECT_FALSE(plugins::castValue(Value(true), CastType::kDecimal, out, reason));
  EXPECT_FALSE(plugins::castValue(Value("1e3"), CastType::kDecimal, out, reason));
}

TEST_F(SelectTransformTest, FactoryDocumentsItsOptions) {
  EXPECT_EQ(factory_->name(), "select");
  testing::expectDocumentedOptions(*factory_);
}

TEST_F(SelectTransformTest, FactoryRejectsBadOptionsAtTheirLocation) {
  // cast is option line 3, its entry on line 4 with the type at column 12.
  Status status = createStatus(OptionsBuilder().map("cast", {{"count", "integer"}}));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(status.message(),
            OptionsBuilder::at(4, 12) +
                ": transform 'select': cast type 'integer' of field 'count' is not one of int, "
                "decimal, string, bool, timestamp");

  status = createStatus(OptionsBuilder().set("rename", "a"));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("rename must be a map"));

  status = createStatus(OptionsBuilder().map("rename", {{"a", "x"}, {"b", "x"}}));
  EXPECT_THAT(status.message(), HasSubstr("'a' and 'b' are both renamed to 'x'"));

  status = createStatus(OptionsBuilder().map("rename", {{"qty", "count"}}).list("fields", {"qty"}));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("field 'qty' is renamed to 'count' first; use 'count'"));

  status = createStatus(OptionsBuilder().list("fields", {"a"}).list("drop", {"a"}));
  EXPECT_THAT(status.message(), HasSubstr("'a' is both kept (fields) and dropped (drop)"));

  status = createStatus(OptionsBuilder());
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("needs at least one of fields, drop, rename, cast"));
}

}  // namespace
}  // namespace kalshi_direct
