#!/usr/bin/env bash
# Every plugin's README keeps up with the plugin (issue 14 item 6): for each plugin that
# `kalshi-direct plugins --json` lists (built-in: origin "built-in"), plugins/<kind>s/<name>/README.md
# exists, its title names the plugin, and it names in backticks every option the plugin declares
# and, for a source, every stream it can produce. A retired name (its description starts with
# "Retired") lives in the README of what replaced it. Any drift: one line per problem, exit 1.
# Usage: plugin_readmes_test.sh KALSHI_DIRECT_BINARY SOURCE_DIR
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 KALSHI_DIRECT_BINARY SOURCE_DIR" >&2
  exit 2
fi
"$1" plugins --json | python3 -c '
import json, os, sys
src = sys.argv[1]
plugins = json.load(sys.stdin)
problems, checked = [], 0
for kind, items in plugins.items():
    for plugin in items:
        if plugin["origin"] != "built-in":
            continue
        name = plugin["name"]
        if plugin["description"].startswith("Retired"):
            continue
        path = os.path.join(src, "plugins", kind, name, "README.md")
        if not os.path.isfile(path):
            problems.append(f"{kind[:-1]} {name}: no README at plugins/{kind}/{name}/README.md")
            continue
        text = open(path, encoding="utf-8").read()
        checked += 1
        title = text.splitlines()[0] if text else ""
        if f"`{name}`" not in title:
            problems.append(f"plugins/{kind}/{name}/README.md: the title does not name `{name}`")
        for option in plugin["options"]:
            option_name = option["name"]
            if f"`{option_name}`" not in text:
                problems.append(f"plugins/{kind}/{name}/README.md: option `{option_name}` is not described")
        for stream in plugin.get("fields", {}):
            if f"`{stream}`" not in text:
                problems.append(f"plugins/{kind}/{name}/README.md: stream `{stream}` is not described")
for problem in problems:
    print("plugin READMEs: FAIL " + problem)
if problems:
    sys.exit(1)
print(f"plugin READMEs: {checked} checked, every option and stream described")
' "$2"
