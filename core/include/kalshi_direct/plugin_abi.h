// The drop-in plugin ABI: how a shared library hands its factories to kalshi-direct.
//
// A plugin library exports one C symbol, `kalshi_direct_plugin`, returning a pointer to a static
// descriptor. The loader reads `abi_version` and `descriptor_size` first and refuses the library
// (with a message saying what to rebuild) unless both match what this kalshi-direct was built
// with; only then does it call `register_plugins`. Unlike an unversioned memcpy of a struct, a
// mismatch is an error message, never a crash. Bump KALSHI_DIRECT_PLUGIN_ABI_VERSION whenever any
// SDK header changes a class layout or a virtual function.
//
// Write a plugin with the macro:
//
//   #include <kalshi_direct/sdk.h>
//   static kalshi_direct::Status registerMine(kalshi_direct::PluginRegistrar& registrar) {
//     return registrar.addSink(std::make_unique<MySinkFactory>());
//   }
//   KALSHI_DIRECT_PLUGIN("my_sink", "1.0.0", registerMine)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>

#include "kalshi_direct/plugin.h"

#define KALSHI_DIRECT_PLUGIN_ABI_VERSION \
  6u  // 6: SourceContext::reportProgress; 5: bulk upserts, objectType; 4: models; 3: the Store
      // (0.14); 2: fields (0.13)
#define KALSHI_DIRECT_PLUGIN_SYMBOL "kalshi_direct_plugin"

extern "C" {

struct KalshiDirectPluginDescriptor {
  uint32_t abi_version;      // KALSHI_DIRECT_PLUGIN_ABI_VERSION at build time
  uint32_t descriptor_size;  // sizeof(KalshiDirectPluginDescriptor) at build time
  uint32_t cxx_abi;          // _GLIBCXX_USE_CXX11_ABI at build time (std::string layout)
  const char* name;          // the library's name, for messages
  const char* version;       // the library's own version, for messages
  // Adds the library's factories. Returns 0 on success; otherwise writes a one-line message
  // into error (at most error_size bytes, NUL-terminated) and returns non-zero.
  int (*register_plugins)(kalshi_direct::PluginRegistrar* registrar, char* error,
                          size_t error_size);
};

typedef const KalshiDirectPluginDescriptor* (*KalshiDirectPluginEntry)(void);

}  // extern "C"

#ifdef _GLIBCXX_USE_CXX11_ABI
#define KALSHI_DIRECT_CXX_ABI static_cast<uint32_t>(_GLIBCXX_USE_CXX11_ABI)
#else
#define KALSHI_DIRECT_CXX_ABI 0u
#endif

// Defines the entry point. `register_function` is `kalshi_direct::Status (PluginRegistrar&)`.
// Exceptions never cross the boundary: they become an error message.
#define KALSHI_DIRECT_PLUGIN(plugin_name, plugin_version, register_function)                      \
  static int kalshi_direct_register_trampoline(kalshi_direct::PluginRegistrar* registrar,         \
                                               char* error, size_t error_size) {                  \
    auto write_error = [&](const char* text) {                                                    \
      if (error_size == 0) return;                                                                \
      std::strncpy(error, text, error_size - 1);                                                  \
      error[error_size - 1] = '\0';                                                               \
    };                                                                                            \
    try {                                                                                         \
      const kalshi_direct::Status status = register_function(*registrar);                         \
      if (status.isOk()) return 0;                                                                \
      write_error(status.message().c_str());                                                      \
    } catch (const std::exception& exception) {                                                   \
      write_error(exception.what());                                                              \
    } catch (...) {                                                                               \
      write_error("unknown exception while registering");                                         \
    }                                                                                             \
    return 1;                                                                                     \
  }                                                                                               \
  extern "C" __attribute__((visibility("default"))) const KalshiDirectPluginDescriptor*           \
  kalshi_direct_plugin(void) {                                                                    \
    static const KalshiDirectPluginDescriptor descriptor = {KALSHI_DIRECT_PLUGIN_ABI_VERSION,     \
                                                            sizeof(KalshiDirectPluginDescriptor), \
                                                            KALSHI_DIRECT_CXX_ABI,                \
                                                            plugin_name,                          \
                                                            plugin_version,                       \
                                                            kalshi_direct_register_trampoline};   \
    return &descriptor;                                                                           \
  }
