// Wiring of the `filter` transform: option table, expression check, registration.
// Logic: filter_expression.cpp, filter_transform.cpp.
#include "kalshi_direct/plugin.h"

#include <memory>
#include <string>
#include <vector>

#include "filter_transform.h"

namespace kalshi_direct {
namespace builtin {

namespace {

class FilterTransformFactory final : public TransformFactory {
 public:
  std::string name() const override { return "filter"; }
  std::string description() const override {
    return "Keeps only the records for which an expression is true";
  }
  std::vector<OptionSpec> options() const override {
    return {
        OptionSpec("where", OptionType::kString)
            .required()
            .help("condition on record fields, e.g. 'category == \"weather\" and count >= 2.5'; "
                  "operators == != < <= > >= and or not, in [..], parentheses; numbers compare "
                  "exactly, a missing field is null"),
    };
  }

  // Records pass through unchanged.
  StreamFields outputFields(const StreamFields& inputs, const Options&) const override {
    return inputs;
  }
  std::vector<FieldReference> referencedFields(const Options& options) const override {
    plugins::FilterExpression expression;
    std::string error;
    size_t column = 0;
    std::vector<FieldReference> references;
    if (!plugins::FilterExpression::parse(options.getString("where"), expression, error, column))
      return references;  // create() reports the syntax error
    for (auto& name : expression.fieldNames()) references.push_back({std::move(name), "where"});
    return references;
  }

  Status create(const Options& options, TransformPtr& out) const override {
    const std::string where = options.getString("where");
    plugins::FilterExpression expression;
    std::string error;
    size_t column = 0;
    if (!plugins::FilterExpression::parse(where, expression, error, column)) {
      return Status::invalidConfig(options.location("where").toString() +
                                   ": transform 'filter': invalid where expression at column " +
                                   std::to_string(column) + ": " + error);
    }
    out = std::make_unique<plugins::FilterTransform>(std::move(expression));
    return Status::ok();
  }
};

}  // namespace

Status register_transform_filter(PluginRegistrar& registrar) {
  return registrar.addTransform(std::make_unique<FilterTransformFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct
