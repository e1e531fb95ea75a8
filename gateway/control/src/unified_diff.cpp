// A small unified line diff (LCS over lines) for `edgegwctl config diff`. Config documents are a
// few hundred lines at most, so the quadratic table is fine; bigger inputs fall back to
// "replace everything" instead of using unbounded memory.
#include <sstream>
#include <vector>

#include "edgegw/control/control_api.hpp"

namespace edgegw::control {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

struct Edit {
  char op;  // ' ', '-', '+'
  size_t a, b;  // line index in before / after (the one that applies)
};

std::vector<Edit> diff_lines(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  constexpr size_t kMaxCells = 4'000'000;
  std::vector<Edit> edits;
  if ((a.size() + 1) * (b.size() + 1) > kMaxCells) {
    for (size_t i = 0; i < a.size(); ++i) edits.push_back({'-', i, 0});
    for (size_t j = 0; j < b.size(); ++j) edits.push_back({'+', a.size(), j});
    return edits;
  }
  // lcs[i][j] = LCS length of a[i..], b[j..]
  std::vector<std::vector<uint32_t>> lcs(a.size() + 1, std::vector<uint32_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      edits.push_back({' ', i++, j++});
    } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
      edits.push_back({'-', i++, j});  // removals first, as diff -u prints them
    } else {
      edits.push_back({'+', i, j++});
    }
  }
  return edits;
}

}  // namespace

std::string unified_diff(const std::string& before, const std::string& after, const std::string& before_name,
                         const std::string& after_name) {
  if (before == after) return {};
  std::vector<std::string> a = split_lines(before), b = split_lines(after);
  std::vector<Edit> edits = diff_lines(a, b);
  constexpr size_t kContext = 3;
  std::ostringstream out;
  out << "--- " << before_name << "\n+++ " << after_name << "\n";
  size_t k = 0;
  while (k < edits.size()) {
    while (k < edits.size() && edits[k].op == ' ') ++k;
    if (k == edits.size()) break;
    size_t start = k >= kContext ? k - kContext : 0;
    // Extend the hunk while the next change is within 2*context unchanged lines.
    size_t end = k;
    while (end < edits.size()) {
      if (edits[end].op != ' ') {
        ++end;
        continue;
      }
      size_t run = end;
      while (run < edits.size() && edits[run].op == ' ') ++run;
      if (run == edits.size() || run - end > 2 * kContext) {
        end = std::min(end + kContext, edits.size());
        break;
      }
      end = run;
    }
    size_t a_start = edits[start].a, b_start = edits[start].b, a_len = 0, b_len = 0;
    for (size_t e = start; e < end; ++e) {
      if (edits[e].op != '+') ++a_len;
      if (edits[e].op != '-') ++b_len;
    }
    out << "@@ -" << (a_len ? a_start + 1 : a_start) << "," << a_len << " +" << (b_len ? b_start + 1 : b_start)
        << "," << b_len << " @@\n";
    for (size_t e = start; e < end; ++e) {
      const std::string& line = edits[e].op == '+' ? b[edits[e].b] : a[edits[e].a];
      out << edits[e].op << line << "\n";
    }
    k = end;
  }
  return out.str();
}

}  // namespace edgegw::control
