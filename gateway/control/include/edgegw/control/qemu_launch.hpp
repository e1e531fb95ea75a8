// Everything about one QEMU process but its supervision: the files of a guest's run directory, its
// disks (per-guest qcow2 overlays over pristine base images), its cloud-init NoCloud seed, its
// command line, spawning it detached (so guests outlive a gateway restart) and finding it again.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgegw/common/result.hpp"
#include "edgegw/control/accel_probe.hpp"
#include "edgegw/control/config_model.hpp"

namespace edgegw::control {

// <guests_dir>/<name>/: qmp.sock, console.sock, qemu.pid, qemu.log (QEMU's own stderr), console.log,
// disk<N>.qcow2 (overlays), seed/ (cloud-init files).
struct GuestFiles {
  std::string dir;
  std::string qmp_socket() const { return dir + "/qmp.sock"; }
  std::string console_socket() const { return dir + "/console.sock"; }
  std::string pidfile() const { return dir + "/qemu.pid"; }
  std::string qemu_log() const { return dir + "/qemu.log"; }
  std::string console_log() const { return dir + "/console.log"; }
  std::string seed_dir() const { return dir + "/seed"; }
  std::string overlay(size_t disk) const { return dir + "/disk" + std::to_string(disk) + ".qcow2"; }
};

struct QemuLaunch {
  std::string qemu_binary = "qemu-system-x86_64";
  Accel accel = Accel::tcg;
  GuestFiles files;
  std::vector<std::string> nic_sockets;  // the switch's vhost-user socket of each NIC, in NIC order
  std::vector<std::string> disk_files;   // what each disk attaches (its overlay or its image)
  bool seed = false;                     // attach files.seed_dir() as the cidata volume
};

// Empty PCIe root ports every guest gets for NICs plugged in while it runs (hp0, hp1, ...).
inline constexpr size_t kHotplugSlots = 4;

// The guest's NIC MACs: configured, else default_guest_mac(name, index).
std::vector<MacAddress> guest_macs(const GuestConfig& guest);

// qemu-system argv (argv[0] = qemu_binary). Memory is a shared memfd backend (vhost-user needs it);
// NICs are vhost-user clients that reconnect every second (so they survive a gateway restart); under
// TCG virtio-net-pci gets vectors=0; QMP and the console are UNIX sockets in the run directory.
std::vector<std::string> qemu_command(const GuestConfig& guest, const QemuLaunch& launch);

// The QMP commands ({"execute", "arguments"} objects) that plug NIC `index` of `guest` into a
// running QEMU on root port hp<slot>: its vhost-user chardev, netdev and virtio-net device, with the
// same ids and settings qemu_command gives a NIC present at start.
std::vector<nlohmann::json> nic_hotplug_commands(const GuestConfig& guest, size_t index, const std::string& socket,
                                                 size_t slot, Accel accel);

// Creates missing overlays (`qemu-img create -f qcow2 -F <fmt> -b <image>`); an existing overlay is
// kept (the guest's disk survives restarts) unless its backing file is no longer `image`. Returns
// the files to attach. Errors name the disk ("/disks/0: base image /x.qcow2: No such file").
Result<std::vector<std::string>> prepare_guest_disks(const GuestConfig& guest, const GuestFiles& files,
                                                     const std::string& qemu_img = "qemu-img");

// Writes seed/meta-data, seed/user-data (#cloud-config) and seed/network-config (v2, DHCP by MAC).
Result<void> write_cloud_init_seed(const GuestConfig& guest, const GuestFiles& files);

// fork + setsid + exec, stdout/stderr to files.qemu_log(), CPU affinity `cpus` (empty = inherit),
// no file descriptor of ours inherited. The child is ours until the gateway exits; then init
// inherits it and the guest keeps running.
Result<pid_t> spawn_qemu(const std::vector<std::string>& argv, const std::vector<unsigned>& cpus,
                         const GuestFiles& files);

// The QEMU of guest `name` still running from an earlier gateway: the pid in files.pidfile() when
// that process is alive and its command line is this guest's (`-name guest=<name>` and the same
// QMP socket path). 0 when none.
pid_t find_running_qemu(const std::string& name, const GuestFiles& files);

// The command line of process `pid` (empty when it is gone).
std::vector<std::string> process_cmdline(pid_t pid);

// A pollable descriptor of process `pid` (pidfd_open); -1 with errno when it is gone.
int open_pidfd(pid_t pid);

}  // namespace edgegw::control
