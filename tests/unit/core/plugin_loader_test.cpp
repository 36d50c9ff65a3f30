#include "kalshi_direct/engine/plugin_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kalshi_direct/engine/builtin_plugins.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;

TEST(PluginLoaderTest, LoadsAValidPluginAndRegistersItsFactories) {
  Registry registry;
  ASSERT_TRUE(loadPluginLibrary(KD_TEST_PLUGIN_GOOD, registry).isOk());
  ASSERT_NE(registry.findSink("test_null_sink"), nullptr);
  EXPECT_THAT(registry.originOf(PluginKind::kSink, "test_null_sink"),
              HasSubstr("libkd_test_good_plugin.so"));
}

TEST(PluginLoaderTest, RefusesAWrongAbiWithAnActionableMessage) {
  Registry registry;
  const Status status = loadPluginLibrary(KD_TEST_PLUGIN_WRONG_ABI, registry);
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("was built for plugin ABI 999 but this kalshi-direct"));
  EXPECT_THAT(status.message(), HasSubstr("rebuild it against the installed SDK"));
}

TEST(PluginLoaderTest, RefusesALibraryWithoutTheEntryPoint) {
  Registry registry;
  const Status status = loadPluginLibrary(KD_TEST_PLUGIN_NOT_A_PLUGIN, registry);
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(
      status.message(),
      HasSubstr("is not a kalshi-direct plugin: it has no 'kalshi_direct_plugin' entry point"));
}

TEST(PluginLoaderTest, RefusesAFileThatIsNotALibrary) {
  testing::TempDir dir;
  const std::string fake = dir.file("libfake.so");
  testing::writeFile(fake, "this is text, not ELF");
  Registry registry;
  const Status status = loadPluginLibrary(fake, registry);
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("cannot be loaded"));
}

TEST(PluginLoaderTest, ANameCollisionWithABuiltinFailsRegistration) {
  Registry registry;
  ASSERT_TRUE(registerBuiltinPlugins(registry).isOk());
  const Status status = loadPluginLibrary(KD_TEST_PLUGIN_CONFLICT, registry);
  EXPECT_FALSE(status.isOk());
  EXPECT_THAT(status.message(),
              HasSubstr("sink 'csv' is registered twice (by built-in and by plugin library"));
}

TEST(PluginLoaderTest, AMissingPluginPathIsAnError) {
  Registry registry;
  const Status status = loadPluginPaths({"/nonexistent/plugins"}, registry);
  EXPECT_EQ(status.message(), "plugin path '/nonexistent/plugins' does not exist");
}

TEST(PluginLoaderTest, SplitsPathLists) {
  EXPECT_EQ(splitPathList("a::b:"), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace kalshi_direct
