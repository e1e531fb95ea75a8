// Routes of the management HTTP API (read-only in this version: changing needs login, which the
// web module does not have yet, so every non-GET is refused).
#include "edgegw/web/routes.hpp"

#include <nlohmann/json.hpp>

#include "edgegw/control/control_api.hpp"

namespace edgegw::web {
namespace {

HttpResponse json_response(unsigned status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(2) + "\n";
  return r;
}

HttpResponse error_response(unsigned status, const std::string& code, const std::string& message) {
  return json_response(status, {{"error", {{"code", code}, {"message", message}}}});
}

}  // namespace

HttpResponse route(const HttpRequest& request, control::ControlApi& api, HttpCounters& counters) {
  ++counters.requests;
  std::string path = request.target.substr(0, request.target.find('?'));
  if (request.method != "GET" && request.method != "HEAD") {
    ++counters.bad_request;
    HttpResponse r = error_response(405, "method_not_allowed", "method " + request.method + " is not allowed on " + path);
    r.allow = "GET, HEAD";
    return r;
  }
  if (path == "/" || path == "/index.html") {
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body = status_page_html();
    return r;
  }
  if (path == "/api/v1/status") {
    nlohmann::json status = api.status();
    status["counters"]["http.requests"] = counters.requests;
    status["counters"]["http.bad_request"] = counters.bad_request;
    status["counters"]["http.not_found"] = counters.not_found;
    return json_response(200, status);
  }
  if (path == "/api/v1/ports") return json_response(200, api.ports());
  if (path == "/api/v1/networks") return json_response(200, api.networks());
  if (path == "/api/v1/security-groups") return json_response(200, api.security_groups());
  if (path == "/api/v1/slices") return json_response(200, api.slices());
  if (path.rfind("/api/v1/slices/", 0) == 0) {
    const std::string name = path.substr(std::string("/api/v1/slices/").size());
    if (auto s = api.slice_show(name)) return json_response(200, *s);
    ++counters.not_found;
    return error_response(404, "not_found", "no slice named '" + name + "'");
  }
  if (path == "/api/v1/guests") return json_response(200, api.guests());
  if (path.rfind("/api/v1/guests/", 0) == 0) {
    const std::string name = path.substr(std::string("/api/v1/guests/").size());
    if (auto g = api.guest_show(name)) return json_response(200, *g);
    ++counters.not_found;
    return error_response(404, "not_found", "no guest named '" + name + "'");
  }
  if (path == "/api/v1/config") {
    nlohmann::json show = api.config_show();
    if (show.is_null()) return error_response(404, "not_found", "no config applied yet");
    return json_response(200, show);
  }
  if (path == "/api/v1/config/history") return json_response(200, api.config_history(50));
  ++counters.not_found;
  return error_response(404, "not_found", "no resource at " + path);
}

}  // namespace edgegw::web
