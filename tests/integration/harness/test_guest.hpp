// The tiny test guest (tests/guest/make_test_guest.sh: Debian's kernel, busybox, virtio-net) and a
// way to run shell commands in a guest through the gateway's console capture.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "harness/daemon.hpp"

namespace edgegw::test {

struct TestGuestImage {
  std::string kernel, initrd;
  std::string error;  // why it could not be built, "" when built
};

// Built once per test process into a temp dir (removed at exit).
const TestGuestImage& test_guest_image();

// The guest's console text so far (up to 256 KiB).
std::string guest_console(GatewayDaemon& daemon, const std::string& guest);

// How many times the guest's init reported "EDGEGW-GUEST up" so far, and what the last report said.
struct GuestBoot {
  int count = 0;
  std::string ip;   // "none" when DHCP gave nothing
  std::string mac;
};
GuestBoot guest_boots(GatewayDaemon& daemon, const std::string& guest);
// Waits (bounded) until the guest reported its boot more than `after` times.
std::optional<GuestBoot> wait_guest_boot(GatewayDaemon& daemon, const std::string& guest, int after,
                                         std::chrono::seconds limit);

struct ShellResult {
  int exit_code = -1;  // -1: no answer within the limit
  std::string out;
};
// Types `command` into the guest's console shell and waits for it to finish.
ShellResult guest_shell(GatewayDaemon& daemon, const std::string& guest, const std::string& command,
                        std::chrono::seconds limit = std::chrono::seconds(30));

}  // namespace edgegw::test
