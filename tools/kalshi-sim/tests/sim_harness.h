// Test harness: runs the real kalshi-sim binary on a free port and talks HTTP to it.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ksim_test {

using Poco::JSON::Array;
using Poco::JSON::Object;

// Path of the simulator under test ($KALSHI_SIM overrides the one CMake compiled in).
std::string sim_binary();
std::string test_data_dir();

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  bool transport_error = false;                // connection reset / closed mid-body
  std::string error;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the simulator to completion (for --help, --exit, bad flags, bad fixtures).
RunResult run_sim(const std::vector<std::string>& args, int timeout_s = 60);

class Sim {
 public:
  // Starts the simulator with `args` plus --port 0 --port-file; waits until it listens.
  explicit Sim(std::vector<std::string> args);
  ~Sim();
  Sim(const Sim&) = delete;
  Sim& operator=(const Sim&) = delete;

  int port() const { return port_; }
  // Sends SIGTERM and returns the exit code (0 for a clean shutdown).
  int stop();

  HttpResult get(const std::string& path_and_query,
                 const std::map<std::string, std::string>& headers = {});
  HttpResult post(const std::string& path, const std::string& body);
  // GET that must return 200 with a JSON object.
  Object::Ptr get_json(const std::string& path_and_query);
  Object::Ptr post_json(const std::string& path, const std::string& body);

  // Pages a list endpoint to the end; returns every item in order. `array_key` is "fills" etc.
  std::vector<Object::Ptr> page_all(const std::string& path, const std::string& array_key,
                                    int limit, const std::string& extra_query = "");

  const std::string& dir() const { return tmp_.path(); }

 private:
  HttpResult request(const std::string& method, const std::string& path, const std::string& body,
                     const std::map<std::string, std::string>& headers);

  TempDir tmp_;
  int pid_ = -1;
  int port_ = 0;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

Object::Ptr parse_object(const std::string& json);
Poco::Dynamic::Var parse_any(const std::string& json);
std::string str(const Object::Ptr& o, const std::string& key);
std::int64_t integer(const Object::Ptr& o, const std::string& key);

// Exact decimal parsing for checks (independent of the simulator's code).
std::int64_t micros(const std::string& dollars);  // "0.5600" -> 560000
std::int64_t centis(const std::string& count);    // "2.50" -> 250
std::int64_t unix_us(const std::string& rfc3339);

}  // namespace ksim_test
