// A GoogleMock of the Kalshi API client (kalshi::KalshiApi), for unit tests of what reads the API.
#pragma once

#include <gmock/gmock.h>

#include "kalshi/api_client.h"

namespace kalshi_direct {
namespace testing {

class MockKalshiApi : public kalshi::KalshiApi {
 public:
  MOCK_METHOD(Status, get,
              (const std::string& path, const kalshi::Query& query, std::string& body,
               const kalshi::BodyValidator& validate),
              (override));
  MOCK_METHOD(void, setRateLimit,
              (double tokens_per_second, double capacity, double default_cost,
               (std::vector<std::pair<std::string, double>>)endpoint_costs),
              (override));
  MOCK_METHOD(int, lastHttpStatus, (), (const, override));
};

// An action for get(): answers with `body` (and kOk).
inline auto answer(std::string body) {
  return [body](const std::string&, const kalshi::Query&, std::string& out,
                const kalshi::BodyValidator&) {
    out = body;
    return Status::ok();
  };
}

}  // namespace testing
}  // namespace kalshi_direct
