// udp_probe: the paced UDP latency probe, bulk blaster and their receivers of tests/bench/slicing.
//
//   udp_probe send  --to IP:PORT --pps N --seconds S [--size B] [--dscp D] [--bind IP] [--spin-us U]
//   udp_probe recv  --listen IP:PORT --seconds S [--json FILE] [--expect N]
//   udp_probe blast --to IP:PORT --mbit R --seconds S [--size B] [--dscp D] [--bind IP]
//   udp_probe sink  --listen IP:PORT --seconds S [--json FILE]
//
// Sender and receiver run on one host (in different network namespaces), so they share
// CLOCK_MONOTONIC: each datagram carries its send time and the receiver's one-way latency is its own
// clock minus that. The receiver also asks the kernel for its receive timestamp (SO_TIMESTAMPNS, on
// CLOCK_REALTIME, mapped back onto CLOCK_MONOTONIC): `kernel_rx` is send -> the kernel's receipt, free of
// the receiver's own scheduling delay; `app` is send -> the receiver's read. Each mode prints one JSON
// line on stdout at the end (human text on stderr); errors exit 1, usage errors 2.
//
// Wire format (network byte order): magic u32 'EGPB' | flags u32 (bit 0: end marker) | seq u64 |
// send_ns u64, then padding up to --size. The end markers (three, 20 ms apart) carry in seq how many
// datagrams the sender sent, so the receiver knows the count without --expect and can stop early.
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr uint32_t kMagic = 0x45475042;  // "EGPB"
constexpr uint32_t kFlagEnd = 1;
constexpr size_t kHeaderBytes = 24;
constexpr size_t kWireOverhead = 42;     // Ethernet 14 + IPv4 20 + UDP 8: what HTB and the shaper count
constexpr size_t kBatch = 64;
constexpr size_t kMaxSize = 65507;
constexpr uint64_t kMaxSeq = 100'000'000;  // larger sequence numbers are not ours
constexpr int64_t kNsPerSec = 1'000'000'000;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int64_t now_ns(clockid_t clock = CLOCK_MONOTONIC) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * kNsPerSec + ts.tv_nsec;
}

void sleep_until_ns(int64_t t) {
  timespec ts{static_cast<time_t>(t / kNsPerSec), static_cast<long>(t % kNsPerSec)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

// CLOCK_REALTIME - CLOCK_MONOTONIC, from the tightest of a few bracketed readings.
int64_t realtime_offset_ns() {
  int64_t best_gap = INT64_MAX, offset = 0;
  for (int i = 0; i < 5; ++i) {
    const int64_t m0 = now_ns(), r = now_ns(CLOCK_REALTIME), m1 = now_ns();
    if (m1 - m0 < best_gap) best_gap = m1 - m0, offset = r - (m0 + (m1 - m0) / 2);
  }
  return offset;
}

// ---------------------------------------------------------------- arguments
class Args {
 public:
  Args(int argc, char** argv) {
    for (int i = 2; i < argc; ++i) {
      std::string k = argv[i];
      if (k.rfind("--", 0) != 0 || i + 1 >= argc) throw UsageError("bad argument '" + k + "' (options take a value)");
      values_[k.substr(2)] = argv[++i];
    }
  }
  bool has(const std::string& k) const { return values_.count(k) != 0; }
  std::string str(const std::string& k, const char* def = nullptr) {
    used_.push_back(k);
    auto it = values_.find(k);
    if (it != values_.end()) return it->second;
    if (def == nullptr) throw UsageError("missing --" + k);
    return def;
  }
  double num(const std::string& k, const char* def, double lo, double hi) {
    const std::string s = str(k, def);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !(v >= lo && v <= hi)) {
      throw UsageError("--" + k + " " + s + ": not a number in " + fmt(lo) + ".." + fmt(hi));
    }
    return v;
  }
  void check_all_used() const {
    for (const auto& [k, v] : values_) {
      if (std::find(used_.begin(), used_.end(), k) == used_.end()) throw UsageError("unknown option --" + k);
    }
  }
  static std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
  }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> used_;
};

