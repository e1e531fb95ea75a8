// Test guest image and console shell helpers.
#include "harness/test_guest.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>

#include "harness/process.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;

struct ImageDir {
  TestGuestImage image;
  std::string dir;
  ~ImageDir() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

const TestGuestImage& test_guest_image() {
  static ImageDir built = [] {
    ImageDir d;
    char tmpl[] = "/tmp/edgegw-guest-XXXXXX";
    d.dir = ::mkdtemp(tmpl);
    CommandResult r = run({std::string(EDGEGW_SOURCE_DIR) + "/tests/guest/make_test_guest.sh", d.dir},
                          std::chrono::seconds(120));
    if (r.exit_code != 0) {
      d.image.error = "make_test_guest.sh failed: " + r.out;
    } else {
      d.image.kernel = d.dir + "/vmlinuz";
      d.image.initrd = d.dir + "/initramfs.gz";
    }
    return d;
  }();
  return built.image;
}

std::string guest_console(GatewayDaemon& daemon, const std::string& guest) {
  json r = daemon.ctl({{"cmd", "guest.console"}, {"name", guest}, {"bytes", 256 * 1024}});
  if (!r.value("ok", false)) return "";
  return r["result"].value("output", "");
}

GuestBoot guest_boots(GatewayDaemon& daemon, const std::string& guest) {
  static const std::regex marker("EDGEGW-GUEST up ip=(\\S+) mac=(\\S+)");
  const std::string text = guest_console(daemon, guest);
  GuestBoot boot;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), marker); it != std::sregex_iterator(); ++it) {
    ++boot.count;
    boot.ip = (*it)[1];
    boot.mac = (*it)[2];
  }
  return boot;
}

std::optional<GuestBoot> wait_guest_boot(GatewayDaemon& daemon, const std::string& guest, int after,
                                         std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    GuestBoot b = guest_boots(daemon, guest);
    if (b.count > after) return b;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return std::nullopt;
}

ShellResult guest_shell(GatewayDaemon& daemon, const std::string& guest, const std::string& command,
                        std::chrono::seconds limit) {
  static int sequence = 0;
  const std::string id = std::to_string(::getpid()) + "-" + std::to_string(++sequence);
  // The tty echoes what is typed; quotes split the markers there, so only the output has them whole.
  const std::string begin = "BEGIN-" + id, end = "END-" + id + " rc=";
  const std::string line = "echo B\"EGIN-" + id + "\"; " + command + "; echo E\"ND-" + id + " rc=$?\"\n";
  json sent = daemon.ctl({{"cmd", "guest.console"}, {"name", guest}, {"input", line}});
  if (!sent.value("ok", false)) return {-1, "console: " + sent.dump()};
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = guest_console(daemon, guest);
    const size_t b = text.rfind(begin);
    const size_t e = text.rfind(end);
    if (b != std::string::npos && e != std::string::npos && e > b) {
      ShellResult r;
      r.exit_code = std::atoi(text.c_str() + e + end.size());
      r.out = text.substr(b + begin.size(), e - b - begin.size());
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return {-1, guest_console(daemon, guest)};
}

}  // namespace edgegw::test
