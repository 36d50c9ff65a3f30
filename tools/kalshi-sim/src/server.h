// HTTP layer: routes /trade-api/v2/... to the account, /admin/... to the control API, and
// applies auth, faults and statistics.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

#include "auth.h"
#include "data_source.h"
#include "faults.h"

namespace ksim {

struct ServerContext {
  DataSource* account = nullptr;
  std::shared_mutex account_mutex;  // shared for reads, exclusive for add-fills
  Authenticator* auth = nullptr;
  Faults* faults = nullptr;
  Stats* stats = nullptr;
  std::string truth_path;  // rewritten after add-fills when set
  bool verbose = false;
  Shapes shapes = Shapes::Current;
  std::string usage_tier = "basic";           // GET /account/limits
  std::map<std::string, int> endpoint_costs;  // "GET /portfolio/orders" -> tokens
  bool withdrawals_404_when_none = false;     // GET /portfolio/withdrawals quirk
};

// Writes the truth file atomically (temp file + rename). Returns "" or an error message.
std::string write_file_atomically(const std::string& path, const std::string& content);

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(ServerContext& ctx) : ctx_(ctx) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  ServerContext& ctx_;
};

}  // namespace ksim
