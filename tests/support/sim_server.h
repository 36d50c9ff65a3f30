// Runs the real kalshi-sim binary on a free loopback port for a test, and talks to its admin API.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace kalshi_direct {
namespace testing {

class SimServer {
 public:
  // `arguments` are extra kalshi-sim flags (e.g. {"--fills", "2000", "--bearer-token", "T"}).
  explicit SimServer(std::vector<std::string> arguments) {
    const std::string port_file = dir_.file("port");
    truth_path_ = dir_.file("truth.json");
    std::vector<std::string> argv = {KD_SIM,    "--port",       "0",        "--port-file",
                                     port_file, "--dump-truth", truth_path_};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    pid_ = fork();
    if (pid_ == 0) {
      const std::string log = dir_.file("sim.log");
      freopen(log.c_str(), "w", stdout);
      freopen(log.c_str(), "a", stderr);
      std::vector<char*> args;
      for (auto& arg : argv) args.push_back(arg.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    // Wait (bounded) for the port file: the simulator writes it once it listens.
    for (int i = 0; i < 600 && port_ == 0; ++i) {
      std::ifstream in(port_file);
      if (in >> port_) break;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_)
        throw std::runtime_error("kalshi-sim exited: " + readFile(dir_.file("sim.log")));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (port_ == 0) throw std::runtime_error("kalshi-sim did not start");
  }
  ~SimServer() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  int port() const { return port_; }
  std::string baseUrl() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/trade-api/v2";
  }

  std::string request(const std::string& method, const std::string& path,
                      const std::string& body = "") const {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.setContentType("application/json");
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::string text;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
    if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
      throw std::runtime_error(method + " " + path + ": " + std::to_string(response.getStatus()) +
                               " " + text);
    }
    return text;
  }
  Poco::JSON::Object::Ptr json(const std::string& method, const std::string& path,
                               const std::string& body = "") const {
    return Poco::JSON::Parser()
        .parse(request(method, path, body))
        .extract<Poco::JSON::Object::Ptr>();
  }
  void setFaults(const std::string& json_body) const {
    request("POST", "/admin/faults", json_body);
  }
  void resetStats() const { request("POST", "/admin/stats/reset"); }
  // Requests to one API path (e.g. "/portfolio/fills") since the last reset.
  int requestsTo(const std::string& path) const {
    auto endpoints = json("GET", "/admin/stats")->getObject("endpoints");
    if (!endpoints || !endpoints->has(path)) return 0;
    return endpoints->getObject(path)->getValue<int>("total");
  }
  Poco::JSON::Object::Ptr truth() const { return json("GET", "/admin/truth"); }
  // Requests the simulator holds unanswered now (a stall fault).
  int heldRequests() const { return json("GET", "/admin/stats")->getValue<int>("stalled_now"); }
  // Waits (up to a minute) until a stall fault holds a request: the client is then waiting at a
  // known point. False when none came.
  bool waitUntilARequestIsHeld() const {
    for (int i = 0; i < 12000; ++i) {
      if (heldRequests() == 1) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  // Clears the faults and waits until the held requests are answered (to nobody, if their client
  // is gone).
  void releaseHeldRequests() const {
    setFaults(R"({"reset":true})");
    for (int i = 0; i < 6000 && heldRequests() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

 private:
  TempDir dir_;
  std::string truth_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace testing
}  // namespace kalshi_direct
