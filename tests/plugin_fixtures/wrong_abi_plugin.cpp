// A library that claims a future plugin ABI: the loader must refuse it without calling into it.
#include <kalshi_direct/plugin_abi.h>

static int neverCalled(kalshi_direct::PluginRegistrar*, char*, size_t) { __builtin_trap(); }

extern "C" __attribute__((visibility("default"))) const KalshiDirectPluginDescriptor*
kalshi_direct_plugin(void) {
  static const KalshiDirectPluginDescriptor descriptor = {
      999u,       sizeof(KalshiDirectPluginDescriptor), KALSHI_DIRECT_CXX_ABI, "future", "9.9",
      neverCalled};
  return &descriptor;
}
