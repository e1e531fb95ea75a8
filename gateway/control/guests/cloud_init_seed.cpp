// A guest's cloud-init NoCloud seed: meta-data, user-data and network-config in <guest dir>/seed,
// which QEMU presents to the guest as a FAT volume labelled "cidata".
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "edgegw/control/qemu_launch.hpp"

namespace edgegw::control {
namespace {

// A YAML double-quoted scalar: everything escaped that YAML (or a key's comment) could read otherwise.
std::string yaml_quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Replaces `path` in one rename, so a guest booting meanwhile never reads half a file.
Result<void> write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) return make_error(Errc::io, "cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return make_error(Errc::io, "cannot rename " + tmp + ": " + ec.message());
  return {};
}

}  // namespace

Result<void> write_cloud_init_seed(const GuestConfig& guest, const GuestFiles& files) {
  if (!guest.cloud_init) return {};
  const GuestCloudInitConfig& ci = *guest.cloud_init;
  const std::string dir = files.seed_dir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::io, "cannot create " + dir + ": " + ec.message());
  const std::string hostname = ci.hostname.empty() ? guest.name : ci.hostname;
  const std::vector<MacAddress> macs = guest_macs(guest);

  std::string user_data = "#cloud-config\n";
  user_data += "hostname: " + yaml_quoted(hostname) + "\n";
  if (!ci.user.empty()) {
    user_data += "users:\n  - name: " + yaml_quoted(ci.user) + "\n";
    user_data += "    shell: /bin/sh\n    sudo: " + yaml_quoted("ALL=(ALL) NOPASSWD:ALL") + "\n";
    if (!ci.password_hash.empty()) {
      user_data += "    lock_passwd: false\n    passwd: " + yaml_quoted(ci.password_hash) + "\n";
    }
    if (!ci.ssh_authorized_keys.empty()) {
      user_data += "    ssh_authorized_keys:\n";
      for (const std::string& k : ci.ssh_authorized_keys) user_data += "      - " + yaml_quoted(k) + "\n";
    }
  } else if (!ci.ssh_authorized_keys.empty()) {
    user_data += "ssh_authorized_keys:\n";
    for (const std::string& k : ci.ssh_authorized_keys) user_data += "  - " + yaml_quoted(k) + "\n";
  }

  std::string network;
  if (ci.network_dhcp && !macs.empty()) {
    network = "version: 2\nethernets:\n";
    for (size_t i = 0; i < macs.size(); ++i) {
      network += "  nic" + std::to_string(i) + ":\n    match:\n      macaddress: " + yaml_quoted(format_mac(macs[i])) +
                 "\n    set-name: eth" + std::to_string(i) + "\n    dhcp4: true\n";
    }
  }

  // A new instance id whenever the seed changes, so cloud-init applies it again on the next boot.
  // FNV-1a: stable across builds, so a gateway update does not make cloud-init run again.
  uint64_t digest = 1469598103934665603ull;
  for (unsigned char c : user_data + "\n--\n" + network) digest = (digest ^ c) * 1099511628211ull;
  char id[32];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(digest));
  const std::string meta = "instance-id: " + yaml_quoted(guest.name + "-" + id) + "\nlocal-hostname: " +
                           yaml_quoted(hostname) + "\n";

  if (auto r = write_atomically(dir + "/meta-data", meta); !r) return r;
  if (auto r = write_atomically(dir + "/user-data", user_data); !r) return r;
  if (network.empty()) {
    std::filesystem::remove(dir + "/network-config", ec);
  } else if (auto r = write_atomically(dir + "/network-config", network); !r) {
    return r;
  }
  return {};
}

}  // namespace edgegw::control
