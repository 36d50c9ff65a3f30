// FilterExpression: the `where` language of the filter transform, parsed once, evaluated per
// record.
//
//   expression := or ;  or := and ('or' and)* ;  and := not ('and' not)* ;  not := 'not' not | test
//   test       := '(' expression ')' | operand [ ('=='|'!='|'<'|'<='|'>'|'>=') operand
//                                             | ['not'] 'in' '[' [literal (',' literal)*] ']' ]
//   operand    := field name ([A-Za-z_][A-Za-z0-9_]*) | literal
//   literal    := "string" (\" \\ \n \t escapes) | number (-12, 2.5: exact decimals) | true | false
//               | null
// A lone operand is true only when it is the boolean true (`where: is_taker`).
//
// Comparison: numbers with numbers (int and decimal exactly, 2 == 2.00), strings with strings
// (bytewise), bools and nulls by equality, timestamps with timestamps or with ISO 8601 strings.
// A missing field is null. Values of different kinds are unequal: == is false, != is true and
// every ordering (<, <=, >, >=) is false.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kalshi_direct/record.h"

namespace kalshi_direct {
namespace plugins {

class FilterExpression {
 public:
  struct Node;

  FilterExpression();
  ~FilterExpression();
  FilterExpression(FilterExpression&&) noexcept;
  FilterExpression& operator=(FilterExpression&&) noexcept;

  // Parses `text`. On a syntax error returns false, with a one-line `error` and the 1-based
  // `column` of the offending character in `text`.
  static bool parse(std::string_view text, FilterExpression& out, std::string& error,
                    size_t& column);

  bool matches(const Record& record) const;
  // The field names the expression reads, each once, in the order they appear.
  std::vector<std::string> fieldNames() const;

 private:
  std::unique_ptr<Node> root_;
};

// Compares two values under the rules above: -1, 0 or 1, or false when they are not comparable
// (different kinds, or an ordering of bools or nulls was asked with `ordering`).
bool compareValues(const Value& left, const Value& right, bool ordering, int& result);

}  // namespace plugins
}  // namespace kalshi_direct