sockaddr_in parse_endpoint(const std::string& s, bool need_port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  const auto colon = s.rfind(':');
  const std::string ip = colon == std::string::npos ? s : s.substr(0, colon);
  if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1) throw UsageError("'" + s + "': not an IPv4 address");
  if (colon != std::string::npos) {
    const int port = std::atoi(s.c_str() + colon + 1);
    if (port < 1 || port > 65535) throw UsageError("'" + s + "': bad port");
    a.sin_port = htons(static_cast<uint16_t>(port));
  } else if (need_port) {
    throw UsageError("'" + s + "': expected IP:PORT");
  }
  return a;
}

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// ---------------------------------------------------------------- wire format
void put_header(uint8_t* p, uint32_t flags, uint64_t seq, int64_t send_ns) {
  const uint32_t m = htobe32(kMagic), f = htobe32(flags);
  const uint64_t s = htobe64(seq), t = htobe64(static_cast<uint64_t>(send_ns));
  std::memcpy(p, &m, 4);
  std::memcpy(p + 4, &f, 4);
  std::memcpy(p + 8, &s, 8);
  std::memcpy(p + 16, &t, 8);
}

struct Header {
  bool ok = false;
  uint32_t flags = 0;
  uint64_t seq = 0;
  int64_t send_ns = 0;
};

Header get_header(const uint8_t* p, size_t len) {
  Header h;
  if (len < kHeaderBytes) return h;
  uint32_t m, f;
  uint64_t s, t;
  std::memcpy(&m, p, 4);
  std::memcpy(&f, p + 4, 4);
  std::memcpy(&s, p + 8, 8);
  std::memcpy(&t, p + 16, 8);
  h.ok = be32toh(m) == kMagic;
  h.flags = be32toh(f);
  h.seq = be64toh(s);
  h.send_ns = static_cast<int64_t>(be64toh(t));
  return h;
}

// ---------------------------------------------------------------- sockets
int sender_socket(Args& a) {
  const sockaddr_in to = parse_endpoint(a.str("to"), true);
  const int dscp = static_cast<int>(a.num("dscp", "0", 0, 63));
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) fail_errno("socket");
  const int tos = dscp << 2, sndbuf = 4 << 20;
  if (setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos) != 0) fail_errno("IP_TOS");
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  if (a.has("bind")) {
    const sockaddr_in b = parse_endpoint(a.str("bind"), false);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&b), sizeof b) != 0) fail_errno("bind " + a.str("bind"));
  }
  // connected: no route lookup per datagram; send() is sendto() to this address
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) fail_errno("connect " + a.str("to"));
  return fd;
}

int receiver_socket(Args& a) {
  const sockaddr_in at = parse_endpoint(a.str("listen"), true);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) fail_errno("socket");
  const int rcvbuf = 32 << 20, on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);  // not root: up to rmem_max
  }
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  const timeval tick{0, 50'000};  // wake up to check the deadlines
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0) fail_errno("bind " + a.str("listen"));
  return fd;
}

void send_end_markers(int fd, uint64_t count, size_t size) {
  std::vector<uint8_t> buf(size);
  for (int i = 0; i < 3; ++i) {
    put_header(buf.data(), kFlagEnd, count, now_ns());
    (void)send(fd, buf.data(), buf.size(), 0);
    if (i < 2) usleep(20'000);
  }
}

// Receives batches until the deadline, or until `idle_ns` without traffic after the first datagram,
// or until `done()` says so; hands each datagram (with its kernel and app times, monotonic ns; kernel
// 0 when the kernel gave none) to `on_datagram`.
template <class OnDatagram, class Done>
void receive_loop(int fd, int64_t deadline, int64_t idle_ns, OnDatagram on_datagram, Done done) {
  std::vector<uint8_t> bufs(kBatch * 2048);
  mmsghdr msgs[kBatch];
  iovec iovs[kBatch];
  alignas(cmsghdr) char ctrl[kBatch][CMSG_SPACE(sizeof(timespec))];
  int64_t offset = realtime_offset_ns(), offset_at = now_ns(), last_rx = 0;
  for (;;) {
    for (size_t i = 0; i < kBatch; ++i) {
      iovs[i] = {bufs.data() + i * 2048, 2048};
      msgs[i].msg_hdr = msghdr{};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = ctrl[i];
      msgs[i].msg_hdr.msg_controllen = sizeof ctrl[i];
    }
    // MSG_TRUNC: msg_len is the datagram's length even beyond the 2048 bytes kept
    const int n = recvmmsg(fd, msgs, kBatch, MSG_WAITFORONE | MSG_TRUNC, nullptr);
    const int64_t app = now_ns();
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) fail_errno("recvmmsg");
    if (app - offset_at > 100'000'000) offset = realtime_offset_ns(), offset_at = app;
    for (int i = 0; i < n; ++i) {
      int64_t kernel = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != nullptr; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts;
          std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
          kernel = int64_t{ts.tv_sec} * kNsPerSec + ts.tv_nsec - offset;
        }
      }
      on_datagram(static_cast<const uint8_t*>(iovs[i].iov_base), msgs[i].msg_len, kernel, app);
    }
    if (n > 0) last_rx = app;
    if (app >= deadline || done(app) || (last_rx != 0 && app - last_rx >= idle_ns)) return;
  }
}

