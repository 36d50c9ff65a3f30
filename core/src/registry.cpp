#include "kalshi_direct/engine/registry.h"

#include "kalshi_direct/engine/sqlite.h"

namespace kalshi_direct {

const char* pluginKindName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kSource:
      return "source";
    case PluginKind::kTransform:
      return "transform";
    case PluginKind::kSink:
      return "sink";
    case PluginKind::kModel:
      return "model";
  }
  return "plugin";
}

template <typename Factory>
Status Registry::add(PluginKind kind, std::map<std::string, Entry<Factory>>& table,
                     std::unique_ptr<Factory> factory) {
  if (!factory) return Status::failed(std::string("null ") + pluginKindName(kind) + " factory");
  const std::string name = factory->name();
  if (!sqlite::isValidIdentifier(name)) {
    return Status::failed(std::string(pluginKindName(kind)) + " name '" + name +
                          "' is not valid (use letters, digits and _)");
  }
  auto existing = table.find(name);
  if (existing != table.end()) {
    return Status::failed(std::string(pluginKindName(kind)) + " '" + name +
                          "' is registered twice (by " + existing->second.origin + " and by " +
                          origin_ + ")");
  }
  table.emplace(name, Entry<Factory>{std::move(factory), origin_});
  return Status::ok();
}

Status Registry::addSource(std::unique_ptr<SourceFactory> factory) {
  return add(PluginKind::kSource, sources_, std::move(factory));
}
Status Registry::addTransform(std::unique_ptr<TransformFactory> factory) {
  return add(PluginKind::kTransform, transforms_, std::move(factory));
}
Status Registry::addSink(std::unique_ptr<SinkFactory> factory) {
  return add(PluginKind::kSink, sinks_, std::move(factory));
}
Status Registry::addModel(std::unique_ptr<ModelFactory> factory) {
  return add(PluginKind::kModel, models_, std::move(factory));
}

const SourceFactory* Registry::findSource(const std::string& name) const {
  auto it = sources_.find(name);
  return it == sources_.end() ? nullptr : it->second.factory.get();
}
const TransformFactory* Registry::findTransform(const std::string& name) const {
  auto it = transforms_.find(name);
  return it == transforms_.end() ? nullptr : it->second.factory.get();
}
const SinkFactory* Registry::findSink(const std::string& name) const {
  auto it = sinks_.find(name);
  return it == sinks_.end() ? nullptr : it->second.factory.get();
}

const ModelFactory* Registry::findModel(const std::string& name) const {
  auto it = models_.find(name);
  return it == models_.end() ? nullptr : it->second.factory.get();
}

const PluginFactory* Registry::find(PluginKind kind, const std::string& name) const {
  switch (kind) {
    case PluginKind::kSource:
      return findSource(name);
    case PluginKind::kTransform:
      return findTransform(name);
    case PluginKind::kSink:
      return findSink(name);
    case PluginKind::kModel:
      return findModel(name);
  }
  return nullptr;
}

std::vector<std::string> Registry::names(PluginKind kind) const {
  std::vector<std::string> result;
  auto collect = [&](const auto& table) {
    for (const auto& entry : table) result.push_back(entry.first);
  };
  switch (kind) {
    case PluginKind::kSource:
      collect(sources_);
      break;
    case PluginKind::kTransform:
      collect(transforms_);
      break;
    case PluginKind::kSink:
      collect(sinks_);
      break;
    case PluginKind::kModel:
      collect(models_);
      break;
  }
  return result;
}

std::string Registry::originOf(PluginKind kind, const std::string& name) const {
  auto lookup = [&](const auto& table) -> std::string {
    auto it = table.find(name);
    return it == table.end() ? std::string() : it->second.origin;
  };
  switch (kind) {
    case PluginKind::kSource:
      return lookup(sources_);
    case PluginKind::kTransform:
      return lookup(transforms_);
    case PluginKind::kSink:
      return lookup(sinks_);
    case PluginKind::kModel:
      return lookup(models_);
  }
  return {};
}

}  // namespace kalshi_direct
