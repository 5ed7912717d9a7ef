// GET /healthz (the process answers) and GET /readyz (it can take values); also as /-/healthy
// and /-/ready, the names Prometheus and Alertmanager use.
#include <boost/json.hpp>

#include "http/service.hpp"

namespace indicatord {

namespace json = boost::json;

HttpResponse Service::get_health() const {
    return json_ok(json::object{{"status", "ok"}});
}

HttpResponse Service::get_ready() const {
    if (!d_.ready())
        return json_error(503, "not ready: the configuration or database is not loaded");
    if (d_.storage_problem)
        if (auto problem = d_.storage_problem(); !problem.empty())
            return json_error(503, "not ready: " + problem);
    return json_ok(json::object{{"status", "ready"}});
}

}  // namespace indicatord
