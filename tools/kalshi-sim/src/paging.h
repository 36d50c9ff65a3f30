// Cursor pagination shared by every list endpoint.
//
// Order is newest first: descending by (time, sequence). The cursor is base64url of
// "v1|<endpoint tag>|<time_us>|<sequence>" of the last item returned, and the next page holds
// the items strictly older than it. Because it is a sort key and not an offset, records added
// while a client pages (always newer than everything) cannot shift later pages: no skips, no
// duplicates. The last page has an empty cursor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data_source.h"

namespace ksim {

struct Page {
  std::vector<std::uint32_t> items;  // record indices, newest first
  std::string cursor;                // "" on the last page
};

std::string base64url_encode(const std::string& in);
bool base64url_decode(const std::string& in, std::string& out);

// Throws BadRequest for a cursor that is malformed or from another endpoint.
Page page_list(const DataSource& ds, ListKind kind, const ListQuery& q, int limit,
               const std::string& cursor);

struct PositionsPage {
  std::vector<std::size_t> items;  // position indices, ascending by ticker
  std::string cursor;
};

PositionsPage page_positions(const DataSource& ds, const PositionsQuery& q, int limit,
                             const std::string& cursor);

}  // namespace ksim
