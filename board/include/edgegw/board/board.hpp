// Board descriptors: what one kind of appliance offers (cores, memory, data-plane defaults).
// Loaded from board/boards/<name>.json; the bootstrap config names the board.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace edgegw::board {

struct DataplaneDefaults {
  std::string lcores;       // EAL --lcores for main + worker
  unsigned memory_mb = 512;
  bool no_huge = true;      // boxes that reserve no hugepages at boot
  bool no_pci = true;       // boxes whose ports are all virtual devices
};

struct BoardDescriptor {
  std::string name;         // file stem, e.g. "generic-x86_64"
  std::string model;        // human readable
  std::string arch;         // x86_64 | aarch64
  unsigned cpus = 0;
  unsigned ram_mb = 0;
  DataplaneDefaults dataplane;
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
