// The settings file, kalshi-direct.conf: a user's settings in one place.
//
// Syntax: an environment file, the one systemd's EnvironmentFile= reads, so the packaged units
// and the command line see the same settings from the same file:
//   # a comment (also ;)
//   KALSHI_API_KEY_ID=0f5c...            KEY=VALUE; spaces around both are trimmed
//   KALSHI_DB="/var/lib/kalshi-direct/kalshi.db"   one pair of "..." or '...' is removed
// Keys are environment variable names (letters, digits, _; not starting with a digit). A line that
// is not a comment, blank or KEY=VALUE is an error naming file:line; nothing is applied then.
//
// Where (the first that applies): --config FILE; $KALSHI_DIRECT_CONFIG ("none": no file);
// $XDG_CONFIG_HOME/kalshi-direct/kalshi-direct.conf (~/.config/... when XDG_CONFIG_HOME is unset);
// /etc/kalshi-direct/kalshi-direct.conf. A file named by --config or $KALSHI_DIRECT_CONFIG must
// exist; the other two are used when they exist and this user can read them.
//
// Precedence: flag > environment > file > default. The file's values go into the process
// environment for the variables not already set there (or set but empty, as ${VAR:-default}
// reads them), before pipelines interpolate ${VARS};
// flags (--db, --set) override what pipelines read from the environment as before. Under systemd,
// a credential named kalshi-private-key (LoadCredential=, $CREDENTIALS_DIRECTORY) is the private
// key, whatever the file or the environment say: the service user cannot read the original.
// `kalshi-direct config show` prints the effective value of every setting and where it came from,
// with secrets redacted; `kalshi-direct init` writes the file (mode 0600).
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kalshi_direct {
namespace cli {

// A setting kalshi-direct knows (the KALSHI_* variables the shipped pipelines and commands read).
struct SettingInfo {
  enum class Secrecy {
    kPlain,   // shown as it is
    kPartly,  // an identifier: its first 4 characters shown
    kSecret,  // never shown: "(set)"
  };
  const char* key;
  const char* meaning;
  const char* fallback;  // the default when unset (nullptr: none)
  Secrecy secrecy = Secrecy::kPlain;
};
const std::vector<SettingInfo>& knownSettings();
const SettingInfo* findSetting(const std::string& key);
// What `config show` prints for the value of `key`: secrets redacted (a known secret, or an
// unknown key whose name says KEY, TOKEN, SECRET, PASSWORD or CREDENTIAL).
std::string displayValue(const std::string& key, const std::string& value);

class SettingsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SettingsFile {
  struct Entry {
    std::string key, value;
    int line = 0;
  };
  std::string path;  // empty: none was found
  std::vector<Entry> entries;
};

// The file to read: `flag` (--config), else the environment's, else the user's or the system's
// when present. Empty path: none. SettingsError when a named file does not exist.
std::string locateSettingsFile(const std::optional<std::string>& flag);
// Where `init` writes by default: --config, $KALSHI_DIRECT_CONFIG, else the user's XDG file.
std::string defaultSettingsPath(const std::optional<std::string>& flag);
// Parses `path` (SettingsError "path:line: ..." on a bad line or an unreadable file).
SettingsFile readSettingsFile(const std::string& path);
// Parses settings text; `path` names it in errors.
SettingsFile parseSettings(const std::string& text, const std::string& path);

// Where each setting's effective value comes from, recorded when the file is applied.
struct SettingSources {
  std::string file;                           // the file applied ("" if none)
  std::map<std::string, std::string> origin;  // key -> "environment" or "file:LINE"
};
// Sets each of the file's variables that the environment does not already have (flag > env >
// file > default). Records, for every known setting and every key of the file, where its value
// comes from.
SettingSources applySettings(const SettingsFile& file);

// `kalshi-direct config show [--json] [--db PATH]`: the effective settings (secrets redacted) and
// where each came from. `sources` is what applySettings() recorded.
int runConfigCommand(const std::vector<std::string>& args, const SettingSources& sources);

}  // namespace cli
}  // namespace kalshi_direct
