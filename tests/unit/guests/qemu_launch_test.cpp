// A guest's QEMU launch: its command line, qcow2 overlays with the real qemu-img, the cloud-init
// seed (and the FAT label QEMU gives it), detached spawning with exec failures reported, and finding
// a running QEMU again by its pidfile and command line.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "edgegw/control/qemu_launch.hpp"
#include "guest_test_support.hpp"

namespace edgegw::control {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += a + "\n";
  return out;
}

bool has_pair(const std::vector<std::string>& argv, const std::string& option, const std::string& value) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == option && argv[i + 1] == value) return true;
  }
  return false;
}

GuestConfig kernel_guest() {
  GuestConfig g;
  g.name = "web";
  g.vcpus = 2;
  g.memory_mb = 384;
  g.kernel = GuestKernelConfig{"/img/vmlinuz", "/img/initrd", "console=ttyS0"};
  g.nics = {GuestNicConfig{"vm1", MacAddress{0x52, 0x54, 0, 1, 2, 3}, false}, GuestNicConfig{"vm2", std::nullopt, false}};
  return g;
}

TEST(QemuCommand, KernelBootSharedMemoryVhostUserNicsAndSockets) {
  QemuLaunch l;
  l.accel = Accel::tcg;
  l.files = GuestFiles{"/var/lib/edgegw/guests/web"};
  l.nic_sockets = {"/run/edgegw/vhost/vm1.sock", "/run/edgegw/vhost/vm2.sock"};
  const std::vector<std::string> a = qemu_command(kernel_guest(), l);
  const std::string text = joined(a);
  EXPECT_EQ(a[0], "qemu-system-x86_64");
  EXPECT_TRUE(has_pair(a, "-name", "guest=web,debug-threads=on")) << text;
  EXPECT_TRUE(has_pair(a, "-machine", "q35,accel=tcg,memory-backend=mem")) << text;
  EXPECT_TRUE(has_pair(a, "-cpu", "max")) << text;
  EXPECT_TRUE(has_pair(a, "-smp", "2")) << text;
  EXPECT_TRUE(has_pair(a, "-object", "memory-backend-memfd,id=mem,size=384M,share=on")) << text;
  EXPECT_TRUE(has_pair(a, "-qmp", "unix:/var/lib/edgegw/guests/web/qmp.sock,server=on,wait=off")) << text;
  EXPECT_TRUE(has_pair(a, "-chardev", "socket,id=console,path=/var/lib/edgegw/guests/web/console.sock,server=on,wait=off"));
  EXPECT_TRUE(has_pair(a, "-pidfile", "/var/lib/edgegw/guests/web/qemu.pid"));
  EXPECT_TRUE(has_pair(a, "-kernel", "/img/vmlinuz"));
  EXPECT_TRUE(has_pair(a, "-initrd", "/img/initrd"));
  EXPECT_TRUE(has_pair(a, "-append", "console=ttyS0"));
  EXPECT_TRUE(has_pair(a, "-chardev", "socket,id=nic0,path=/run/edgegw/vhost/vm1.sock,reconnect=1")) << text;
  EXPECT_TRUE(has_pair(a, "-netdev", "vhost-user,id=net1,chardev=nic1")) << text;
  EXPECT_TRUE(has_pair(a, "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:01:02:03,id=nic0dev,vectors=0")) << text;
  EXPECT_TRUE(has_pair(a, "-device", "virtio-net-pci,netdev=net1,mac=" + format_mac(default_guest_mac("web", 1)) +
                                         ",id=nic1dev,vectors=0"))
      << text;
  EXPECT_TRUE(has_pair(a, "-device", "pcie-root-port,id=hp0,chassis=1")) << "a free port for hot-plugged NICs";
  EXPECT_EQ(text.find("vvfat"), std::string::npos) << "no seed unless asked";
  EXPECT_EQ(text.find("bootindex"), std::string::npos) << "kernel boot";
  // KVM: host CPU, and MSI-X vectors are fine.
  l.accel = Accel::kvm;
  const std::string kvm = joined(qemu_command(kernel_guest(), l));
  EXPECT_NE(kvm.find("q35,accel=kvm"), std::string::npos);
  EXPECT_NE(kvm.find("-cpu\nhost\n"), std::string::npos);
  EXPECT_EQ(kvm.find("vectors=0"), std::string::npos);
}

