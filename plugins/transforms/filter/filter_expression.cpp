#include "filter_expression.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace kalshi_direct {
namespace plugins {

namespace {

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct Operand {
  bool is_field = false;
  std::string field;
  Value literal;

  const Value& resolve(const Record& record) const {
    return is_field ? record.get(field) : literal;
  }
};

struct Token {
  enum class Type {
    kEnd,
    kIdentifier,
    kLiteral,
    kLeftParen,
    kRightParen,
    kLeftBracket,
    kRightBracket,
    kComma,
    kCompare,
    kAnd,
    kOr,
    kNot,
    kIn,
  };
  Type type = Type::kEnd;
  std::string text;  // as written, for messages
  size_t column = 0;
  Value literal;
  CompareOp op = CompareOp::kEq;
};

bool isIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentifierChar(char c) { return isIdentifierStart(c) || (c >= '0' && c <= '9'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

struct FilterExpression::Node {
  enum class Kind { kOr, kAnd, kNot, kCompare, kIn, kTruthy };
  Kind kind = Kind::kTruthy;
  std::unique_ptr<Node> left, right;
  CompareOp op = CompareOp::kEq;
  Operand first, second;
  std::vector<Value> list;
  bool negated = false;

  bool evaluate(const Record& record) const;
  void collectFields(std::vector<std::string>& out) const {
    for (const Operand* operand : {&first, &second}) {
      if (operand->is_field && std::find(out.begin(), out.end(), operand->field) == out.end())
        out.push_back(operand->field);
    }
    if (left) left->collectFields(out);
    if (right) right->collectFields(out);
  }
};

std::vector<std::string> FilterExpression::fieldNames() const {
  std::vector<std::string> names;
  if (root_) root_->collectFields(names);
  return names;
}

bool compareValues(const Value& left, const Value& right, bool ordering, int& result) {
  const ValueType a = left.type(), b = right.type();
  auto numeric = [](ValueType type) {
    return type == ValueType::kInt || type == ValueType::kDecimal;
  };
  auto asDecimal = [](const Value& value) {
    return value.ifInt() ? Decimal::fromInt(value.asInt()) : value.asDecimal();
  };
  auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (numeric(a) && numeric(b)) {
    if (a == ValueType::kInt && b == ValueType::kInt)
      result = sign(left.asInt(), right.asInt());
    else
      result = asDecimal(left).compare(asDecimal(right));
    return true;
  }
  if (a == ValueType::kString && b == ValueType::kString) {
    const int compared = left.asString().compare(right.asString());
    result = compared < 0 ? -1 : (compared > 0 ? 1 : 0);
    return true;
  }
  if (a == ValueType::kTimestamp || b == ValueType::kTimestamp) {
    Timestamp x, y;
    if (a == ValueType::kTimestamp)
      x = left.asTimestamp();
    else if (a != ValueType::kString || !Timestamp::parse(left.asString(), x))
      return false;
    if (b == ValueType::kTimestamp)
      y = right.asTimestamp();
    else if (b != ValueType::kString || !Timestamp::parse(right.asString(), y))
      return false;
    result = sign(x, y);
    return true;
  }
  if (ordering || a != b) return false;
  if (a == ValueType::kNull) {
    result = 0;
    return true;
  }
  if (a == ValueType::kBool) {
    result = left.asBool() == right.asBool() ? 0 : 1;
    return true;
  }
  return false;
}

namespace {

bool applyCompare(const Value& left, const Value& right, CompareOp op) {
  const bool ordering = op != CompareOp::kEq && op != CompareOp::kNe;
  int result = 0;
  if (!compareValues(left, right, ordering, result)) return op == CompareOp::kNe;
  switch (op) {
    case CompareOp::kEq:
      return result == 0;
    case CompareOp::kNe:
      return result != 0;
    case CompareOp::kLt:
      return result < 0;
    case CompareOp::kLe:
      return result <= 0;
    case CompareOp::kGt:
      return result > 0;
    case CompareOp::kGe:
      return result >= 0;
  }
  return false;
}

}  // namespace

bool FilterExpression::Node::evaluate(const Record& record) const {
  switch (kind) {
    case Kind::kOr:
      return left->evaluate(record) || right->evaluate(record);
    case Kind::kAnd:
      return left->evaluate(record) && right->evaluate(record);
    case Kind::kNot:
      return !left->evaluate(record);
    case Kind::kCompare:
      return applyCompare(first.resolve(record), second.resolve(record), op);
    case Kind::kIn: {
      const Value& value = first.resolve(record);
      bool found = false;
      for (const Value& candidate : list) {
        if (applyCompare(value, candidate, CompareOp::kEq)) {
          found = true;
          break;
        }
      }
      return found != negated;
    }
    case Kind::kTruthy: {
      const bool* flag = first.resolve(record).ifBool();
      return flag != nullptr && *flag;
    }
  }
  return false;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  bool run(std::unique_ptr<FilterExpression::Node>& root, std::string& error, size_t& column) {
    if (!tokenize()) {
      error = error_;
      column = column_;
      return false;
    }
    if (tokens_.front().type == Token::Type::kEnd) {
      error = "the expression is empty";
      column = 1;
      return false;
    }
    root = parseOr(0);
    if (root && peek().type != Token::Type::kEnd) {
      fail(peek(), "unexpected " + describe(peek()) +
                       " after a complete expression (join "
                       "conditions with and/or)");
      root.reset();
    }
    if (!root) {
      error = error_;
      column = column_;
      return false;
    }
    return true;
  }

 private:
  using Node = FilterExpression::Node;
  static constexpr int kMaxDepth = 64;

  std::unique_ptr<Node> fail(const Token& token, const std::string& message) {
    if (error_.empty()) {
      error_ = message;
      column_ = token.column;
    }
    return nullptr;
  }
  bool failAt(size_t position, const std::string& message) {
    error_ = message;
    column_ = position + 1;
    return false;
  }

  static std::string describe(const Token& token) {
    return token.type == Token::Type::kEnd ? std::string("end of expression")
                                           : "'" + token.text + "'";
  }

  bool tokenize() {
    size_t i = 0;
    while (true) {
      while (i < text_.size() &&
             (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' || text_[i] == '\r')) {
        ++i;
      }
      Token token;
      token.column = i + 1;
      if (i == text_.size()) {
        tokens_.push_back(std::move(token));
        return true;
      }
      const size_t start = i;
      const char c = text_[i];
      auto single = [&](Token::Type type) {
        token.type = type;
        ++i;
      };
      if (c == '(')
        single(Token::Type::kLeftParen);
      else if (c == ')')
        single(Token::Type::kRightParen);
      else if (c == '[')
        single(Token::Type::kLeftBracket);
      else if (c == ']')
        single(Token::Type::kRightBracket);
      else if (c == ',')
        single(Token::Type::kComma);
      else if (c == '=' || c == '!' || c == '<' || c == '>') {
        const bool has_equals = i + 1 < text_.size() && text_[i + 1] == '=';
        token.type = Token::Type::kCompare;
        if (c == '=' && has_equals)
          token.op = CompareOp::kEq;
        else if (c == '!' && has_equals)
          token.op = CompareOp::kNe;
        else if (c == '<')
          token.op = has_equals ? CompareOp::kLe : CompareOp::kLt;
        else if (c == '>')
          token.op = has_equals ? CompareOp::kGe : CompareOp::kGt;
        else if (c == '=')
          return failAt(i, "use '==' to compare, not '='");
        else
          return failAt(i, "use 'not' instead of '!'");
        i += has_equals ? 2 : 1;
      } else if (c == '&' || c == '|') {
        return failAt(
            i, std::string("use '") + (c == '&' ? "and" : "or") + "' instead of '" + c + "'");
      } else if (c == '"') {
        std::string value;
        ++i;
        while (true) {
          if (i == text_.size()) return failAt(start, "unterminated string (missing closing \")");
          const char d = text_[i++];
          if (d == '"') break;
          if (d != '\\') {
            value.push_back(d);
            continue;
          }
          if (i == text_.size()) return failAt(start, "unterminated string (missing closing \")");
          const char escaped = text_[i++];
          if (escaped == '"' || escaped == '\\')
            value.push_back(escaped);
          else if (escaped == 'n')
            value.push_back('\n');
          else if (escaped == 't')
            value.push_back('\t');
          else
            return failAt(i - 2, std::string("unknown escape '\\") + escaped + "' in string");
        }
        token.type = Token::Type::kLiteral;
        token.literal = Value(std::move(value));
      } else if (isDigit(c) || (c == '-' && i + 1 < text_.size() && isDigit(text_[i + 1])) ||
                 (c == '.' && i + 1 < text_.size() && isDigit(text_[i + 1]))) {
        ++i;
        while (i < text_.size() && (isDigit(text_[i]) || text_[i] == '.')) ++i;
        if (i < text_.size() && isIdentifierChar(text_[i])) {
          return failAt(i, "unexpected '" + std::string(1, text_[i]) + "' in number");
        }
        Decimal number;
        std::string why;
        if (!Decimal::parse(text_.substr(start, i - start), number, &why)) {
          return failAt(start, "invalid number: " + why);
        }
        token.type = Token::Type::kLiteral;
        if (number.scale() == 0)
          token.literal = Value(number.units());
        else
          token.literal = Value(number);
      } else if (isIdentifierStart(c)) {
        while (i < text_.size() && isIdentifierChar(text_[i])) ++i;
        const std::string_view word = text_.substr(start, i - start);
        token.type = Token::Type::kIdentifier;
        if (word == "and")
          token.type = Token::Type::kAnd;
        else if (word == "or")
          token.type = Token::Type::kOr;
        else if (word == "not")
          token.type = Token::Type::kNot;
        else if (word == "in")
          token.type = Token::Type::kIn;
        else if (word == "true" || word == "false") {
          token.type = Token::Type::kLiteral;
          token.literal = Value(word == "true");
        } else if (word == "null") {
          token.type = Token::Type::kLiteral;
        }
      } else {
        return failAt(i, "unexpected character '" + std::string(1, c) + "'");
      }
      token.text = std::string(text_.substr(start, i - start));
      tokens_.push_back(std::move(token));
    }
  }

  const Token& peek() const { return tokens_[position_]; }
  const Token& next() {
    const Token& token = tokens_[position_];
    if (token.type != Token::Type::kEnd) ++position_;
    return token;
  }

  std::unique_ptr<Node> binary(Node::Kind kind, std::unique_ptr<Node> left,
                               std::unique_ptr<Node> right) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }

  std::unique_ptr<Node> parseOr(int depth) {
    if (depth > kMaxDepth) return fail(peek(), "the expression is nested too deeply");
    auto left = parseAnd(depth);
    while (left && peek().type == Token::Type::kOr) {
      next();
      auto right = parseAnd(depth);
      if (!right) return nullptr;
      left = binary(Node::Kind::kOr, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Node> parseAnd(int depth) {
    auto left = parseNot(depth);
    while (left && peek().type == Token::Type::kAnd) {
      next();
      auto right = parseNot(depth);
      if (!right) return nullptr;
      left = binary(Node::Kind::kAnd, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Node> parseNot(int depth) {
    if (peek().type != Token::Type::kNot) return parseTest(depth);
    if (depth > kMaxDepth) return fail(peek(), "the expression is nested too deeply");
    next();
    auto operand = parseNot(depth + 1);
    if (!operand) return nullptr;
    return binary(Node::Kind::kNot, std::move(operand), nullptr);
  }

  bool parseOperand(Operand& operand, const std::string& context) {
    const Token& token = peek();
    if (token.type == Token::Type::kIdentifier) {
      operand.is_field = true;
      operand.field = token.text;
    } else if (token.type == Token::Type::kLiteral) {
      operand.literal = token.literal;
    } else {
      fail(token, "expected a field name, string, number, true, false or null " + context +
                      ", found " + describe(token));
      return false;
    }
    next();
    return true;
  }

  std::unique_ptr<Node> parseTest(int depth) {
    if (peek().type == Token::Type::kLeftParen) {
      const Token& open = next();
      auto inner = parseOr(depth + 1);
      if (!inner) return nullptr;
      if (peek().type != Token::Type::kRightParen) {
        return fail(peek(), "expected ')' to close the '(' at column " +
                                std::to_string(open.column) + ", found " + describe(peek()));
      }
      next();
      return inner;
    }
    auto node = std::make_unique<Node>();
    if (!parseOperand(node->first, position_ > 0 ? "after '" + tokens_[position_ - 1].text + "'"
                                                 : std::string("at the start"))) {
      return nullptr;
    }
    const Token& token = peek();
    if (token.type == Token::Type::kCompare) {
      next();
      node->kind = Node::Kind::kCompare;
      node->op = token.op;
      if (!parseOperand(node->second, "after '" + token.text + "'")) return nullptr;
      return node;
    }
    if (token.type == Token::Type::kNot && position_ + 1 < tokens_.size() &&
        tokens_[position_ + 1].type == Token::Type::kIn) {
      next();
      node->negated = true;
    }
    if (peek().type == Token::Type::kIn) {
      next();
      node->kind = Node::Kind::kIn;
      if (peek().type != Token::Type::kLeftBracket) {
        return fail(peek(), "expected '[' after 'in', found " + describe(peek()));
      }
      next();
      if (peek().type == Token::Type::kRightBracket) {
        next();
        return node;
      }
      while (true) {
        if (peek().type != Token::Type::kLiteral) {
          return fail(peek(),
                      "expected a string, number, true, false or null in the 'in' list, "
                      "found " +
                          describe(peek()));
        }
        node->list.push_back(next().literal);
        if (peek().type == Token::Type::kComma) {
          next();
          continue;
        }
        if (peek().type == Token::Type::kRightBracket) {
          next();
          return node;
        }
        return fail(peek(), "expected ',' or ']' in the 'in' list, found " + describe(peek()));
      }
    }
    node->kind = Node::Kind::kTruthy;
    return node;
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t position_ = 0;
  std::string error_;
  size_t column_ = 0;
};

}  // namespace

FilterExpression::FilterExpression() = default;
FilterExpression::~FilterExpression() = default;
FilterExpression::FilterExpression(FilterExpression&&) noexcept = default;
FilterExpression& FilterExpression::operator=(FilterExpression&&) noexcept = default;

bool FilterExpression::parse(std::string_view text, FilterExpression& out, std::string& error,
                             size_t& column) {
  Parser parser(text);
  std::unique_ptr<Node> root;
  if (!parser.run(root, error, column)) return false;
  out.root_ = std::move(root);
  return true;
}

bool FilterExpression::matches(const Record& record) const {
  return root_ && root_->evaluate(record);
}

}  // namespace plugins
}  // namespace kalshi_direct
