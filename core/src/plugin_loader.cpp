#include "kalshi_direct/engine/plugin_loader.h"

#include <Poco/SharedLibrary.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>

#include "kalshi_direct/plugin_abi.h"
#include "kalshi_direct/version.h"

namespace kalshi_direct {

namespace {

// Libraries are never unloaded: factories (and their vtables) live in them.
std::vector<std::unique_ptr<Poco::SharedLibrary>>& loadedLibraries() {
  static std::vector<std::unique_ptr<Poco::SharedLibrary>> libraries;
  return libraries;
}

}  // namespace

std::vector<std::string> splitPathList(const std::string& list) {
  std::vector<std::string> paths;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = list.find(':', start);
    const std::string part =
        list.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) paths.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return paths;
}

Status loadPluginLibrary(const std::string& path, Registry& registry) {
  auto library = std::make_unique<Poco::SharedLibrary>();
  try {
    library->load(path);
  } catch (const Poco::Exception& error) {
    return Status::invalidConfig("plugin library '" + path + "' cannot be loaded (" +
                                 error.displayText() +
                                 "); is it a shared library built for this machine?");
  }
  if (!library->hasSymbol(KALSHI_DIRECT_PLUGIN_SYMBOL)) {
    return Status::invalidConfig(
        "'" + path +
        "' is not a kalshi-direct plugin: it has no '" KALSHI_DIRECT_PLUGIN_SYMBOL
        "' entry point (define one with KALSHI_DIRECT_PLUGIN(...) from "
        "<kalshi_direct/sdk.h>)");
  }
  auto entry =
      reinterpret_cast<KalshiDirectPluginEntry>(library->getSymbol(KALSHI_DIRECT_PLUGIN_SYMBOL));
  const KalshiDirectPluginDescriptor* descriptor = entry ? entry() : nullptr;
  if (!descriptor) {
    return Status::invalidConfig("plugin '" + path + "' returned no descriptor");
  }
  // Check the version before reading any other field: a different ABI may have another layout.
  if (descriptor->abi_version != KALSHI_DIRECT_PLUGIN_ABI_VERSION) {
    return Status::invalidConfig(
        "plugin '" + path + "' was built for plugin ABI " +
        std::to_string(descriptor->abi_version) +
        " but this kalshi-direct " KALSHI_DIRECT_VERSION " needs ABI " +
        std::to_string(KALSHI_DIRECT_PLUGIN_ABI_VERSION) +
        "; rebuild it against the installed SDK (find_package(KalshiDirect))");
  }
  if (descriptor->descriptor_size != sizeof(KalshiDirectPluginDescriptor) ||
      descriptor->cxx_abi != KALSHI_DIRECT_CXX_ABI || !descriptor->register_plugins) {
    return Status::invalidConfig("plugin '" + path +
                                 "' has a malformed descriptor or was built with another C++ "
                                 "library ABI; rebuild it against the installed SDK");
  }
  const std::string name = descriptor->name ? descriptor->name : path;
  registry.setOrigin("plugin library '" + path + "'");
  char error[512] = {0};
  const int rc = descriptor->register_plugins(&registry, error, sizeof error);
  registry.setOrigin("built-in");
  if (rc != 0) {
    return Status::invalidConfig("plugin '" + name + "' (" + path +
                                 ") failed to register: " + (error[0] ? error : "no reason given"));
  }
  loadedLibraries().push_back(std::move(library));
  return Status::ok();
}

Status loadPluginPaths(const std::vector<std::string>& paths, Registry& registry) {
  namespace fs = std::filesystem;
  static std::set<std::string> loaded;  // the same library twice (e.g. YAML + env) loads once
  for (const auto& path : paths) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      return Status::invalidConfig("plugin path '" + path + "' does not exist");
    }
    std::vector<std::string> files;
    if (fs::is_directory(path, ec)) {
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".so") {
          files.push_back(entry.path().string());
        }
      }
      if (ec) return Status::invalidConfig("plugin directory '" + path + "' cannot be read");
      std::sort(files.begin(), files.end());
    } else {
      // dlopen() searches the library path for a name without '/': anchor relative files here.
      files.push_back(path.find('/') == std::string::npos ? "./" + path : path);
    }
    for (const auto& file : files) {
      const std::string canonical = fs::weakly_canonical(file, ec).string();
      if (!loaded.insert(canonical).second) continue;
      if (Status status = loadPluginLibrary(file, registry); !status.isOk()) return status;
    }
  }
  return Status::ok();
}

}  // namespace kalshi_direct
