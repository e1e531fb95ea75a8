// Does KVM work on this box? /dev/kvm can exist and answer its ioctls yet hang the first guest, so
// the probe boots a 64 KiB firmware under `-accel kvm` that enters long mode (as a kernel does), runs
// a 20-million-iteration loop and writes one byte to QEMU's isa-debug-exit port (QEMU then exits with
// status (byte << 1) | 1), with a short timeout. A few real-mode instructions are not enough: a KVM
// has been seen to run those yet crawl through any real work. Anything else (no /dev/kvm, no
// permission, an error, a hang killed at the timeout) means TCG.
#pragma once

#include <chrono>
#include <string>

namespace edgegw::control {

enum class Accel { kvm, tcg };
const char* accel_name(Accel accel);

struct AccelProbe {
  Accel accel = Accel::tcg;
  std::string reason;  // why TCG ("/dev/kvm: No such file or directory", "KVM guest hung for 3000 ms, killed")
                       // or "kvm guest ran" for KVM
  std::chrono::milliseconds took{0};
};

// Blocks for at most `timeout` (plus the kill); `work_dir` holds the firmware file.
// `accel` = Accel::tcg runs the same firmware under TCG (to test the probe itself).
AccelProbe probe_accel(const std::string& qemu_binary, const std::string& work_dir,
                       std::chrono::milliseconds timeout, Accel accel = Accel::kvm);

}  // namespace edgegw::control
