// The config document reader: nlohmann's SAX parser driving our own tree builder, which enforces
// the size, depth and member limits while parsing and records where duplicate member names occur.
#include "json_document.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace edgegw::control::detail {
namespace {

constexpr size_t kMaxSyntaxDetailBytes = 160;

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 5: "
// prefix and without the "; last read: '...'" echo of the input (which can be as long as the input).
std::string syntax_detail(const std::string& what) {
  std::string detail = what;
  if (const size_t id_end = detail.find("] "); detail.starts_with("[json.exception.") && id_end != std::string::npos) {
    detail.erase(0, id_end + 2);
  }
  if (detail.starts_with("parse error")) {
    if (const size_t colon = detail.find(": "); colon != std::string::npos) detail.erase(0, colon + 2);
  }
  if (const size_t echo = detail.find("; last read: '"); echo != std::string::npos) {
    // The echo is followed by nothing or by "; expected <token kind>", which has no quote in it.
    const size_t expected = detail.rfind("'; expected ");
    std::string tail = expected != std::string::npos && expected > echo ? detail.substr(expected + 1) : "";
    detail = detail.substr(0, echo) + tail;
  }
  if (detail.size() > kMaxSyntaxDetailBytes) detail = detail.substr(0, kMaxSyntaxDetailBytes) + "...";
  return detail;
}

// Builds the tree from SAX events (the interface nlohmann::json::sax_parse expects). Returning false
// from an event stops the parser; then failure_at() and failure_message() say why.
class DocumentBuilder {
 public:
  explicit DocumentBuilder(std::string_view text) : text_(text) {}

  bool null() { return add(Json(nullptr)); }
  bool boolean(bool value) { return add(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return add(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return add(Json(value)); }
  bool number_float(Json::number_float_t value, const Json::string_t& /*text*/) { return add(Json(value)); }
  bool string(Json::string_t& value) { return add(Json(std::move(value))); }
  bool binary(Json::binary_t& /*value*/) { return fail({}, "binary values are not JSON"); }
  bool start_object(size_t /*size*/) { return open(Json::object()); }
  bool start_array(size_t /*size*/) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(Json::string_t& name);
  bool parse_error(size_t position, const std::string& /*last_token*/, const nlohmann::detail::exception& error);

  Json& root() { return root_; }
  bool failed() const { return failed_; }
  const Location& failure_at() const { return failure_at_; }
  const std::string& failure_message() const { return failure_message_; }
  IssueList& duplicates() { return duplicates_; }

 private:
  struct Frame {
    Json* container;
    Location at;
  };
  struct Slot {
    Json* value;
    Location at;
  };

  Slot next_slot();
  bool add(Json value);
  bool open(Json empty);
  bool close();
  bool fail(const Location& at, std::string message);

  std::string_view text_;
  Json root_;
  std::vector<Frame> frames_;   // the open containers, outermost first
  Slot member_slot_{nullptr, {}};  // set by key(): where the member's value goes
  IssueList duplicates_;
  bool failed_ = false;
  Location failure_at_;
  std::string failure_message_;
};

DocumentBuilder::Slot DocumentBuilder::next_slot() {
  if (frames_.empty()) return {&root_, {}};
  Frame& top = frames_.back();
  if (top.container->is_array()) {
    const size_t index = top.container->size();
    top.container->push_back(Json());
    return {&top.container->back(), top.at.element(index)};
  }
  return std::exchange(member_slot_, Slot{nullptr, {}});
}

bool DocumentBuilder::add(Json value) {
  Slot slot = next_slot();
  *slot.value = std::move(value);
  return true;
}

bool DocumentBuilder::open(Json empty) {
  Slot slot = next_slot();
  if (frames_.size() >= kMaxNestingDepth) {
    return fail(slot.at, "too deeply nested: at most " + std::to_string(kMaxNestingDepth) +
                             " levels of arrays and objects are allowed");
  }
  *slot.value = std::move(empty);
  frames_.push_back(Frame{slot.value, std::move(slot.at)});
  return true;
}

bool DocumentBuilder::close() {
  frames_.pop_back();
  return true;
}

bool DocumentBuilder::key(Json::string_t& name) {
  Frame& top = frames_.back();
  Json& object = *top.container;
  // A linear search, bounded by kMaxObjectMembers.
  if (auto it = object.find(name); it != object.end()) {
    const auto position = static_cast<size_t>(std::distance(object.begin(), it));
    Location at = top.at.member(name, position);
    duplicates_.add(at, "duplicate field: a field may appear only once in an object");
    member_slot_ = Slot{&it.value(), std::move(at)};
    return true;
  }
  if (object.size() >= kMaxObjectMembers) {
    return fail(top.at, "too many fields: an object may have at most " + std::to_string(kMaxObjectMembers));
  }
  const size_t position = object.size();
  Location at = top.at.member(name, position);
  member_slot_ = Slot{&object[name], std::move(at)};
  return true;
}

bool DocumentBuilder::parse_error(size_t position, const std::string& /*last_token*/,
                                  const nlohmann::detail::exception& error) {
  // Line and column the way nlohmann counts them: 1-based line, column of the last byte read.
  const std::string_view read = text_.substr(0, std::min(position, text_.size()));
  const size_t line = 1 + static_cast<size_t>(std::count(read.begin(), read.end(), '\n'));
  const size_t line_start = read.rfind('\n');
  const size_t column = line_start == std::string_view::npos ? position : position - line_start - 1;
  return fail({}, "invalid JSON at line " + std::to_string(line) + " column " + std::to_string(column) + ": " +
                      syntax_detail(error.what()));
}

bool DocumentBuilder::fail(const Location& at, std::string message) {
  failed_ = true;
  failure_at_ = at;
  failure_message_ = std::move(message);
  return false;
}

}  // namespace

std::optional<Json> read_json_document(std::string_view text, IssueList& issues) {
  if (text.size() > kMaxConfigBytes) {
    issues.add({}, "document is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                       std::to_string(kMaxConfigBytes) + " bytes (1 MiB)");
    return std::nullopt;
  }
  DocumentBuilder builder(text);
  const bool parsed = Json::sax_parse(text.data(), text.data() + text.size(), &builder,
                                      nlohmann::json::input_format_t::json, /*strict=*/true,
                                      /*ignore_comments=*/false);
  if (builder.failed()) {
    issues.add(builder.failure_at(), builder.failure_message());
    return std::nullopt;
  }
  if (!parsed) {
    // sax_parse reports every error through parse_error(); this is only a guard.
    issues.add({}, "invalid JSON: the parser stopped without saying why");
    return std::nullopt;
  }
  issues.append(std::move(builder.duplicates()));
  return std::move(builder.root());
}

const char* json_type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "number";
    case Json::value_t::string: return "string";
    case Json::value_t::array: return "array";
    case Json::value_t::object: return "object";
    case Json::value_t::binary: return "binary";
    case Json::value_t::discarded: return "discarded";
  }
  return "unknown";
}

}  // namespace edgegw::control::detail