// Sequence bookkeeping shared by recv and sink.
struct SeqTracker {
  std::vector<uint8_t> seen;
  uint64_t unique = 0, duplicates = 0, reordered = 0, bad = 0, end_count = 0;
  int64_t highest = -1;
  bool end_seen = false;

  bool add(const Header& h) {  // false for datagrams that are not counted (foreign, end markers, repeats)
    if (!h.ok || (h.flags & ~kFlagEnd) != 0 || h.seq >= kMaxSeq) {
      ++bad;
      return false;
    }
    if (h.flags & kFlagEnd) {
      end_seen = true;
      end_count = h.seq;
      return false;
    }
    if (h.seq >= seen.size()) seen.resize(std::max<size_t>(h.seq + 1, seen.size() * 2));
    if (seen[h.seq]) {
      ++duplicates;
      return false;
    }
    seen[h.seq] = 1;
    ++unique;
    if (static_cast<int64_t>(h.seq) < highest) ++reordered;
    highest = std::max(highest, static_cast<int64_t>(h.seq));
    return true;
  }
  uint64_t expected(uint64_t expect_opt) const {
    return std::max({expect_opt, end_seen ? end_count : 0, static_cast<uint64_t>(highest + 1)});
  }
};

// ---------------------------------------------------------------- JSON output
class Json {
 public:
  Json& kv(const char* k, const std::string& v) { return raw(k, "\"" + v + "\""); }
  Json& kv(const char* k, uint64_t v) { return raw(k, std::to_string(v)); }
  Json& kv(const char* k, double v) {
    char b[40];
    std::snprintf(b, sizeof b, std::isfinite(v) ? "%.3f" : "null", v);
    return raw(k, b);
  }
  Json& raw(const char* k, const std::string& v) {
    s_ += (s_.empty() ? "" : ",") + std::string("\"") + k + "\":" + v;
    return *this;
  }
  std::string str() const { return "{" + s_ + "}"; }

 private:
  std::string s_;
};

void emit(const Json& j, Args& a) {
  const std::string line = j.str();
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  if (a.has("json")) {
    FILE* f = std::fopen(a.str("json").c_str(), "w");
    if (f == nullptr) fail_errno("write " + a.str("json"));
    std::fprintf(f, "%s\n", line.c_str());
    std::fclose(f);
  }
}

// Latency samples (ns) summed up in microseconds; percentiles by nearest rank.
struct Latency {
  uint64_t samples = 0;
  double min = NAN, p50 = NAN, p90 = NAN, p99 = NAN, p999 = NAN, max = NAN, mean = NAN;

  explicit Latency(std::vector<int64_t> v) : samples(v.size()) {
    if (v.empty()) return;
    std::sort(v.begin(), v.end());
    auto pct = [&](double p) {
      const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
      return us(v[std::clamp<size_t>(rank, 1, v.size()) - 1]);
    };
    double sum = 0;
    for (int64_t x : v) sum += static_cast<double>(x);
    min = us(v.front()), p50 = pct(0.5), p90 = pct(0.9), p99 = pct(0.99), p999 = pct(0.999), max = us(v.back());
    mean = sum / static_cast<double>(v.size()) / 1e3;
  }
  static double us(int64_t ns) { return static_cast<double>(ns) / 1e3; }
  void add_to(Json& j) const {
    j.kv("p50_us", p50).kv("p90_us", p90).kv("p99_us", p99).kv("p999_us", p999).kv("max_us", max).kv("mean_us", mean).kv("min_us", min);
  }
  std::string json() const {
    Json j;
    j.kv("samples", samples);
    add_to(j);
    return j.str();
  }
};

