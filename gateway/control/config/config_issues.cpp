// Issue bookkeeping for the config parser: pointer escaping, quoting of user strings, document order.
#include "config_issues.hpp"

#include <algorithm>
#include <cstdio>

namespace edgegw::control::detail {
namespace {

constexpr size_t kMaxQuotedBytes = 64;

// A byte that starts a UTF-8 sequence (or is ASCII), so cutting before it keeps the text valid.
bool starts_code_point(unsigned char c) { return (c & 0xc0) != 0x80; }

}  // namespace

std::string escape_pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string quote_text(std::string_view text) {
  bool cut = false;
  if (text.size() > kMaxQuotedBytes) {
    size_t end = kMaxQuotedBytes;
    while (end > 0 && !starts_code_point(static_cast<unsigned char>(text[end]))) --end;
    text = text.substr(0, end);
    cut = true;
  }
  std::string out = "'";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += cut ? "...'" : "'";
  return out;
}

Location Location::member(std::string_view key, size_t position) const {
  Location child{pointer + '/' + escape_pointer_token(key), order};
  child.order.push_back(static_cast<uint32_t>(position));
  return child;
}

Location Location::element(size_t index) const {
  Location child{pointer + '/' + std::to_string(index), order};
  child.order.push_back(static_cast<uint32_t>(index));
  return child;
}

void IssueList::add(const Location& at, std::string message) {
  entries_.push_back(Entry{at.order, ConfigIssue{at.pointer, std::move(message)}});
}

void IssueList::append(IssueList&& other) {
  for (Entry& entry : other.entries_) entries_.push_back(std::move(entry));
  other.entries_.clear();
}

std::vector<ConfigIssue> IssueList::take_in_document_order() {
  // Lexicographic order of positions is document order, and a prefix (an object) sorts before
  // everything inside it.
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.order < b.order; });
  std::vector<ConfigIssue> out;
  const size_t kept = std::min(entries_.size(), kMaxReportedIssues);
  out.reserve(kept + 1);
  for (size_t i = 0; i < kept; ++i) out.push_back(std::move(entries_[i].issue));
  if (entries_.size() > kept) {
    out.push_back(ConfigIssue{"", "too many issues: " + std::to_string(entries_.size() - kept) +
                                      " more after the first " + std::to_string(kept) + " are not reported"});
  }
  entries_.clear();
  return out;
}

}  // namespace edgegw::control::detail
