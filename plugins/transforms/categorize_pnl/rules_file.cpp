#include "rules_file.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

namespace kalshi_direct {
namespace kalshi {

namespace {

constexpr int kMaxDepth = 16;  // a rule nests two levels; deeper input is refused

struct RulesError {
  std::string message;  // "file:line:column: what"
};

SourceLocation at(const std::string& path, const YAML::Mark& mark) {
  return {path, mark.line + 1, mark.column + 1};
}

ConfigValue toConfig(const YAML::Node& node, const std::string& path, int depth) {
  const SourceLocation location = at(path, node.Mark());
  if (depth > kMaxDepth) throw RulesError{location.toString() + ": rules nested too deep"};
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ConfigValue::scalar(node.Scalar(), location);
    case YAML::NodeType::Sequence: {
      ConfigValue list = ConfigValue::list(location);
      for (const auto& item : node) list.push(toConfig(item, path, depth + 1));
      return list;
    }
    case YAML::NodeType::Map: {
      ConfigValue map = ConfigValue::map(location);
      for (const auto& entry : node) {
        if (!entry.first.IsScalar())
          throw RulesError{at(path, entry.first.Mark()).toString() +
                           ": map keys must be plain names"};
        map.insert(entry.first.Scalar(), at(path, entry.first.Mark()),
                   toConfig(entry.second, path, depth + 1));
      }
      return map;
    }
    default:
      return ConfigValue::null(location);
  }
}

}  // namespace

Status loadRulesFile(const std::string& path, ConfigValue& out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Status::invalidConfig("rules_file: no file '" + path + "'");
  try {
    const YAML::Node root = YAML::LoadFile(path);
    ConfigValue value = toConfig(root, path, 0);
    if (value.isMap()) {
      const ConfigValue* rules = value.find("rules");
      if (!rules)
        return Status::invalidConfig(path + ": expected a list of rules (or a map with rules:)");
      value = *rules;
    }
    if (!value.isList() || value.items().empty())
      return Status::invalidConfig(value.location().toString() +
                                   ": expected a list of rules, each {<conditions>, category: "
                                   "NAME}");
    out = std::move(value);
    return Status::ok();
  } catch (const YAML::Exception& error) {
    return Status::invalidConfig(path + ":" + std::to_string(error.mark.line + 1) + ": " +
                                 error.msg);
  } catch (const RulesError& error) {
    return Status::invalidConfig(error.message);
  }
}

}  // namespace kalshi
}  // namespace kalshi_direct
