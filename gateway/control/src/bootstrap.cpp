// Bootstrap config loading: defaults < board descriptor < file. Strict about unknown fields so a
// typo in /etc/edgegw/edgegw.json is reported instead of silently ignored.
#include "edgegw/control/bootstrap.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "edgegw/board/board.hpp"

namespace edgegw::control {
namespace {

using nlohmann::json;

Error field_error(const std::string& pointer, const std::string& message) {
  return make_error(Errc::validation, message, pointer);
}

const json* find(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

Result<void> only_fields(const json& obj, const std::string& pointer, const std::set<std::string>& allowed) {
  if (!obj.is_object()) return field_error(pointer, "must be an object");
  for (const auto& [key, _] : obj.items()) {
    if (!allowed.count(key)) return field_error(pointer + "/" + key, "unknown field");
  }
  return {};
}

Result<void> read_string(const json& obj, const std::string& pointer, const char* key, std::string* out) {
  const json* v = find(obj, key);
  if (!v) return {};
  if (!v->is_string()) return field_error(pointer + "/" + key, "must be a string");
  *out = v->get<std::string>();
  return {};
}

Result<void> read_dataplane(const json& dp, dataplane::EalOptions* eal) {
  const std::string p = "/dataplane";
  if (auto r = only_fields(dp, p, {"lcores", "memory_mb", "no_huge", "no_pci", "file_prefix", "eal_extra",
                                   "mbufs", "idle_spins", "idle_sleep_max_us", "max_mtu", "conntrack_entries"});
      !r) {
    return r;
  }
  if (auto r = read_string(dp, p, "lcores", &eal->lcores); !r) return r;
  if (auto r = read_string(dp, p, "file_prefix", &eal->file_prefix); !r) return r;
  struct UintField { const char* key; unsigned* out; unsigned lo, hi; };
  const UintField uints[] = {{"memory_mb", &eal->memory_mb, 64, 1u << 20},
                             {"mbufs", &eal->mbufs, 1023, 1u << 22},
                             {"idle_spins", &eal->idle_spins, 1, 1u << 24},
                             {"idle_sleep_max_us", &eal->idle_sleep_max_us, 1, 100000},
                             {"max_mtu", &eal->max_mtu, 68, 9600},
                             {"conntrack_entries", &eal->conntrack_entries, 1024, 1u << 22}};
  for (const UintField& f : uints) {
    const json* v = find(dp, f.key);
    if (!v) continue;
    if (!v->is_number_unsigned() || v->get<uint64_t>() < f.lo || v->get<uint64_t>() > f.hi) {
      return field_error(p + "/" + f.key, "must be an integer between " + std::to_string(f.lo) + " and " +
                                              std::to_string(f.hi));
    }
    *f.out = static_cast<unsigned>(v->get<uint64_t>());
  }
  for (auto [key, out] : {std::pair{"no_huge", &eal->no_huge}, std::pair{"no_pci", &eal->no_pci}}) {
    const json* v = find(dp, key);
    if (!v) continue;
    if (!v->is_boolean()) return field_error(p + "/" + key, "must be a boolean");
    *out = v->get<bool>();
  }
  if (const json* extra = find(dp, "eal_extra")) {
    if (!extra->is_array()) return field_error(p + "/eal_extra", "must be an array of strings");
    eal->extra.clear();
    for (size_t i = 0; i < extra->size(); ++i) {
      if (!(*extra)[i].is_string()) return field_error(p + "/eal_extra/" + std::to_string(i), "must be a string");
      eal->extra.push_back((*extra)[i].get<std::string>());
    }
  }
  return {};
}

Result<void> read_guests(const json& g, GuestBootstrap* out) {
  const std::string p = "/guests";
  if (auto r = only_fields(g, p, {"qemu", "qemu_img", "accel", "powerdown_timeout_s", "stop_on_exit"}); !r) return r;
  if (auto r = read_string(g, p, "qemu", &out->qemu); !r) return r;
  if (auto r = read_string(g, p, "qemu_img", &out->qemu_img); !r) return r;
  if (auto r = read_string(g, p, "accel", &out->accel); !r) return r;
  if (out->accel != "auto" && out->accel != "kvm" && out->accel != "tcg") {
    return field_error(p + "/accel", "must be auto, kvm or tcg");
  }
  if (out->qemu.empty()) return field_error(p + "/qemu", "must name the QEMU system emulator");
  if (const json* t = find(g, "powerdown_timeout_s")) {
    if (!t->is_number_unsigned() || t->get<uint64_t>() < 1 || t->get<uint64_t>() > 3600) {
      return field_error(p + "/powerdown_timeout_s", "must be an integer between 1 and 3600");
    }
    out->powerdown_timeout_s = t->get<uint32_t>();
  }
  if (const json* s = find(g, "stop_on_exit")) {
    if (!s->is_boolean()) return field_error(p + "/stop_on_exit", "must be a boolean");
    out->stop_on_exit = s->get<bool>();
  }
  return {};
}

}  // namespace

Result<Bootstrap> parse_bootstrap(const std::string& text, const std::string& default_boards_dir) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return field_error("", "bootstrap config is not valid JSON");
  if (auto r = only_fields(doc, "", {"node_id", "board", "boards_dir", "log_level", "management", "state_dir",
                                     "run_dir", "desired_config_file", "dataplane", "guests"});
      !r) {
    return r.error();
  }
  Bootstrap b;
  b.boards_dir = default_boards_dir;
  for (auto [key, out] : {std::pair{"node_id", &b.node_id}, std::pair{"board", &b.board},
                          std::pair{"boards_dir", &b.boards_dir}, std::pair{"state_dir", &b.state_dir},
                          std::pair{"run_dir", &b.run_dir},
                          std::pair{"desired_config_file", &b.desired_config_file}}) {
    if (auto r = read_string(doc, "", key, out); !r) return r.error();
  }
  if (b.node_id.empty() || b.node_id.size() > 64 ||
      b.node_id.find_first_of("/#+ \t") != std::string::npos) {
    return field_error("/node_id", "must be 1..64 characters without '/', '#', '+' or spaces");
  }
  std::string level = "info";
  if (auto r = read_string(doc, "", "log_level", &level); !r) return r.error();
  if (!log::parse_level(level, &b.log_level)) {
    return field_error("/log_level", "must be one of debug, info, warn, error");
  }
  if (const json* m = find(doc, "management")) {
    if (auto r = only_fields(*m, "/management", {"http_listen"}); !r) return r.error();
    if (auto r = read_string(*m, "/management", "http_listen", &b.http_listen); !r) return r.error();
  }