// ---------------------------------------------------------------- modes
int run_send(Args& a) {
  const int fd = sender_socket(a);
  const double pps = a.num("pps", nullptr, 1, 1e6), seconds = a.num("seconds", nullptr, 0.001, 86400);
  const size_t size = static_cast<size_t>(a.num("size", "64", kHeaderBytes, kMaxSize));
  // the last stretch before a deadline is spun: a sleeping (virtual) CPU often wakes up 1-3 ms late
  const int64_t spin_ns = static_cast<int64_t>(a.num("spin-us", "300", 0, 10000) * 1e3);
  a.check_all_used();
  prctl(PR_SET_TIMERSLACK, 1UL);  // clock_nanosleep wakes on time, not up to 50 us late
  const auto period = static_cast<int64_t>(1e9 / pps);
  const auto count = static_cast<uint64_t>(pps * seconds);
  std::vector<uint8_t> buf(size);
  std::vector<int64_t> late;
  late.reserve(count);
  uint64_t sent = 0, errors = 0;
  const int64_t start = now_ns() + 1'000'000;
  for (uint64_t i = 0; i < count; ++i) {
    const int64_t due = start + static_cast<int64_t>(i) * period;  // absolute: no drift
    if (due - now_ns() > spin_ns) sleep_until_ns(due - spin_ns);
    while (now_ns() < due) {
    }
    const int64_t t = now_ns();
    put_header(buf.data(), 0, i, t);
    if (send(fd, buf.data(), buf.size(), 0) == static_cast<ssize_t>(buf.size())) ++sent; else ++errors;
    late.push_back(t - due);
  }
  const double elapsed = static_cast<double>(now_ns() - start) / 1e9;
  send_end_markers(fd, count, size);
  std::sort(late.begin(), late.end());
  const double late_p99 = late.empty() ? 0 : static_cast<double>(late[late.size() * 99 / 100]) / 1e3;
  const double late_max = late.empty() ? 0 : static_cast<double>(late.back()) / 1e3;
  std::fprintf(stderr, "udp_probe send: %lu datagrams in %.2f s (%lu send errors), lateness p99 %.1f us, max %.1f us\n",
               sent, elapsed, errors, late_p99, late_max);
  emit(Json().kv("mode", "send").kv("sent", sent).kv("send_errors", errors).kv("seconds", elapsed)
           .kv("pps", static_cast<double>(sent) / elapsed).kv("late_p99_us", late_p99).kv("late_max_us", late_max), a);
  return 0;
}

