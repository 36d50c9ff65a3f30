#include "kalshi_direct/engine/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kalshi_direct/engine/builtin_plugins.h"
#include "mocks/fake_plugins.h"

namespace kalshi_direct {
namespace {

using testing::FakeSinkFactory;
using ::testing::HasSubstr;

TEST(RegistryTest, RegisteringANameTwiceIsAnErrorNamingBothOrigins) {
  Registry registry;
  ASSERT_TRUE(registry.addSink(std::make_unique<FakeSinkFactory>("csv")).isOk());
  registry.setOrigin("plugin library 'libmine.so'");
  const Status status = registry.addSink(std::make_unique<FakeSinkFactory>("csv"));
  EXPECT_FALSE(status.isOk());
  EXPECT_EQ(status.message(),
            "sink 'csv' is registered twice (by built-in and by plugin library 'libmine.so')");
}

TEST(RegistryTest, NamesMustBeIdentifiers) {
  Registry registry;
  EXPECT_FALSE(registry.addSink(std::make_unique<FakeSinkFactory>("my sink")).isOk());
}

TEST(RegistryTest, BuiltinsRegisterWithoutConflictsAndIncludeTheGenericPlugins) {
  Registry registry;
  ASSERT_TRUE(registerBuiltinPlugins(registry).isOk());
  const auto sinks = registry.names(PluginKind::kSink);
  EXPECT_THAT(sinks, ::testing::IsSupersetOf({"csv", "sqlite_table"}));
  EXPECT_THAT(registry.names(PluginKind::kSource), ::testing::Contains("jsonl"));
  EXPECT_THAT(registry.names(PluginKind::kTransform),
              ::testing::IsSupersetOf({"select", "filter"}));
  // Every option of every built-in has help text: `kalshi-direct plugins` is the manual.
  for (PluginKind kind : kAllPluginKinds) {
    for (const auto& name : registry.names(kind)) {
      const PluginFactory* factory = registry.find(kind, name);
      EXPECT_FALSE(factory->description().empty()) << name;
      for (const auto& option : factory->options()) {
        EXPECT_FALSE(option.helpText().empty()) << name << "." << option.name();
      }
    }
  }
}

}  // namespace
}  // namespace kalshi_direct