  board::BoardLoad board = board::load_board(b.boards_dir, b.board);
  if (!board.board) return field_error("/board", "board '" + b.board + "' unusable: " + board.error);
  const board::DataplaneDefaults& d = board.board->dataplane;
  b.eal.lcores = d.lcores;
  b.eal.memory_mb = d.memory_mb;
  b.eal.no_huge = d.no_huge;
  b.eal.no_pci = d.no_pci;
  if (const json* dp = find(doc, "dataplane")) {
    if (auto r = read_dataplane(*dp, &b.eal); !r) return r.error();
  }
  const board::GuestResources& gr = board.board->guests;
  b.guests.memory_mb = gr.memory_mb;
  b.guests.vcpus = gr.vcpus;
  b.guests.cpus = gr.cpus;
  if (const json* g = find(doc, "guests")) {
    if (auto r = read_guests(*g, &b.guests); !r) return r.error();
  }
  return b;
}

Result<Bootstrap> load_bootstrap(const std::string& path, const std::string& default_boards_dir) {
  std::ifstream in(path);
  if (!in) return parse_bootstrap("{}", default_boards_dir);  // first boot: defaults
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = parse_bootstrap(ss.str(), default_boards_dir);
  if (!r) {
    Error e = r.error();
    e.message = path + ": " + e.message;
    return e;
  }
  return r;
}

}  // namespace edgegw::control