int run_recv(Args& a) {
  const int fd = receiver_socket(a);
  const double seconds = a.num("seconds", nullptr, 0.001, 86400);
  const auto expect = static_cast<uint64_t>(a.num("expect", "0", 0, static_cast<double>(kMaxSeq)));
  a.str("json", "");
  a.check_all_used();
  SeqTracker seq;
  std::vector<int64_t> kernel_lat, app_lat;
  std::vector<std::pair<int64_t, uint64_t>> slowest;  // (latency ns, seq), the worst few
  int64_t last_rx = 0;
  const int64_t start = now_ns();
  receive_loop(
      fd, start + static_cast<int64_t>(seconds * 1e9), kNsPerSec,
      [&](const uint8_t* p, size_t len, int64_t kernel, int64_t app) {
        const Header h = get_header(p, len);
        last_rx = app;
        if (!seq.add(h)) return;
        app_lat.push_back(app - h.send_ns);
        if (kernel != 0) kernel_lat.push_back(kernel - h.send_ns);
        slowest.emplace_back((kernel != 0 ? kernel : app) - h.send_ns, h.seq);
        if (slowest.size() > 64) {  // keep the worst 5 cheaply
          std::nth_element(slowest.begin(), slowest.begin() + 5, slowest.end(), std::greater<>());
          slowest.resize(5);
        }
      },
      [&](int64_t now) {
        const bool all = seq.unique >= seq.expected(expect) && (expect > 0 || seq.end_seen);
        return all || (seq.end_seen && now - last_rx > 200'000'000);
      });
  const uint64_t expected = seq.expected(expect), lost = expected - seq.unique;
  // the kernel's stamps are the headline only when every datagram had one
  const bool kernel_headline = !kernel_lat.empty() && kernel_lat.size() == app_lat.size();
  const Latency kernel_rx(std::move(kernel_lat)), app_rx(std::move(app_lat));
  const Latency& head = kernel_headline ? kernel_rx : app_rx;
  Json j;
  j.kv("mode", "recv").kv("received", seq.unique).kv("expected", expected).kv("lost", lost);
  j.kv("reordered", seq.reordered).kv("duplicates", seq.duplicates).kv("foreign", seq.bad);
  j.kv("end_seen", std::string(seq.end_seen ? "yes" : "no")).kv("headline", std::string(kernel_headline ? "kernel_rx" : "app"));
  head.add_to(j);
  j.raw("kernel_rx", kernel_rx.json()).raw("app", app_rx.json());
  // Where the tail and the losses are in the run: the worst datagrams and the missing runs by
  // sequence number (the sender's pace turns them into times).
  std::sort(slowest.begin(), slowest.end(), std::greater<>());
  if (slowest.size() > 5) slowest.resize(5);
  std::string worst = "[";
  for (const auto& [ns, n] : slowest) {
    worst += (worst.size() > 1 ? "," : "") + std::string("{\"seq\":") + std::to_string(n) +
             ",\"us\":" + std::to_string(static_cast<double>(ns) / 1e3) + "}";
  }
  j.raw("slowest", worst + "]");
  std::string gaps = "[";
  unsigned gap_count = 0;
  for (uint64_t n = 0; n < expected && gap_count < 10; ++n) {
    if (n < seq.seen.size() && seq.seen[n]) continue;
    uint64_t end = n;
    while (end < expected && (end >= seq.seen.size() || !seq.seen[end])) ++end;
    gaps += (gap_count++ != 0 ? "," : "") + std::string("{\"first\":") + std::to_string(n) +
            ",\"count\":" + std::to_string(end - n) + "}";
    n = end;
  }
  j.raw("missing", gaps + "]");
  std::fprintf(stderr, "udp_probe recv: %lu of %lu received, %lu lost, %lu reordered; %s latency p50 %.1f p99 %.1f p99.9 %.1f max %.1f us\n",
               seq.unique, expected, lost, seq.reordered, kernel_headline ? "kernel_rx" : "app", head.p50, head.p99,
               head.p999, head.max);
  emit(j, a);
  return 0;
}

