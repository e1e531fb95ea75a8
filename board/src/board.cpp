// Board descriptor parsing. Strict: unknown fields and wrong types are errors naming the field.
#include "edgegw/board/board.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace edgegw::board {
namespace {

using nlohmann::json;

struct Reader {
  std::string error;

  bool fail(const std::string& pointer, const std::string& message) {
    if (error.empty()) error = pointer + ": " + message;
    return false;
  }

  bool only_fields(const json& obj, const std::string& pointer, const std::set<std::string>& allowed) {
    for (const auto& [key, _] : obj.items()) {
      if (!allowed.count(key)) return fail(pointer + "/" + key, "unknown field");
    }
    return true;
  }

  bool string_field(const json& obj, const std::string& pointer, const char* key, std::string* out,
                    bool required) {
    auto it = obj.find(key);
    if (it == obj.end()) return required ? fail(pointer + "/" + key, "is required") : true;
    if (!it->is_string()) return fail(pointer + "/" + key, "must be a string");
    *out = it->get<std::string>();
    return true;
  }

  bool uint_field(const json& obj, const std::string& pointer, const char* key, unsigned* out,
                  unsigned lo, unsigned hi) {
    auto it = obj.find(key);
    if (it == obj.end()) return true;
    if (!it->is_number_unsigned() || it->get<uint64_t>() < lo || it->get<uint64_t>() > hi) {
      return fail(pointer + "/" + key,
                  "must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi));
    }
    *out = static_cast<unsigned>(it->get<uint64_t>());
    return true;
  }

  bool bool_field(const json& obj, const std::string& pointer, const char* key, bool* out) {
    auto it = obj.find(key);
    if (it == obj.end()) return true;
    if (!it->is_boolean()) return fail(pointer + "/" + key, "must be a boolean");
    *out = it->get<bool>();
    return true;
  }
};

// The CPUs of "a-b,c" (a set without its parentheses); empty when it does not parse.
std::vector<unsigned> cpu_list(const std::string& text) {
  std::vector<unsigned> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    unsigned first = 0, last = 0;
    char dash = 0;
    std::stringstream ps(part);
    if (!(ps >> first)) return {};
    last = first;
    if (ps >> dash) {
      if (dash != '-' || !(ps >> last) || last < first || last - first > 4096) return {};
    }
    for (unsigned c = first; c <= last; ++c) out.push_back(c);
  }
  return out;
}

// CPUs a data-plane worker owns alone: the single CPU of each worker entry (not the first, which is
// the main lcore) of an EAL --lcores string such as "0@(0-1),1@1" or "0,1".
std::set<unsigned> dedicated_worker_cpus(const std::string& lcores) {
  std::vector<std::string> entries;
  std::string current;
  int depth = 0;
  for (char c : lcores) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      entries.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) entries.push_back(current);
  std::set<unsigned> out;
  for (size_t i = 1; i < entries.size(); ++i) {
    const std::string& e = entries[i];
    const size_t at = e.find('@');
    std::string set = at == std::string::npos ? e : e.substr(at + 1);
    if (!set.empty() && set.front() == '(' && set.back() == ')') set = set.substr(1, set.size() - 2);
    std::vector<unsigned> cpus = cpu_list(set);
    if (cpus.size() == 1) out.insert(cpus.front());
  }
  return out;
}

}  // namespace

BoardLoad parse_board(std::string_view json_text, std::string name) {
  BoardLoad out;
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    out.error = ": board descriptor must be a JSON object";
    return out;
  }
  Reader r;
  BoardDescriptor b;
  b.name = std::move(name);
  bool ok = r.only_fields(doc, "", {"model", "arch", "cpus", "ram_mb", "dataplane", "guests"}) &&
            r.string_field(doc, "", "model", &b.model, true) &&
            r.string_field(doc, "", "arch", &b.arch, true) &&
            r.uint_field(doc, "", "cpus", &b.cpus, 1, 1024) &&
            r.uint_field(doc, "", "ram_mb", &b.ram_mb, 64, 1u << 24);
  if (ok && b.arch != "x86_64" && b.arch != "aarch64") ok = r.fail("/arch", "must be x86_64 or aarch64");
  if (ok && doc.contains("dataplane")) {
    const json& dp = doc["dataplane"];
    if (!dp.is_object()) {
      ok = r.fail("/dataplane", "must be an object");
    } else {
      ok = r.only_fields(dp, "/dataplane", {"lcores", "memory_mb", "no_huge", "no_pci"}) &&
           r.string_field(dp, "/dataplane", "lcores", &b.dataplane.lcores, false) &&
           r.uint_field(dp, "/dataplane", "memory_mb", &b.dataplane.memory_mb, 64, 1u << 20) &&
           r.bool_field(dp, "/dataplane", "no_huge", &b.dataplane.no_huge) &&
           r.bool_field(dp, "/dataplane", "no_pci", &b.dataplane.no_pci);
    }
  }
  // Guests: half the RAM and two vCPUs per CPU unless the descriptor says, on the CPUs no worker owns.
  b.guests.memory_mb = b.ram_mb / 2;
  b.guests.vcpus = 2 * b.cpus;
  const std::set<unsigned> dedicated = dedicated_worker_cpus(b.dataplane.lcores);
  for (unsigned c = 0; c < b.cpus; ++c) {
    if (!dedicated.count(c)) b.guests.cpus.push_back(c);
  }
  if (b.guests.cpus.empty()) {
    for (unsigned c = 0; c < b.cpus; ++c) b.guests.cpus.push_back(c);
  }
  if (ok && doc.contains("guests")) {
    const json& g = doc["guests"];
    if (!g.is_object()) {
      ok = r.fail("/guests", "must be an object");
    } else {
      ok = r.only_fields(g, "/guests", {"memory_mb", "vcpus", "cpus"}) &&
           r.uint_field(g, "/guests", "memory_mb", &b.guests.memory_mb, 0, b.ram_mb) &&
           r.uint_field(g, "/guests", "vcpus", &b.guests.vcpus, 1, 1024);
      if (ok && g.contains("cpus")) {
        const json& cpus = g["cpus"];
        if (!cpus.is_array()) ok = r.fail("/guests/cpus", "must be an array of CPU numbers");
        std::vector<unsigned> list;
        for (size_t i = 0; ok && i < cpus.size(); ++i) {
          if (!cpus[i].is_number_unsigned() || cpus[i].get<uint64_t>() >= b.cpus) {
            ok = r.fail("/guests/cpus/" + std::to_string(i),
                        "must be a CPU of the board, 0 to " + std::to_string(b.cpus - 1));
          } else {
            list.push_back(static_cast<unsigned>(cpus[i].get<uint64_t>()));
          }
        }
        if (ok) b.guests.cpus = list;
      }
    }
  }
  if (!ok) {
    out.error = r.error;
    return out;
  }
  out.board = std::move(b);
  return out;
}

BoardLoad load_board(const std::string& dir, const std::string& name) {
  bool is_path = name.find('/') != std::string::npos;
  std::string path = is_path ? name : dir + "/" + name + ".json";
  std::ifstream in(path);
  if (!in) {
    BoardLoad out;
    out.error = ": cannot read board descriptor " + path;
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string stem = name;
  if (is_path) {
    stem = path.substr(path.rfind('/') + 1);
    if (stem.size() > 5 && stem.ends_with(".json")) stem.resize(stem.size() - 5);
  }
  return parse_board(ss.str(), stem);
}

}  // namespace edgegw::board
