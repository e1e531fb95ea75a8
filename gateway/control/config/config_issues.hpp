// Where a value sits in the document (JSON pointer and document position) and the issues found so far.
// Internal to edgegw_config.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgegw/control/config_parse.hpp"

namespace edgegw::control::detail {

// At most this many issues are reported; a document that is wrong everywhere gets a last issue
// saying how many more there were, so a reply on MQTT or HTTP stays small.
inline constexpr size_t kMaxReportedIssues = 100;

// One RFC 6901 reference token: '~' becomes "~0" and '/' becomes "~1".
std::string escape_pointer_token(std::string_view key);

// A user-supplied string inside a message: single-quoted, quotes, backslashes and control characters
// escaped, and cut at 64 bytes (on a UTF-8 boundary) so one huge value cannot flood a report.
std::string quote_text(std::string_view text);

// The place of a value: its pointer, and the position of every step on the way to it (member index
// within its object, element index within its array). Comparing positions orders places as they
// appear in the document, whichever order the validator visits them in.
struct Location {
  std::string pointer;          // "" for the root
  std::vector<uint32_t> order;  // one position per pointer token

  Location member(std::string_view key, size_t position) const;
  Location element(size_t index) const;
};

class IssueList {
 public:
  void add(const Location& at, std::string message);
  void append(IssueList&& other);
  bool empty() const { return entries_.empty(); }

  // The issues in document order. Issues about one place keep the order they were found in, and an
  // issue about an object (a missing field) comes before the issues inside it.
  std::vector<ConfigIssue> take_in_document_order();

 private:
  struct Entry {
    std::vector<uint32_t> order;
    ConfigIssue issue;
  };
  std::vector<Entry> entries_;
};

}  // namespace edgegw::control::detail