int run_blast(Args& a) {
  const int fd = sender_socket(a);
  const double mbit = a.num("mbit", nullptr, 0.001, 100000), seconds = a.num("seconds", nullptr, 0.001, 86400);
  const size_t size = static_cast<size_t>(a.num("size", "1400", kHeaderBytes, kMaxSize));
  a.check_all_used();
  prctl(PR_SET_TIMERSLACK, 1UL);
  const double pps = mbit * 1e6 / (static_cast<double>(size + kWireOverhead) * 8);
  // a wake-up sends what is due: about 10k wake-ups per second at most, up to kBatch datagrams each
  const auto per_wake = static_cast<uint64_t>(std::clamp(std::ceil(pps / 10000), 1.0, double{kBatch}));
  const auto max_behind = static_cast<uint64_t>(std::max(pps * 0.005, double{kBatch}));  // 5 ms of catch-up
  std::vector<uint8_t> bufs(kBatch * size);
  mmsghdr msgs[kBatch];
  iovec iovs[kBatch];
  for (size_t i = 0; i < kBatch; ++i) {
    iovs[i] = {bufs.data() + i * size, size};
    msgs[i] = mmsghdr{};
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  uint64_t sent = 0, errors = 0, skipped = 0, calls = 0;
  const int64_t start = now_ns(), end = start + static_cast<int64_t>(seconds * 1e9);
  auto due_at = [&](uint64_t n) { return start + static_cast<int64_t>(static_cast<double>(n) * 1e9 / pps); };
  for (;;) {
    int64_t now = now_ns();
    if (now >= end) break;
    auto due = static_cast<uint64_t>(static_cast<double>(now - start) * pps / 1e9) + 1;
    uint64_t slots = sent + errors + skipped;  // pacing slots used up
    if (due <= slots) {
      sleep_until_ns(std::min(due_at(slots + per_wake - 1), end));
      continue;
    }
    if (due - slots > max_behind) {  // stalled for long: skip slots rather than send a huge burst
      skipped += due - slots - max_behind;
      slots = due - max_behind;
    }
    const auto n = static_cast<unsigned>(std::min<uint64_t>(due - slots, kBatch));
    now = now_ns();
    // sequence numbers count what was sent: a refused or skipped slot is not a loss at the sink
    for (unsigned i = 0; i < n; ++i) put_header(bufs.data() + i * size, 0, sent + i, now);
    const int r = sendmmsg(fd, msgs, n, 0);
    ++calls;
    if (r > 0) sent += static_cast<uint64_t>(r);
    if (r < static_cast<int>(n)) ++errors;  // the first refused datagram is counted and skipped, not retried
  }
  const double elapsed = static_cast<double>(now_ns() - start) / 1e9;
  send_end_markers(fd, sent, size);
  const double l2 = static_cast<double>(sent) * static_cast<double>(size + kWireOverhead) * 8 / elapsed / 1e6;
  const double payload = static_cast<double>(sent) * static_cast<double>(size) * 8 / elapsed / 1e6;
  std::fprintf(stderr, "udp_probe blast: %lu datagrams of %zu bytes in %.2f s = %.1f Mbit/s L2 (asked %.1f), %lu refused, %lu skipped\n",
               sent, size, elapsed, l2, mbit, errors, skipped);
  emit(Json().kv("mode", "blast").kv("packets", sent).kv("send_errors", errors).kv("skipped", skipped)
           .kv("sendmmsg_calls", calls).kv("seconds", elapsed).kv("mbit_l2", l2).kv("mbit_payload", payload)
           .kv("mbit_asked", mbit), a);
  return 0;
}

int run_sink(Args& a) {
  const int fd = receiver_socket(a);
  const double seconds = a.num("seconds", nullptr, 0.001, 86400);
  a.str("json", "");
  a.check_all_used();
  SeqTracker seq;
  uint64_t bytes = 0;
  int64_t first = 0, last = 0;
  const int64_t start = now_ns();
  receive_loop(
      fd, start + static_cast<int64_t>(seconds * 1e9), kNsPerSec,
      [&](const uint8_t* p, size_t len, int64_t, int64_t app) {
        if (!seq.add(get_header(p, len))) return;
        bytes += len;
        if (first == 0) first = app;
        last = app;
      },
      [&](int64_t now) { return seq.end_seen && now - last > 200'000'000; });
  const double span = last > first ? static_cast<double>(last - first) / 1e9 : 0;
  const double payload = span > 0 ? static_cast<double>(bytes) * 8 / span / 1e6 : 0;
  const double l2 = span > 0 ? static_cast<double>(bytes + seq.unique * kWireOverhead) * 8 / span / 1e6 : 0;
  const uint64_t expected = seq.expected(0);
  std::fprintf(stderr, "udp_probe sink: %lu datagrams in %.2f s = %.1f Mbit/s payload, %.1f Mbit/s L2; %lu of %lu lost\n",
               seq.unique, span, payload, l2, expected - seq.unique, expected);
  emit(Json().kv("mode", "sink").kv("packets", seq.unique).kv("bytes", bytes).kv("seconds", span)
           .kv("mbit_payload", payload).kv("mbit_l2", l2).kv("expected", expected).kv("lost", expected - seq.unique)
           .kv("end_seen", std::string(seq.end_seen ? "yes" : "no")), a);
  return 0;
}

constexpr const char* kUsage =
    "usage: udp_probe send  --to IP:PORT --pps N --seconds S [--size BYTES] [--dscp D] [--bind IP] [--spin-us U]\n"
    "       udp_probe recv  --listen IP:PORT --seconds S [--json FILE] [--expect N]\n"
    "       udp_probe blast --to IP:PORT --mbit R --seconds S [--size BYTES] [--dscp D] [--bind IP]\n"
    "       udp_probe sink  --listen IP:PORT --seconds S [--json FILE]\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string mode = argv[1];
  try {
    Args a(argc, argv);
    if (mode == "send") return run_send(a);
    if (mode == "recv") return run_recv(a);
    if (mode == "blast") return run_blast(a);
    if (mode == "sink") return run_sink(a);
    throw UsageError("unknown mode '" + mode + "'");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "udp_probe: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "udp_probe %s: %s\n", mode.c_str(), e.what());
    return 1;
  }
}
