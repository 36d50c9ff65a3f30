# kd_add_plugin(KIND source|transform|sink|model NAME <name> SOURCES ... [LIBRARIES ...])
#
# Declares the built-in plugin in the current folder. The folder name, NAME and the YAML `type:`
# are the same string. The folder's plugin.cpp must define
#     kalshi_direct::Status kalshi_direct::builtin::register_<kind>_<name>(PluginRegistrar&);
# plugins/CMakeLists.txt generates registerBuiltinPlugins() calling each of them explicitly (no
# static initialisers, so nothing is dropped by the linker and duplicates are detected).
function(kd_add_plugin)
  cmake_parse_arguments(PLUGIN "" "KIND;NAME" "SOURCES;LIBRARIES" ${ARGN})
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  if(NOT folder STREQUAL PLUGIN_NAME)
    message(FATAL_ERROR "plugin '${PLUGIN_NAME}' must live in a folder of the same name, not '${folder}'")
  endif()
  set(target kd_${PLUGIN_KIND}_${PLUGIN_NAME})
  add_library(${target} STATIC ${PLUGIN_SOURCES})
  # The SDK only, as a drop-in has it; a plugin that needs more names the library (kd_kalshi).
  target_link_libraries(${target} PUBLIC kalshi_direct_sdk ${PLUGIN_LIBRARIES})
  # Its own headers are its own: the unit tests that test its logic add the folder themselves.
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  kd_project_warnings(${target})
  set_property(GLOBAL APPEND PROPERTY KD_BUILTIN_PLUGINS "${PLUGIN_KIND}:${PLUGIN_NAME}")
  set_property(GLOBAL APPEND PROPERTY KD_BUILTIN_PLUGIN_TARGETS ${target})
endfunction()
