// Registry: the plugins this process knows, by kind and name.
//
// Filled explicitly: registerBuiltinPlugins() (generated from the plugin folders) and then each
// drop-in library named by plugin_paths / --plugin-dir / KALSHI_DIRECT_PLUGIN_PATH. A name can be
// registered once per kind; a second registration is an error naming both origins. Factories
// stay alive for the life of the registry (and libraries are never unloaded), so plugin objects
// never outlive their code.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kalshi_direct/plugin.h"

namespace kalshi_direct {

enum class PluginKind { kSource, kTransform, kSink, kModel };
// Every kind, in the order a pipeline lists its stages (and `plugins` shows them).
constexpr PluginKind kAllPluginKinds[] = {PluginKind::kSource, PluginKind::kTransform,
                                          PluginKind::kSink, PluginKind::kModel};
const char* pluginKindName(PluginKind kind);

class Registry final : public PluginRegistrar {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Where the factories registered next come from ("built-in", or a library path): for messages.
  void setOrigin(std::string origin) { origin_ = std::move(origin); }

  Status addSource(std::unique_ptr<SourceFactory> factory) override;
  Status addTransform(std::unique_ptr<TransformFactory> factory) override;
  Status addSink(std::unique_ptr<SinkFactory> factory) override;
  Status addModel(std::unique_ptr<ModelFactory> factory) override;

  const SourceFactory* findSource(const std::string& name) const;
  const TransformFactory* findTransform(const std::string& name) const;
  const SinkFactory* findSink(const std::string& name) const;
  const ModelFactory* findModel(const std::string& name) const;
  const PluginFactory* find(PluginKind kind, const std::string& name) const;

  // Sorted names of one kind: for "valid: a, b, c" in error messages and for `plugins`.
  std::vector<std::string> names(PluginKind kind) const;
  std::string originOf(PluginKind kind, const std::string& name) const;

 private:
  template <typename Factory>
  struct Entry {
    std::unique_ptr<Factory> factory;
    std::string origin;
  };
  template <typename Factory>
  Status add(PluginKind kind, std::map<std::string, Entry<Factory>>& table,
             std::unique_ptr<Factory> factory);

  std::map<std::string, Entry<SourceFactory>> sources_;
  std::map<std::string, Entry<TransformFactory>> transforms_;
  std::map<std::string, Entry<SinkFactory>> sinks_;
  std::map<std::string, Entry<ModelFactory>> models_;
  std::string origin_ = "built-in";
};

}  // namespace kalshi_direct