TEST(QemuCommand, FirmwareBootFromTheFirstDiskSeedAndCommaEscaping) {
  GuestConfig g;
  g.name = "db";
  g.disks = {GuestDiskConfig{"/img/base.qcow2", DiskFormat::qcow2, true}, GuestDiskConfig{"/img/data,1.raw", DiskFormat::raw, false}};
  g.cloud_init = GuestCloudInitConfig{};
  QemuLaunch l;
  l.files = GuestFiles{"/state/guests/db"};
  l.disk_files = {"/state/guests/db/disk0.qcow2", "/img/data,1.raw"};
  l.seed = true;
  const std::vector<std::string> a = qemu_command(g, l);
  const std::string text = joined(a);
  EXPECT_TRUE(has_pair(a, "-blockdev", "driver=file,node-name=disk0-file,filename=/state/guests/db/disk0.qcow2")) << text;
  EXPECT_TRUE(has_pair(a, "-blockdev", "driver=qcow2,node-name=disk0,file=disk0-file")) << text;
  EXPECT_TRUE(has_pair(a, "-device", "virtio-blk-pci,drive=disk0,id=disk0dev,bootindex=1")) << text;
  EXPECT_TRUE(has_pair(a, "-blockdev", "driver=file,node-name=disk1-file,filename=/img/data,,1.raw")) << text;
  EXPECT_TRUE(has_pair(a, "-blockdev", "driver=raw,node-name=disk1,file=disk1-file")) << text;
  EXPECT_TRUE(has_pair(a, "-blockdev", "driver=vvfat,node-name=seed,dir=/state/guests/db/seed,label=cidata,read-only=on"));
  EXPECT_EQ(std::count(a.begin(), a.end(), "-kernel"), 0);
}

TEST(QemuCommand, HotplugCommandsMatchAColdPluggedNic) {
  GuestConfig g = kernel_guest();
  const std::vector<nlohmann::json> cmds = nic_hotplug_commands(g, 1, "/run/vm2.sock", 2, Accel::tcg);
  ASSERT_EQ(cmds.size(), 3u);
  EXPECT_EQ(cmds[0]["execute"], "chardev-add");
  EXPECT_EQ(cmds[0]["arguments"]["id"], "nic1");
  EXPECT_EQ(cmds[0]["arguments"]["backend"]["data"]["addr"]["data"]["path"], "/run/vm2.sock");
  EXPECT_EQ(cmds[0]["arguments"]["backend"]["data"]["reconnect"], 1);
  EXPECT_EQ(cmds[1]["arguments"], (nlohmann::json{{"type", "vhost-user"}, {"id", "net1"}, {"chardev", "nic1"}}));
  EXPECT_EQ(cmds[2]["arguments"]["bus"], "hp2");
  EXPECT_EQ(cmds[2]["arguments"]["mac"], format_mac(default_guest_mac("web", 1)));
  EXPECT_EQ(cmds[2]["arguments"]["vectors"], 0);
}

class QemuFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/qemu-img", X_OK) != 0) GTEST_SKIP() << "qemu-img is not installed (qemu-utils)";
    files_ = GuestFiles{dir_.file("guest")};
  }
  test::TempDir dir_;
  GuestFiles files_;
};

TEST_F(QemuFiles, OverlaysKeepTheBaseImagePristineAndSurviveRestarts) {
  const std::string base = dir_.file("base.qcow2");
  ASSERT_EQ(std::system(("qemu-img create -q -f qcow2 " + base + " 16M").c_str()), 0);
  const std::string before = read_text(base);
  GuestConfig g;
  g.name = "g";
  g.disks = {GuestDiskConfig{base, DiskFormat::qcow2, true}};
  Result<std::vector<std::string>> disks = prepare_guest_disks(g, files_);
  ASSERT_TRUE(disks) << disks.error().message;
  ASSERT_EQ(disks->size(), 1u);
  EXPECT_EQ(disks.value()[0], files_.overlay(0));
  const std::string info = [&] {
    FILE* p = ::popen(("qemu-img info --output=json " + files_.overlay(0)).c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
  }();
  EXPECT_NE(info.find("\"backing-filename\": \"" + base + "\""), std::string::npos) << info;
  if (::access("/usr/bin/qemu-io", X_OK) == 0) {
    ASSERT_EQ(std::system(("qemu-io -c 'write -P 0xab 0 64k' " + files_.overlay(0) + " >/dev/null").c_str()), 0);
  }
  EXPECT_EQ(read_text(base), before) << "the guest's writes went to its overlay";
  const std::string overlay_before = read_text(files_.overlay(0));
  ASSERT_TRUE(prepare_guest_disks(g, files_));
  EXPECT_EQ(read_text(files_.overlay(0)), overlay_before) << "kept across restarts";
  // Another base image: a fresh overlay on it.
  const std::string other = dir_.file("other.qcow2");
  ASSERT_EQ(std::system(("qemu-img create -q -f qcow2 " + other + " 8M").c_str()), 0);
  g.disks[0].image = other;
  ASSERT_TRUE(prepare_guest_disks(g, files_));
  EXPECT_NE(read_text(files_.overlay(0)), overlay_before);
}

TEST_F(QemuFiles, MissingImageNamesTheDiskRawImagesAreUsedAsTheyAre) {
  GuestConfig g;
  g.name = "g";
  g.disks = {GuestDiskConfig{dir_.file("raw.img"), DiskFormat::raw, false}};
  std::ofstream(dir_.file("raw.img")) << std::string(4096, '\0');
  Result<std::vector<std::string>> disks = prepare_guest_disks(g, files_);
  ASSERT_TRUE(disks);
  EXPECT_EQ(disks.value()[0], dir_.file("raw.img"));
  g.disks.push_back(GuestDiskConfig{dir_.file("nope.qcow2"), DiskFormat::qcow2, true});
  disks = prepare_guest_disks(g, files_);
  ASSERT_FALSE(disks);
  EXPECT_EQ(disks.error().message, "/disks/1: base image " + dir_.file("nope.qcow2") + ": No such file or directory");
}

TEST_F(QemuFiles, CloudInitSeedFilesAndTheCidataLabelQemuGivesThem) {
  GuestConfig g = kernel_guest();
  g.cloud_init = GuestCloudInitConfig{"web.example", "edge", "$6$salt$hash\"quote", {"ssh-ed25519 AAAA x@y"}, true};
  ASSERT_TRUE(write_cloud_init_seed(g, files_));
  const std::string meta = read_text(files_.seed_dir() + "/meta-data");
  const std::string user = read_text(files_.seed_dir() + "/user-data");
  const std::string net = read_text(files_.seed_dir() + "/network-config");
  EXPECT_NE(meta.find("instance-id: \"web-"), std::string::npos) << meta;
  EXPECT_NE(meta.find("local-hostname: \"web.example\""), std::string::npos) << meta;
  EXPECT_EQ(user.rfind("#cloud-config\n", 0), 0u) << user;
  EXPECT_NE(user.find("- name: \"edge\""), std::string::npos) << user;
  EXPECT_NE(user.find("passwd: \"$6$salt$hash\\\"quote\""), std::string::npos) << "quoted for YAML: " << user;
  EXPECT_NE(user.find("- \"ssh-ed25519 AAAA x@y\""), std::string::npos) << user;
  EXPECT_NE(net.find("macaddress: \"52:54:00:01:02:03\""), std::string::npos) << net;
  EXPECT_NE(net.find("dhcp4: true"), std::string::npos) << net;
  // A changed seed is a new instance for cloud-init.
  g.cloud_init->hostname = "web2";
  ASSERT_TRUE(write_cloud_init_seed(g, files_));
  EXPECT_NE(read_text(files_.seed_dir() + "/meta-data"), meta);
  // The volume QEMU builds from the directory carries the label NoCloud looks for.
  const std::string raw = dir_.file("seed.raw");
  const std::string cmd = "qemu-img convert -O raw 'json:{\"driver\":\"vvfat\",\"dir\":\"" + files_.seed_dir() +
                          "\",\"label\":\"cidata\"}' " + raw + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  // vvfat presents a partitioned disk: the FAT boot sector (with the label) follows the MBR's gap.
  std::string head = read_text(raw).substr(0, 1 << 16);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_NE(head.find("cidata"), std::string::npos) << "no 'cidata' label in the volume's first 64 KiB";
}

TEST_F(QemuFiles, SpawnDetachesReportsExecFailuresAndFindsTheQemuAgain) {
  if (::access("/usr/bin/qemu-system-x86_64", X_OK) != 0) GTEST_SKIP() << "QEMU is not installed";
  const int leaked = ::open("/dev/null", O_RDONLY);  // no CLOEXEC: must not reach QEMU
  ASSERT_GE(leaked, 0);
  std::filesystem::create_directories(files_.dir);
  const std::vector<std::string> argv = {"qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none",
                                         "-name", "guest=t1,debug-threads=on", "-qmp",
                                         "unix:" + files_.qmp_socket() + ",server=on,wait=off", "-pidfile",
                                         files_.pidfile()};
  Result<pid_t> pid = spawn_qemu(argv, {0}, files_);
  ASSERT_TRUE(pid) << pid.error().message;
  struct Reap {
    pid_t pid;
    ~Reap() {
      if (pid <= 0) return;  // never kill(-1): that is every process
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{pid.value()};
  for (int i = 0; i < 200 && find_running_qemu("t1", files_) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(find_running_qemu("t1", files_), pid.value());
  EXPECT_EQ(find_running_qemu("t2", files_), 0) << "another guest's name";
  EXPECT_EQ(::getsid(pid.value()), pid.value()) << "its own session";
  const std::string status = read_text("/proc/" + std::to_string(pid.value()) + "/status");
  EXPECT_NE(status.find("Cpus_allowed_list:\t0\n"), std::string::npos) << status;
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(pid.value()) + "/fd/" + std::to_string(leaked)) &&
               std::filesystem::read_symlink("/proc/" + std::to_string(pid.value()) + "/fd/" + std::to_string(leaked)) ==
                   "/dev/null")
      << "an fd of ours leaked into QEMU";
  ::close(leaked);
  const int fd = open_pidfd(pid.value());
  ASSERT_GE(fd, 0);
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "running";
  ::kill(pid.value(), SIGKILL);
  EXPECT_EQ(::poll(&p, 1, 5000), 1) << "the pidfd tells when it is gone";
  ::close(fd);
  ::waitpid(pid.value(), nullptr, 0);
  reap.pid = 0;
  // A pidfile naming some other process (here: this test) is not a QEMU of this guest.
  std::ofstream(files_.pidfile()) << ::getpid() << "\n";
  EXPECT_EQ(find_running_qemu("t1", files_), 0);
  // A binary that is not there is an error, not a pid that dies.
  Result<pid_t> missing = spawn_qemu({"/nonexistent/qemu"}, {}, files_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "cannot run /nonexistent/qemu: No such file or directory");
  // QEMU's own messages land in qemu.log.
  Result<pid_t> bad = spawn_qemu({"qemu-system-x86_64", "-no-such-option"}, {}, files_);
  ASSERT_TRUE(bad);
  ::waitpid(bad.value(), nullptr, 0);
  EXPECT_NE(read_text(files_.qemu_log()).find("no-such-option"), std::string::npos);
}

}  // namespace
}  // namespace edgegw::control
