// rendered_dom: headless Chromium with a fresh profile.
#include "harness/browser.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "harness/process.hpp"

namespace edgegw::test {

std::string rendered_dom(const std::string& url, const std::string& profile_dir, const std::string& screenshot) {
  std::vector<std::string> argv = {"/usr/bin/chromium",
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--no-first-run",
                                   "--user-data-dir=" + profile_dir,
                                   "--virtual-time-budget=3000"};
  if (!screenshot.empty()) {
    argv.push_back("--screenshot=" + screenshot);
    argv.push_back("--window-size=1100,500");
  } else {
    argv.push_back("--dump-dom");
  }
  argv.push_back(url);
  CommandResult r = run(argv, std::chrono::seconds(90));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return r.out;
}

}  // namespace edgegw::test
