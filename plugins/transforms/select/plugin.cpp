// Wiring of the `select` transform: option table, option checks, registration.
// Logic: select_transform.cpp.
#include "kalshi_direct/plugin.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "select_transform.h"

namespace kalshi_direct {
namespace builtin {

namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class SelectTransformFactory final : public TransformFactory {
 public:
  std::string name() const override { return "select"; }
  std::string description() const override {
    return "Keeps, drops, renames and casts record fields";
  }
  std::vector<OptionSpec> options() const override {
    return {
        OptionSpec("fields", OptionType::kStringList)
            .help("keep only these fields, in this order (a missing one becomes null); names "
                  "after rename"),
        OptionSpec("drop", OptionType::kStringList)
            .help("remove these fields (names after rename)"),
        OptionSpec("rename", OptionType::kAny)
            .help("map old name -> new name, applied first, e.g. { yes_price: price }"),
        OptionSpec("cast", OptionType::kAny)
            .help(std::string("map field -> type (") + plugins::kCastTypeNames +
                  "); a value that does not convert rejects its record"),
    };
  }

  Status create(const Options& options, TransformPtr& out) const override {
    plugins::SelectConfig config;
    if (Status status = parse(options, config); !status.isOk()) return status;
    out = std::make_unique<plugins::SelectTransform>(std::move(config));
    return Status::ok();
  }

  // Fields named before the rename by their old name, after it by the new one: a reference to a
  // renamed field is a reference to the field it was renamed from.
  std::vector<FieldReference> referencedFields(const Options& options) const override {
    plugins::SelectConfig config;
    std::vector<FieldReference> references;
    if (!parse(options, config).isOk()) return references;  // create() reports it
    auto before_rename = [&](const std::string& name) {
      for (const auto& [from, to] : config.rename) {
        if (to == name) return from;
      }
      return name;
    };
    for (const auto& [from, to] : config.rename) references.push_back({from, "rename"});
    for (const auto& [name, type] : config.cast)
      references.push_back({before_rename(name), "cast"});
    for (const auto& name : config.drop) references.push_back({before_rename(name), "drop"});
    for (const auto& name : config.fields) references.push_back({before_rename(name), "fields"});
    return references;
  }

  // rename, then drop, then fields (cast keeps the names).
  StreamFields outputFields(const StreamFields& inputs, const Options& options) const override {
    plugins::SelectConfig config;
    if (!parse(options, config).isOk()) return {};
    StreamFields outputs;
    for (const auto& [stream, fields] : inputs) {
      std::vector<std::string> out;
      if (config.keep_listed) {
        out = config.fields;
      } else {
        // As SelectTransform: a renamed field takes the place of an unrenamed namesake.
        for (const auto& field : fields) {
          std::string name = field;
          for (const auto& [from, to] : config.rename) {
            if (from == field) name = to;
          }
          if (!contains(out, name)) out.push_back(name);
        }
        out.erase(
            std::remove_if(out.begin(), out.end(),
                           [&](const std::string& name) { return contains(config.drop, name); }),
            out.end());
      }
      outputs[stream] = std::move(out);
    }
    return outputs;
  }

 private:
  static Status parse(const Options& options, plugins::SelectConfig& config) {
    auto error = [&](const SourceLocation& location, const std::string& message) {
      return Status::invalidConfig(location.toString() + ": transform 'select': " + message);
    };
    auto at = [&](const SourceLocation& location, const char* option) {
      return location.line > 0 ? location : options.location(option);
    };

    config.keep_listed = options.has("fields");
    config.fields = options.getStringList("fields");
    config.drop = options.getStringList("drop");
    if (config.keep_listed && config.fields.empty()) {
      return error(options.location("fields"), "fields must list at least one field");
    }
    for (size_t i = 0; i < config.fields.size(); ++i) {
      const std::string& field = config.fields[i];
      if (field.empty()) return error(options.location("fields"), "fields has an empty name");
      if (std::find(config.fields.begin(), config.fields.begin() + static_cast<long>(i), field) !=
          config.fields.begin() + static_cast<long>(i)) {
        return error(options.location("fields"), "field '" + field + "' is listed twice");
      }
      if (contains(config.drop, field)) {
        return error(options.location("drop"),
                     "field '" + field + "' is both kept (fields) and dropped (drop)");
      }
    }

    if (const ConfigValue* rename = options.find("rename")) {
      if (!rename->isMap()) {
        return error(options.location("rename"),
                     "rename must be a map of old name -> new name, e.g. { yes_price: price }");
      }
      for (const auto& entry : rename->entries()) {
        const SourceLocation location = at(entry.value.location(), "rename");
        if (!entry.value.isScalar() || entry.value.text().empty()) {
          return error(location, "rename of '" + entry.key + "' must be a new field name");
        }
        for (const auto& [from, to] : config.rename) {
          if (to == entry.value.text()) {
            return error(location,
                         "'" + from + "' and '" + entry.key + "' are both renamed to '" + to + "'");
          }
        }
        config.rename.emplace_back(entry.key, entry.value.text());
      }
    }

    if (const ConfigValue* cast = options.find("cast")) {
      if (!cast->isMap()) {
        return error(
            options.location("cast"),
            std::string("cast must be a map of field -> type (") + plugins::kCastTypeNames + ")");
      }
      for (const auto& entry : cast->entries()) {
        const SourceLocation location = at(entry.value.location(), "cast");
        plugins::CastType type;
        if (!entry.value.isScalar() || !plugins::parseCastType(entry.value.text(), type)) {
          return error(location,
                       "cast type '" +
                           (entry.value.isScalar()
                                ? entry.value.text()
                                : std::string(ConfigValue::kindName(entry.value.kind()))) +
                           "' of field '" + entry.key + "' is not one of " +
                           plugins::kCastTypeNames);
        }
        config.cast.emplace_back(entry.key, type);
      }
    }

    // Everything after rename uses the new names: catch the old ones early.
    auto renamed_away = [&](const std::string& name, std::string& to) {
      bool is_source = false, is_target = false;
      for (const auto& [from, target] : config.rename) {
        if (from == name) {
          is_source = true;
          to = target;
        }
        if (target == name) is_target = true;
      }
      return is_source && !is_target;
    };
    std::string to;
    for (const auto* list : {&config.fields, &config.drop}) {
      for (const auto& name : *list) {
        if (renamed_away(name, to)) {
          return error(options.location(list == &config.fields ? "fields" : "drop"),
                       "field '" + name + "' is renamed to '" + to + "' first; use '" + to + "'");
        }
      }
    }
    for (const auto& [name, type] : config.cast) {
      if (renamed_away(name, to)) {
        return error(options.location("cast"),
                     "field '" + name + "' is renamed to '" + to + "' first; use '" + to + "'");
      }
    }

    if (!config.keep_listed && config.drop.empty() && config.rename.empty() &&
        config.cast.empty()) {
      return error(options.stageLocation(),
                   "select needs at least one of fields, drop, rename, cast");
    }
    return Status::ok();
  }
};

}  // namespace

Status register_transform_select(PluginRegistrar& registrar) {
  return registrar.addTransform(std::make_unique<SelectTransformFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct
