#include "paging.h"

#include <algorithm>
#include <limits>

namespace ksim {

const char* list_kind_tag(ListKind k) {
  switch (k) {
    case ListKind::Fills:
      return "fills";
    case ListKind::HistFills:
      return "hfills";
    case ListKind::Orders:
      return "orders";
    case ListKind::HistOrders:
      return "horders";
    case ListKind::Settlements:
      return "settlements";
  }
  return "?";
}

namespace {
const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

bool parse_i64(const std::string& s, std::int64_t& v) {
  if (s.empty() || s.size() > 20) return false;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  __int128 acc = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    acc = acc * 10 + (s[i] - '0');
  }
  if (s[0] == '-') acc = -acc;
  if (acc > std::numeric_limits<std::int64_t>::max() ||
      acc < std::numeric_limits<std::int64_t>::min())
    return false;
  v = static_cast<std::int64_t>(acc);
  return true;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t p = s.find(sep, start);
    parts.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return parts;
}

[[noreturn]] void bad_cursor(const std::string& details) {
  throw BadRequest("invalid cursor", details);
}
}  // namespace

std::string base64url_encode(const std::string& in) {
  std::string out;
  std::size_t i = 0;
  while (i + 2 < in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back(kB64[v & 63]);
    i += 3;
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
  } else if (i + 2 == in.size()) {
    unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
  }
  return out;
}

bool base64url_decode(const std::string& in, std::string& out) {
  out.clear();
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = b64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

Page page_list(const DataSource& ds, ListKind kind, const ListQuery& q, int limit,
               const std::string& cursor) {
  Page page;
  // Decode the cursor first so that a bad one is a 400 even when nothing matches.
  bool has_cursor = !cursor.empty();
  std::int64_t cursor_seq = 0;
  if (has_cursor) {
    std::string raw;
    if (!base64url_decode(cursor, raw)) bad_cursor("cursor is not base64url");
    auto parts = split(raw, '|');
    std::int64_t t = 0;
    if (parts.size() != 4 || parts[0] != "v1" || !parse_i64(parts[2], t) ||
        !parse_i64(parts[3], cursor_seq) || cursor_seq < 0)
      bad_cursor("cursor was not issued by this server");
    if (parts[1] != list_kind_tag(kind))
      bad_cursor("cursor belongs to another endpoint (" + parts[1] + ")");
  }

  const std::vector<std::uint32_t>* list = ds.candidates(kind, q);
  if (list == nullptr || list->empty()) return page;

  auto time_of = [&](std::uint32_t idx) { return ds.sort_time_us(kind, idx); };
  std::size_t lo = 0;
  std::size_t hi = list->size();
  if (q.has_min_ts) {
    const std::int64_t min_us = q.min_ts * kMicrosPerSecond;
    lo = static_cast<std::size_t>(
        std::partition_point(list->begin(), list->end(),
                             [&](std::uint32_t i) { return time_of(i) < min_us; }) -
        list->begin());
  }
  if (q.has_max_ts) {
    const std::int64_t max_us = q.max_ts * kMicrosPerSecond;
    hi = static_cast<std::size_t>(
        std::partition_point(list->begin(), list->end(),
                             [&](std::uint32_t i) { return time_of(i) < max_us; }) -
        list->begin());
  }
  if (has_cursor) {
    // Items strictly older than the cursor item: sequence numbers below it.
    std::size_t pos = static_cast<std::size_t>(
        std::lower_bound(list->begin(), list->end(), static_cast<std::uint64_t>(cursor_seq),
                         [](std::uint32_t a, std::uint64_t b) { return a < b; }) -
        list->begin());
    hi = std::min(hi, pos);
  }

  std::size_t i = hi;
  while (i > lo) {
    --i;
    std::uint32_t idx = (*list)[i];
    if (!ds.matches(kind, idx, q)) continue;
    if (page.items.size() == static_cast<std::size_t>(limit)) {
      // One more match exists beyond this page: hand out a cursor.
      std::uint32_t last = page.items.back();
      page.cursor = base64url_encode(std::string("v1|") + list_kind_tag(kind) + "|" +
                                     std::to_string(ds.sort_time_us(kind, last)) + "|" +
                                     std::to_string(last));
      return page;
    }
    page.items.push_back(idx);
  }
  return page;
}

PositionsPage page_positions(const DataSource& ds, const PositionsQuery& q, int limit,
                             const std::string& cursor) {
  PositionsPage page;
  std::string after;
  bool has_cursor = !cursor.empty();
  if (has_cursor) {
    std::string raw;
    if (!base64url_decode(cursor, raw)) bad_cursor("cursor is not base64url");
    if (raw.rfind("v1|positions|", 0) != 0) bad_cursor("cursor was not issued by this endpoint");
    after = raw.substr(13);
  }
  const std::size_t n = ds.position_count();
  std::size_t i = 0;
  if (has_cursor) {
    // Positions are sorted by ticker; resume after the last ticker returned.
    std::size_t a = 0, b = n;
    while (a < b) {
      std::size_t mid = (a + b) / 2;
      if (ds.position_ticker(mid) <= after)
        a = mid + 1;
      else
        b = mid;
    }
    i = a;
  }
  for (; i < n; ++i) {
    if (!ds.position_matches(i, q)) continue;
    if (page.items.size() == static_cast<std::size_t>(limit)) {
      page.cursor = base64url_encode("v1|positions|" + ds.position_ticker(page.items.back()));
      return page;
    }
    page.items.push_back(i);
  }
  return page;
}

}  // namespace ksim
