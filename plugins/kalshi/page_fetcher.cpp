#include "kalshi/page_fetcher.h"

namespace kalshi_direct {
namespace kalshi {

PageFetcher::PageFetcher(KalshiApiPtr client) : client_(std::move(client)) {
  client_->on_counter = [this](const std::string& name, uint64_t delta) {
    result_.counters.emplace_back(name, delta);
  };
  client_->on_debug = [this](const std::string& line) { result_.debug_lines.push_back(line); };
  auto stop = std::move(client_->stop_requested);
  client_->stop_requested = [this, stop] { return cancel_.load() || (stop && stop()); };
}

PageFetcher::~PageFetcher() {
  cancel_ = true;
  wait();
}

void PageFetcher::wait() {
  if (thread_.joinable()) thread_.join();
}

void PageFetcher::prefetch(Request request) {
  wait();
  request_ = std::move(request);
  result_ = Result();
  pending_ = true;
  thread_ = std::thread([this] {
    std::string body;
    const Request& request = request_;
    result_.status = client_->get(request.path, request.query, body,
                                  [this, &request](const std::string& b, std::string& why) {
                                    return parser_.parseList(b, request.array, *request.schema,
                                                             result_.page, why);
                                  });
  });
}

bool PageFetcher::take(const Request& request, Result& out) {
  wait();
  const bool match = pending_ && request_ == request;
  pending_ = false;
  if (match) out = std::move(result_);
  result_ = Result();
  return match;
}

}  // namespace kalshi
}  // namespace kalshi_direct
