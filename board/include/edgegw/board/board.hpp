// Board descriptors: what one kind of appliance offers (cores, memory, data-plane defaults).
// Loaded from board/boards/<name>.json; the bootstrap config names the board.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgegw::board {

struct DataplaneDefaults {
  std::string lcores;       // EAL --lcores for main + worker
  unsigned memory_mb = 512;
  bool no_huge = true;      // boxes that reserve no hugepages at boot
  bool no_pci = true;       // boxes whose ports are all virtual devices
};

// What the board sets aside for guests; the gateway refuses guests beyond it (admission control).
struct GuestResources {
  unsigned memory_mb = 0;  // all guests' memory together
  unsigned vcpus = 0;      // all guests' vCPUs together (may exceed the CPUs: vCPUs time-share)
  // Host CPUs guest threads run on. Default: every CPU of the board that no data-plane worker lcore
  // is pinned to alone (an lcore whose CPU set is one CPU owns it); all CPUs when none is left.
  std::vector<unsigned> cpus;
};

struct BoardDescriptor {
  std::string name;         // file stem, e.g. "generic-x86_64"
  std::string model;        // human readable
  std::string arch;         // x86_64 | aarch64
  unsigned cpus = 0;
  unsigned ram_mb = 0;
  DataplaneDefaults dataplane;
  GuestResources guests;  // `guests` in the descriptor; default: half the RAM, 2 vCPUs per CPU
};

struct BoardLoad {
  std::optional<BoardDescriptor> board;
  std::string error;  // "<pointer>: <message>" when board is empty
};

// Parses one descriptor document; `name` becomes BoardDescriptor::name.
BoardLoad parse_board(std::string_view json_text, std::string name);

// Loads `<dir>/<name>.json`, or `name` itself when it is a path to a .json file.
BoardLoad load_board(const std::string& dir, const std::string& name);

}  // namespace edgegw::board
