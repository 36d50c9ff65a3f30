// The dashboard's front end (web/: index.html, app.js, charts.js, app.css), built by
// `node web/build.mjs` during the CMake build and embedded in the binary (web_assets.cpp,
// generated), so that an installed `kalshi-direct serve` needs no file beside it.
#pragma once

#include <cstddef>
#include <string>

namespace kalshi_direct {
namespace serve {

struct WebAsset {
  const char* path;          // "/", "/app.js", "/charts.js", "/app.css"
  const char* content_type;  // with its charset
  const unsigned char* data;
  size_t size;
};

// The asset served at `path`; nullptr when there is none.
const WebAsset* findWebAsset(const std::string& path);

}  // namespace serve
}  // namespace kalshi_direct
