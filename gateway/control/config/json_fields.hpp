// Reading typed fields out of JSON objects, reporting wrong types, ranges, missing and unknown fields.
// Internal to edgegw_config. Every reader reports at most one issue about the value it reads.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config_issues.hpp"
#include "json_document.hpp"

namespace edgegw::control::detail {

// A member of an object as found (or not) in the document.
struct Field {
  const Json* value = nullptr;  // nullptr when the member is absent
  Location at;                  // the member's place; the object's place when absent
};

// One JSON object read against the fields its schema allows. Construction reports every member
// that is not one of `fields` as "unknown field".
class ObjectReader {
 public:
  ObjectReader(const Json& object, Location at, std::initializer_list<std::string_view> fields,
               IssueList& issues);

  Field optional(std::string_view name) const;
  // Like optional(), and reports "missing required field '<name>'" at the object when absent.
  Field required(std::string_view name) const;
  // Reports at the object that `name` is missing, with the reason it is needed (", needed for ...").
  void report_missing(std::string_view name, std::string_view reason = {}) const;

  const Location& at() const { return at_; }

 private:
  const Json& object_;
  Location at_;
  IssueList& issues_;
};

// Each returns the value, or nothing after reporting a wrong type or range (or when absent).
std::optional<std::string> read_string(const Field& field, IssueList& issues);
std::optional<bool> read_bool(const Field& field, IssueList& issues);
// Integers also accept a number with a zero fraction (1500.0), as JSON Schema's "integer" does.
std::optional<uint64_t> read_integer(const Field& field, uint64_t min, uint64_t max, IssueList& issues);
const Json* read_array(const Field& field, IssueList& issues);
const Json* read_object(const Field& field, IssueList& issues);

// "must be one of 'a', 'b', got 'c'": the message for a string outside an enumeration.
std::string one_of_message(const std::vector<std::string_view>& accepted, std::string_view got);

// Length in Unicode code points of UTF-8 text (the parser has already checked it is valid UTF-8),
// which is what JSON Schema's maxLength counts.
size_t code_point_count(std::string_view text);

}  // namespace edgegw::control::detail
