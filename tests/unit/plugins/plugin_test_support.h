// Helpers for the built-in plugin tests: temporary directories, file contents, options as the
// engine would hand them to create(), and a registrar that keeps the factories it is given.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kalshi_direct/config.h"
#include "kalshi_direct/engine/pipeline_spec.h"
#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace builtin {
Status register_sink_csv(PluginRegistrar& registrar);
Status register_sink_sqlite_table(PluginRegistrar& registrar);
Status register_source_jsonl(PluginRegistrar& registrar);
Status register_transform_select(PluginRegistrar& registrar);
Status register_transform_filter(PluginRegistrar& registrar);
}  // namespace builtin

namespace testing {

// A fresh directory under the test temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kd-plugin-test-XXXXXX").string();
    char* created = ::mkdtemp(pattern.data());
    if (created == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = created;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

inline void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

inline bool fileExists(const std::string& path) { return std::filesystem::exists(path); }

// Options as the engine builds them from YAML: each option on its own line of "test.yaml"
// (line 3, 4, ... at column 5), values at column 11.
class OptionsBuilder {
 public:
  OptionsBuilder& set(const std::string& name, const std::string& text) {
    const int line = nextLine();
    values_.insert(name, {kFile, line, 5}, ConfigValue::scalar(text, {kFile, line, 11}));
    return *this;
  }
  OptionsBuilder& list(const std::string& name, std::initializer_list<std::string> items) {
    const int line = nextLine();
    ConfigValue value = ConfigValue::list({kFile, line, 11});
    int column = 12;
    for (const auto& item : items) {
      value.push(ConfigValue::scalar(item, {kFile, line, column}));
      column += static_cast<int>(item.size()) + 2;
    }
    values_.insert(name, {kFile, line, 5}, std::move(value));
    return *this;
  }
  // A nested map, one entry per line below the option: "  key: value" at column 7 / 12.
  OptionsBuilder& map(const std::string& name,
                      std::initializer_list<std::pair<std::string, std::string>> entries) {
    const int line = nextLine();
    ConfigValue value = ConfigValue::map({kFile, line + 1, 7});
    for (const auto& [key, text] : entries) {
      const int entry_line = nextLine();
      value.insert(key, {kFile, entry_line, 7}, ConfigValue::scalar(text, {kFile, entry_line, 12}));
    }
    values_.insert(name, {kFile, line, 5}, std::move(value));
    return *this;
  }
  Options build() const { return Options(values_, {kFile, 2, 5}); }
  // What the engine says about these options before create() runs (declared types, enums,
  // ranges, patterns, non-empty): "" when they pass, else the one-line error.
  std::string engineCheck(const PluginFactory& factory, const std::string& label) const {
    StageSpec stage;
    stage.type = factory.name();
    stage.label = label;
    stage.location = {kFile, 2, 5};
    stage.options = values_;
    try {
      validateOptions(stage, factory);
      return "";
    } catch (const ConfigError& error) {
      return error.what();
    }
  }

  // Where option `name` was put, as create() reports it.
  static std::string at(int line, int column) {
    return std::string(kFile) + ":" + std::to_string(line) + ":" + std::to_string(column);
  }

 private:
  static constexpr const char* kFile = "test.yaml";
  int nextLine() { return line_++; }
  ConfigValue values_ = ConfigValue::map({kFile, 2, 5});
  int line_ = 3;
};

// Keeps every factory registered with it.
class CapturingRegistrar : public PluginRegistrar {
 public:
  Status addSource(std::unique_ptr<SourceFactory> factory) override {
    sources.push_back(std::move(factory));
    return Status::ok();
  }
  Status addTransform(std::unique_ptr<TransformFactory> factory) override {
    transforms.push_back(std::move(factory));
    return Status::ok();
  }
  Status addSink(std::unique_ptr<SinkFactory> factory) override {
    sinks.push_back(std::move(factory));
    return Status::ok();
  }
  Status addModel(std::unique_ptr<ModelFactory> factory) override {
    models.push_back(std::move(factory));
    return Status::ok();
  }
  std::vector<std::unique_ptr<SourceFactory>> sources;
  std::vector<std::unique_ptr<TransformFactory>> transforms;
  std::vector<std::unique_ptr<SinkFactory>> sinks;
  std::vector<std::unique_ptr<ModelFactory>> models;
};

// Checks the things `kalshi-direct plugins` shows: every option has help, required options have
// no default, and every default is a valid choice of an enum.
inline void expectDocumentedOptions(const PluginFactory& factory) {
  EXPECT_FALSE(factory.description().empty()) << factory.name();
  for (const OptionSpec& option : factory.options()) {
    EXPECT_FALSE(option.helpText().empty()) << factory.name() << "." << option.name();
    if (option.isRequired()) {
      EXPECT_FALSE(option.hasDefault()) << option.name();
    }
    if (option.type() == OptionType::kEnum && option.hasDefault()) {
      const auto& allowed = option.allowedValues();
      EXPECT_NE(std::find(allowed.begin(), allowed.end(), option.defaultText()), allowed.end())
          << option.name();
    }
  }
}

}  // namespace testing
}  // namespace kalshi_direct
