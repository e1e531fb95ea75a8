// Guests of a config document: each guest's resources, boot source, disks, NICs (vhost ports),
// cloud-init seed and restart policy. Read after the ports (NICs name them).
#include <cctype>
#include <optional>
#include <string>
#include <tuple>

#include "config_reader.hpp"
#include "config_values.hpp"

namespace edgegw::control::detail {
namespace {

// An absolute path the gateway hands to QEMU: no control characters, no "." or ".." components.
std::optional<std::string> check_image_path(const std::string& path) {
  if (path.empty() || path.front() != '/') return "must be an absolute path";
  if (path.size() > 4096) return "must be at most 4096 characters";
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) return "must not contain control characters";
  }
  size_t start = 1;
  while (start <= path.size()) {
    const size_t end = path.find('/', start);
    const std::string part = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part == "." || part == "..") return "must not contain '.' or '..' components";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return std::nullopt;
}

// RFC 1123 host name: dot-separated labels of 1..63 letters, digits and '-', not starting or ending
// with '-', 253 characters at most.
bool valid_hostname(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label == 0 || label > 63 || name[i - 1] == '-' || name[i - label] == '-') return false;
      label = 0;
      continue;
    }
    const char c = name[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    ++label;
  }
  return true;
}

bool valid_user(const std::string& user) {
  if (user.empty() || user.size() > 32) return false;
  if (!(std::islower(static_cast<unsigned char>(user[0])) || user[0] == '_')) return false;
  for (char c : user) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

// A crypt(3) hash ("$6$salt$hash", "$y$..."): never a password in clear text.
bool looks_like_crypt_hash(const std::string& hash) {
  if (hash.size() < 10 || hash.size() > 512 || hash[0] != '$') return false;
  for (char c : hash) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '$' || c == '.' || c == '/' || c == '=' || c == ',' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

bool valid_ssh_key(const std::string& key) {
  if (key.empty() || key.size() > 8192) return false;
  if (key.rfind("ssh-", 0) != 0 && key.rfind("ecdsa-", 0) != 0 && key.rfind("sk-", 0) != 0) return false;
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

void ConfigReader::read_guests(const Field& field, GatewayConfig& config) {
  const Json* array = read_array(field, issues_);
  if (array == nullptr) return;
  const size_t count = checked_length(*array, kMaxGuests, "guests", field.at);
  FirstSeen names{"guest name"};
  for (size_t i = 0; i < count; ++i) {
    const Location at = field.at.element(i);
    if (!expect_object((*array)[i], at)) continue;
    config.guests.push_back(read_guest((*array)[i], at, names));
  }
}

GuestConfig ConfigReader::read_guest(const Json& json, const Location& at, FirstSeen& names) {
  ObjectReader object(json, at,
                      {"name", "vcpus", "memory_mb", "disks", "kernel", "nics", "cloud_init", "autostart", "restart",
                       "cpus"},
                      issues_);
  GuestConfig guest;
  const Field name = object.required("name");
  if (auto text = read_string(name, issues_)) {
    if (auto checked = check_object_name(*text); !checked) {
      issues_.add(name.at, checked.error().message);
    } else {
      names.add(*text, name.at, issues_);
    }
    guest.name = *text;
  }
  if (auto v = read_integer(object.optional("vcpus"), 1, 64, issues_)) guest.vcpus = static_cast<uint16_t>(*v);
  if (auto v = read_integer(object.optional("memory_mb"), 64, 1048576, issues_)) {
    guest.memory_mb = static_cast<uint32_t>(*v);
  }

  const Field disks = object.optional("disks");
  if (const Json* list = read_array(disks, issues_)) {
    const size_t n = checked_length(*list, kMaxGuestDisks, "disks", disks.at);
    for (size_t d = 0; d < n; ++d) {
      const Location disk_at = disks.at.element(d);
      if (!expect_object((*list)[d], disk_at)) continue;
      ObjectReader disk_object((*list)[d], disk_at, {"image", "format", "overlay"}, issues_);
      GuestDiskConfig disk;
      const Field image = disk_object.required("image");
      if (auto text = read_string(image, issues_)) {
        if (auto bad = check_image_path(*text)) issues_.add(image.at, *bad);
        disk.image = *text;
      }
      const Field format = disk_object.optional("format");
      if (auto text = read_string(format, issues_)) {
        if (*text == "qcow2" || *text == "raw") {
          disk.format = *text == "qcow2" ? DiskFormat::qcow2 : DiskFormat::raw;
        } else {
          issues_.add(format.at, one_of_message({"qcow2", "raw"}, *text));
        }
      }
      disk.overlay = disk.format == DiskFormat::qcow2;
      const Field overlay = disk_object.optional("overlay");
      if (auto v = read_bool(overlay, issues_)) {
        if (*v && disk.format == DiskFormat::raw) {
          issues_.add(overlay.at, "a raw image cannot have a qcow2 overlay; use format 'qcow2' or overlay false");
        } else {
          disk.overlay = *v;
        }
      }
      guest.disks.push_back(std::move(disk));
    }
  }

  const Field kernel = object.optional("kernel");
  if (const Json* k = read_object(kernel, issues_)) {
    ObjectReader kernel_object(*k, kernel.at, {"kernel", "initrd", "cmdline"}, issues_);
    GuestKernelConfig boot;
    for (auto [key, out, required] : {std::tuple{"kernel", &boot.kernel, true}, std::tuple{"initrd", &boot.initrd, false}}) {
      const Field f = required ? kernel_object.required(key) : kernel_object.optional(key);
      if (auto text = read_string(f, issues_)) {
        if (auto bad = check_image_path(*text)) issues_.add(f.at, *bad);
        *out = *text;
      }
    }
    const Field cmdline = kernel_object.optional("cmdline");
    if (auto text = read_string(cmdline, issues_)) {
      bool printable = text->size() <= 1024;
      for (unsigned char c : *text) printable = printable && c >= 0x20 && c < 0x7f;
      if (!printable) issues_.add(cmdline.at, "must be at most 1024 printable ASCII characters");
      boot.cmdline = *text;
    }
    guest.kernel = std::move(boot);
  }
  if (kernel.value == nullptr && (disks.value == nullptr || (disks.value->is_array() && disks.value->empty()))) {
    issues_.add(at, "has nothing to boot: give it a 'kernel' or at least one disk");
  }

  const Field nics = object.optional("nics");
  if (const Json* list = read_array(nics, issues_)) {
    const size_t n = checked_length(*list, kMaxGuestNics, "NICs", nics.at);
    for (size_t k = 0; k < n; ++k) {
      const Location nic_at = nics.at.element(k);
      if (!expect_object((*list)[k], nic_at)) continue;
      ObjectReader nic_object((*list)[k], nic_at, {"port", "mac", "hotplug"}, issues_);
      GuestNicConfig nic;
      const Field port = nic_object.required("port");
      if (auto text = read_string(port, issues_)) {
        nic.port = *text;
        guest_nic_ports_.push_back({*text, port.at});
      }
      const Field mac = nic_object.optional("mac");
      if (auto text = read_string(mac, issues_)) {
        if (auto parsed = parse_mac(*text); !parsed) {
          issues_.add(mac.at, parsed.error().message);
        } else {
          nic.mac = *parsed;
        }
      }
      if (auto v = read_bool(nic_object.optional("hotplug"), issues_)) nic.hotplug = *v;
      guest_nic_macs_.push_back(mac.value != nullptr ? mac.at : nic_at);
      guest.nics.push_back(std::move(nic));
    }
  }

  const Field cloud_init = object.optional("cloud_init");
  if (const Json* c = read_object(cloud_init, issues_)) {
    ObjectReader ci_object(*c, cloud_init.at,
                           {"hostname", "user", "password_hash", "ssh_authorized_keys", "network_dhcp"}, issues_);
    GuestCloudInitConfig ci;
    const Field hostname = ci_object.optional("hostname");
    if (auto text = read_string(hostname, issues_)) {
      if (!valid_hostname(*text)) {
        issues_.add(hostname.at, "must be a host name: dot-separated labels of 1 to 63 letters, digits and '-', "
                                 "not starting or ending with '-', at most 253 characters");
      }
      ci.hostname = *text;
    }
    const Field user = ci_object.optional("user");
    if (auto text = read_string(user, issues_)) {
      if (!valid_user(*text)) issues_.add(user.at, "must match ^[a-z_][a-z0-9_-]{0,31}$");
      ci.user = *text;
    }
    const Field hash = ci_object.optional("password_hash");
    if (auto text = read_string(hash, issues_)) {
      if (!looks_like_crypt_hash(*text)) {
        issues_.add(hash.at, "must be a crypt(3) hash such as '$6$salt$...' (mkpasswd -m sha-512), never a password "
                             "in clear text");
      }
      ci.password_hash = *text;
    }
    const Field keys = ci_object.optional("ssh_authorized_keys");
    if (const Json* list = read_array(keys, issues_)) {
      const size_t n = checked_length(*list, 16, "keys", keys.at);
      for (size_t k = 0; k < n; ++k) {
        const Field key{&(*list)[k], keys.at.element(k)};
        if (auto text = read_string(key, issues_)) {
          if (!valid_ssh_key(*text)) {
            issues_.add(key.at, "must be an OpenSSH public key line ('ssh-', 'ecdsa-' or 'sk-' ...), at most 8192 "
                                "printable characters");
          }
          ci.ssh_authorized_keys.push_back(*text);
        }
      }
    }
    if (auto v = read_bool(ci_object.optional("network_dhcp"), issues_)) ci.network_dhcp = *v;
    guest.cloud_init = std::move(ci);
  }

  if (auto v = read_bool(object.optional("autostart"), issues_)) guest.autostart = *v;
  const Field restart = object.optional("restart");
  if (auto text = read_string(restart, issues_)) {
    if (auto policy = restart_policy_from_name(*text)) {
      guest.restart = *policy;
    } else {
      issues_.add(restart.at, one_of_message({"never", "on-failure", "always"}, *text));
    }
  }
  const Field cpus = object.optional("cpus");
  if (const Json* list = read_array(cpus, issues_)) {
    const size_t n = checked_length(*list, 256, "CPUs", cpus.at);
    FirstSeen seen{"CPU"};
    for (size_t k = 0; k < n; ++k) {
      const Field cpu{&(*list)[k], cpus.at.element(k)};
      if (auto v = read_integer(cpu, 0, 1023, issues_)) {
        if (seen.add(std::to_string(*v), cpu.at, issues_)) guest.cpus.push_back(static_cast<uint16_t>(*v));
      }
    }
  }
  return guest;
}

// After every guest: NIC ports are vhost ports used once; NIC MACs (configured or default) unique.
void ConfigReader::check_guest_nics(const GatewayConfig& config) {
  FirstSeen used{"guest NIC port"};
  for (const auto& [port, at] : guest_nic_ports_) {
    const PortConfig* p = config.find_port(port);
    if (p == nullptr) {
      if (ports_readable_ && !declared_ports_.count(port)) issues_.add(at, "unknown port " + quote_text(port));
      continue;
    }
    if (p->kind != PortKind::vhost) {
      issues_.add(at, "port " + quote_text(port) + " is of kind '" + port_kind_name(p->kind) +
                          "'; a guest NIC needs a port of kind 'vhost'");
      continue;
    }
    used.add(port, at, issues_);
  }
  FirstSeen macs{"guest MAC address"};
  size_t index = 0;
  for (const GuestConfig& g : config.guests) {
    const std::vector<MacAddress> effective = [&] {
      std::vector<MacAddress> out;
      for (size_t k = 0; k < g.nics.size(); ++k) {
        out.push_back(g.nics[k].mac ? *g.nics[k].mac : default_guest_mac(g.name, k));
      }
      return out;
    }();
    for (const MacAddress& mac : effective) {
      if (index < guest_nic_macs_.size()) macs.add(format_mac(mac), guest_nic_macs_[index], issues_);
      ++index;
    }
  }
}

}  // namespace edgegw::control::detail
