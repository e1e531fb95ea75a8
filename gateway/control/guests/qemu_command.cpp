// A guest's QEMU command line and NIC MACs (see qemu_launch.hpp).
#include <string>
#include <vector>

#include "edgegw/control/qemu_launch.hpp"

namespace edgegw::control {
namespace {

// Inside a QEMU option value a comma separates options; a literal one is written twice.
std::string escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

}  // namespace

std::vector<MacAddress> guest_macs(const GuestConfig& guest) {
  std::vector<MacAddress> macs;
  for (size_t i = 0; i < guest.nics.size(); ++i) {
    macs.push_back(guest.nics[i].mac ? *guest.nics[i].mac : default_guest_mac(guest.name, i));
  }
  return macs;
}

std::vector<std::string> qemu_command(const GuestConfig& guest, const QemuLaunch& launch) {
  const bool kvm = launch.accel == Accel::kvm;
  const std::string mem = std::to_string(guest.memory_mb);
  std::vector<std::string> a = {
      launch.qemu_binary,
      "-name", "guest=" + escape(guest.name) + ",debug-threads=on",
      "-nodefaults", "-no-user-config", "-display", "none",
      // q35 (PCIe, the machine current guests expect); guest memory is a shared memfd so the
      // switch's vhost-user backend can map it.
      "-machine", std::string("q35,accel=") + (kvm ? "kvm" : "tcg") + ",memory-backend=mem",
      "-cpu", kvm ? "host" : "max",
      "-smp", std::to_string(guest.vcpus),
      "-m", mem + "M",
      "-object", "memory-backend-memfd,id=mem,size=" + mem + "M,share=on",
      "-qmp", "unix:" + escape(launch.files.qmp_socket()) + ",server=on,wait=off",
      "-chardev", "socket,id=console,path=" + escape(launch.files.console_socket()) + ",server=on,wait=off",
      "-serial", "chardev:console",
      "-pidfile", launch.files.pidfile(),
  };
  if (guest.kernel) {
    a.insert(a.end(), {"-kernel", guest.kernel->kernel});
    if (!guest.kernel->initrd.empty()) a.insert(a.end(), {"-initrd", guest.kernel->initrd});
    if (!guest.kernel->cmdline.empty()) a.insert(a.end(), {"-append", guest.kernel->cmdline});
  }
  for (size_t i = 0; i < guest.disks.size() && i < launch.disk_files.size(); ++i) {
    const std::string id = "disk" + std::to_string(i);
    const bool qcow2 = guest.disks[i].format == DiskFormat::qcow2;
    a.insert(a.end(), {"-blockdev", "driver=file,node-name=" + id + "-file,filename=" + escape(launch.disk_files[i]),
                       "-blockdev", std::string("driver=") + (qcow2 ? "qcow2" : "raw") + ",node-name=" + id +
                                        ",file=" + id + "-file",
                       "-device", "virtio-blk-pci,drive=" + id + ",id=" + id + "dev" +
                                      (!guest.kernel && i == 0 ? ",bootindex=1" : "")});
  }
  if (launch.seed) {
    // cloud-init's NoCloud source looks for a volume labelled "cidata".
    a.insert(a.end(), {"-blockdev", "driver=vvfat,node-name=seed,dir=" + escape(launch.files.seed_dir()) +
                                        ",label=cidata,read-only=on",
                       "-device", "virtio-blk-pci,drive=seed,id=seeddev"});
  }
  // Free PCIe root ports: q35's root bus takes no hot-plugged devices.
  for (size_t k = 0; k < kHotplugSlots; ++k) {
    a.insert(a.end(), {"-device", "pcie-root-port,id=hp" + std::to_string(k) + ",chassis=" + std::to_string(k + 1)});
  }
  const std::vector<MacAddress> macs = guest_macs(guest);
  for (size_t i = 0; i < guest.nics.size() && i < launch.nic_sockets.size(); ++i) {
    const std::string n = std::to_string(i);
    // A client that reconnects every second: the NIC survives a restart of the switch.
    a.insert(a.end(), {"-chardev", "socket,id=nic" + n + ",path=" + escape(launch.nic_sockets[i]) + ",reconnect=1",
                       "-netdev", "vhost-user,id=net" + n + ",chardev=nic" + n,
                       // Under TCG, vhost-user with MSI-X vectors crashes QEMU 7.2; vectors=0 avoids them.
                       "-device", "virtio-net-pci,netdev=net" + n + ",mac=" + format_mac(macs[i]) + ",id=nic" + n +
                                      "dev" + (kvm ? "" : ",vectors=0")});
  }
  return a;
}

std::vector<nlohmann::json> nic_hotplug_commands(const GuestConfig& guest, size_t index, const std::string& socket,
                                                 size_t slot, Accel accel) {
  const std::string n = std::to_string(index);
  nlohmann::json device = {{"driver", "virtio-net-pci"},
                           {"id", "nic" + n + "dev"},
                           {"netdev", "net" + n},
                           {"mac", format_mac(guest_macs(guest).at(index))},
                           {"bus", "hp" + std::to_string(slot)}};
  if (accel == Accel::tcg) device["vectors"] = 0;
  return {
      {{"execute", "chardev-add"},
       {"arguments",
        {{"id", "nic" + n},
         {"backend",
          {{"type", "socket"},
           {"data", {{"addr", {{"type", "unix"}, {"data", {{"path", socket}}}}}, {"server", false}, {"reconnect", 1}}}}}}}},
      {{"execute", "netdev_add"}, {"arguments", {{"type", "vhost-user"}, {"id", "net" + n}, {"chardev", "nic" + n}}}},
      {{"execute", "device_add"}, {"arguments", device}},
  };
}

}  // namespace edgegw::control
