#include "sim_harness.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef KSIM_BINARY
#define KSIM_BINARY "kalshi-sim"
#endif
#ifndef KSIM_TEST_DATA
#define KSIM_TEST_DATA "."
#endif

namespace ksim_test {

namespace fs = std::filesystem;

std::string sim_binary() {
  const char* env = std::getenv("KALSHI_SIM");
  return env && *env ? env : KSIM_BINARY;
}

std::string test_data_dir() { return KSIM_TEST_DATA; }

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "ksim-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int spawn(const std::vector<std::string>& args, const std::string& out_path,
          const std::string& err_path) {
  std::vector<char*> argv;
  std::string bin = sim_binary();
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(int pid, int timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

}  // namespace

RunResult run_sim(const std::vector<std::string>& args, int timeout_s) {
  TempDir tmp;
  int pid = spawn(args, tmp.file("out"), tmp.file("err"));
  RunResult r;
  r.exit_code = wait_exit(pid, timeout_s);
  r.out = slurp(tmp.file("out"));
  r.err = slurp(tmp.file("err"));
  return r;
}

Sim::Sim(std::vector<std::string> args) {
  const std::string port_file = tmp_.file("port");
  args.push_back("--port");
  args.push_back("0");
  args.push_back("--port-file");
  args.push_back(port_file);
  pid_ = spawn(args, tmp_.file("stdout"), tmp_.file("stderr"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    if (in >> port_ && port_ > 0) break;
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("kalshi-sim exited early: " + slurp(tmp_.file("stderr")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (port_ <= 0) throw std::runtime_error("kalshi-sim did not write its port file");
  session_ =
      std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", static_cast<Poco::UInt16>(port_));
  session_->setKeepAlive(true);
  session_->setTimeout(Poco::Timespan(30, 0));
}

Sim::~Sim() {
  if (pid_ > 0) stop();
}

int Sim::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int rc = wait_exit(pid_, 20);
  pid_ = -1;
  return rc;
}

HttpResult Sim::request(const std::string& method, const std::string& path, const std::string& body,
                        const std::map<std::string, std::string>& headers) {
  HttpResult res;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
      req.setKeepAlive(true);
      for (const auto& [k, v] : headers) req.set(k, v);
      if (method == "POST") {
        req.setContentType("application/json");
        req.setContentLength(static_cast<std::streamsize>(body.size()));
        session_->sendRequest(req) << body;
      } else {
        session_->sendRequest(req);
      }
      Poco::Net::HTTPResponse resp;
      std::istream& in = session_->receiveResponse(resp);
      res.status = resp.getStatus();
      for (const auto& [k, v] : resp) {
        std::string lk = k;
        for (auto& c : lk) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        res.headers[lk] = v;
      }
      std::ostringstream os;
      Poco::StreamCopier::copyStream(in, os);
      res.body = os.str();
      if (resp.hasContentLength() &&
          static_cast<std::int64_t>(res.body.size()) != resp.getContentLength64()) {
        res.transport_error = true;
        res.error = "body shorter than Content-Length";
        session_->reset();
      }
      return res;
    } catch (const Poco::Exception& e) {
      // A keep-alive connection the server closed: retry once on a fresh one, then report.
      session_->reset();
      res.transport_error = true;
      res.error = e.displayText();
      if (attempt == 1 || method == "POST") return res;
    }
  }
  return res;
}

HttpResult Sim::get(const std::string& path_and_query,
                    const std::map<std::string, std::string>& headers) {
  return request("GET", path_and_query, "", headers);
}

HttpResult Sim::post(const std::string& path, const std::string& body) {
  return request("POST", path, body, {});
}

Object::Ptr Sim::get_json(const std::string& path_and_query) {
  HttpResult r = get(path_and_query);
  if (r.status != 200)
    throw std::runtime_error("GET " + path_and_query + " -> " + std::to_string(r.status) + " " +
                             r.body);
  return parse_object(r.body);
}

Object::Ptr Sim::post_json(const std::string& path, const std::string& body) {
  HttpResult r = post(path, body);
  if (r.status != 200)
    throw std::runtime_error("POST " + path + " -> " + std::to_string(r.status) + " " + r.body);
  return parse_object(r.body);
}

std::vector<Object::Ptr> Sim::page_all(const std::string& path, const std::string& array_key,
                                       int limit, const std::string& extra_query) {
  std::vector<Object::Ptr> items;
  std::string cursor;
  for (int pages = 0; pages < 100000; ++pages) {
    std::string q = path + "?limit=" + std::to_string(limit) + extra_query;
    if (!cursor.empty()) q += "&cursor=" + cursor;
    Object::Ptr page = get_json(q);
    Array::Ptr arr = page->getArray(array_key);
    if (arr.isNull()) throw std::runtime_error(path + ": no array " + array_key);
    for (std::size_t i = 0; i < arr->size(); ++i)
      items.push_back(arr->getObject(static_cast<unsigned>(i)));
    cursor = page->has("cursor") ? page->getValue<std::string>("cursor") : "";
    if (cursor.empty()) return items;
  }
  throw std::runtime_error(path + ": pagination does not end");
}

Poco::Dynamic::Var parse_any(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json);
}

Object::Ptr parse_object(const std::string& json) {
  Poco::Dynamic::Var v = parse_any(json);
  if (v.type() != typeid(Object::Ptr))
    throw std::runtime_error("not a JSON object: " + json.substr(0, 200));
  return v.extract<Object::Ptr>();
}

std::string str(const Object::Ptr& o, const std::string& key) {
  if (!o->has(key) || !o->get(key).isString())
    throw std::runtime_error("missing string field " + key);
  return o->get(key).extract<std::string>();
}

std::int64_t integer(const Object::Ptr& o, const std::string& key) {
  if (!o->has(key) || !o->get(key).isInteger())
    throw std::runtime_error("missing integer field " + key);
  return o->get(key).convert<std::int64_t>();
}

namespace {
std::int64_t scaled(const std::string& s, int digits) {
  std::size_t i = 0;
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    i = 1;
  }
  std::int64_t whole = 0, frac = 0;
  int fd = 0;
  for (; i < s.size() && s[i] != '.'; ++i) {
    if (!isdigit(static_cast<unsigned char>(s[i]))) throw std::runtime_error("bad decimal " + s);
    whole = whole * 10 + (s[i] - '0');
  }
  if (i < s.size()) ++i;
  for (; i < s.size(); ++i, ++fd) {
    if (!isdigit(static_cast<unsigned char>(s[i])) || fd >= digits)
      throw std::runtime_error("bad decimal " + s);
    frac = frac * 10 + (s[i] - '0');
  }
  for (; fd < digits; ++fd) frac *= 10;
  std::int64_t scale = 1;
  for (int k = 0; k < digits; ++k) scale *= 10;
  std::int64_t v = whole * scale + frac;
  return neg ? -v : v;
}
}  // namespace

std::int64_t micros(const std::string& dollars) { return scaled(dollars, 6); }
std::int64_t centis(const std::string& count) { return scaled(count, 2); }

std::int64_t unix_us(const std::string& t) {
  // YYYY-MM-DDTHH:MM:SS[.ffffff]Z, UTC only (what the simulator emits).
  if (t.size() < 20 || t.back() != 'Z') throw std::runtime_error("bad time " + t);
  std::tm tm{};
  tm.tm_year = std::stoi(t.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(t.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(t.substr(8, 2));
  tm.tm_hour = std::stoi(t.substr(11, 2));
  tm.tm_min = std::stoi(t.substr(14, 2));
  tm.tm_sec = std::stoi(t.substr(17, 2));
  std::int64_t secs = timegm(&tm);
  std::int64_t us = 0;
  if (t[19] == '.') {
    std::string frac = t.substr(20, t.size() - 21);
    while (frac.size() < 6) frac += '0';
    us = std::stoll(frac.substr(0, 6));
  }
  return secs * 1000000 + us;
}

}  // namespace ksim_test
