// Headless Chromium for status page tests (Debian's chromium, a fresh profile per call).
#pragma once

#include <string>

namespace edgegw::test {

// Runs headless Chromium on `url`; returns the DOM after the page's scripts ran (or, with
// `screenshot`, writes a PNG there instead).
std::string rendered_dom(const std::string& url, const std::string& profile_dir, const std::string& screenshot = "");

}  // namespace edgegw::test
