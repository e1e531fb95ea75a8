// HTTP routing independent of Beast: a request in plain values, a response in plain values, so the
// routes are tested without sockets.
#pragma once

#include <cstdint>
#include <string>

namespace edgegw::control {
class ControlApi;
}

namespace edgegw::web {

struct HttpRequest {
  std::string method;  // GET, POST, ...
  std::string target;  // path with query
  std::string body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // for 405
};

struct HttpCounters {
  uint64_t requests = 0;
  uint64_t bad_request = 0;  // malformed HTTP, over-size, unknown method
  uint64_t not_found = 0;
};

HttpResponse route(const HttpRequest& request, control::ControlApi& api, HttpCounters& counters);

// The status page (HTML + inline script that polls /api/v1/status).
const char* status_page_html();

}  // namespace edgegw::web
