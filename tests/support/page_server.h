// A real HTTP server on 127.0.0.1 that answers GET <path> with a fixed body: for replaying
// recorded (or hand-made, deliberately malformed) API responses that kalshi-sim would never send.
// The query string is ignored; a path without a body answers 404 {"code":"not_found",...}; a
// path in `statuses` answers with that HTTP status (and its body).
// It records every path asked for, so a test can check what the client requested.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace kalshi_direct {
namespace testing {

class PageServer {
 public:
  // `pages`: URL path (e.g. "/trade-api/v2/portfolio/fills") -> response body.
  explicit PageServer(std::map<std::string, std::string> pages,
                      std::map<std::string, int> statuses = {})
      : pages_(std::move(pages)),
        statuses_(std::move(statuses)),
        socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
        server_(new Factory(*this), socket_, new Poco::Net::HTTPServerParams) {
    server_.start();
  }
  ~PageServer() { server_.stop(); }

  // Every *.json file under `directory`, served at `prefix` + its relative path without ".json"
  // (recorded/portfolio/fills.json -> <prefix>/portfolio/fills).
  static std::map<std::string, std::string> pagesFromDirectory(const std::string& directory,
                                                               const std::string& prefix) {
    std::map<std::string, std::string> pages;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      std::string relative =
          std::filesystem::relative(entry.path(), directory).replace_extension("").string();
      pages[prefix + "/" + relative] = readFile(entry.path().string());
    }
    return pages;
  }

  std::string baseUrl(const std::string& prefix = "/trade-api/v2") const {
    return "http://127.0.0.1:" + std::to_string(socket_.address().port()) + prefix;
  }
  std::vector<std::string> requested() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requested_;
  }

 private:
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(PageServer& server) : server_(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      const std::string path = request.getURI().substr(0, request.getURI().find('?'));
      {
        std::lock_guard<std::mutex> lock(server_.mutex_);
        server_.requested_.push_back(path);
      }
      response.setContentType("application/json");
      auto it = server_.pages_.find(path);
      const std::string body = it != server_.pages_.end()
                                   ? it->second
                                   : R"({"code":"not_found","message":"no such path"})";
      if (it == server_.pages_.end()) response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
      if (auto status = server_.statuses_.find(path); status != server_.statuses_.end()) {
        response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status->second));
      }
      response.setContentLength(static_cast<std::streamsize>(body.size()));
      response.send() << body;
    }

   private:
    PageServer& server_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(PageServer& server) : server_(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(server_);
    }

   private:
    PageServer& server_;
  };

  const std::map<std::string, std::string> pages_;
  const std::map<std::string, int> statuses_;
  mutable std::mutex mutex_;
  std::vector<std::string> requested_;
  Poco::Net::ServerSocket socket_;
  Poco::Net::HTTPServer server_;
};

}  // namespace testing
}  // namespace kalshi_direct
