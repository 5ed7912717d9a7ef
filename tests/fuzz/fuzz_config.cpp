// load_config on one config file (the bytes, written to a scratch .yaml file). A ConfigError is
// the expected answer to a bad file; any other exception escaping is a bug.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <typeinfo>

#include "config/config.hpp"
#include "fuzz_util.hpp"
#include "util/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace indicatord;
    const auto path = fuzz::write_input("indicatord.yaml", data, size);
    try {
        const DaemonConfig c = load_config(path);
        if (c.rules.empty()) fuzz::fail("a config without rules loaded");
        if (c.evaluation_interval.count() <= 0) fuzz::fail("evaluation_interval not positive");
        if (c.http.body_bytes == 0 || c.http.header_bytes == 0 || c.http.max_connections == 0)
            fuzz::fail("an HTTP limit of 0 loaded");
        if (c.http.header_bytes > std::numeric_limits<std::uint32_t>::max())
            fuzz::fail("header_limit_bytes does not fit the 32 bits the server gives Beast");
        for (auto d : {c.evaluation_interval, c.http.idle_timeout, c.http.read_timeout,
                       c.http.drain_timeout, c.alerting.group_interval, c.alerting.repeat_interval,
                       c.alerting.pending_for, c.alerting.smtp.timeout, c.alerting.backoff_initial,
                       c.alerting.backoff_max, c.alerting.give_up_after})
            if (d.count() < 0 || d > std::chrono::hours(24 * 366 * 100))
                fuzz::fail("a duration beyond 100 years loaded: " + std::to_string(d.count()) +
                           "s");
        if (!c.alerting.smtp.url.empty() && !c.alerting.smtp.url.starts_with("smtp"))
            fuzz::fail("an smtp url without smtp:// loaded");
    } catch (const ConfigError& e) {
        if (std::string(e.what()).empty()) fuzz::fail("ConfigError without a message");
    } catch (const std::exception& e) {
        fuzz::fail(std::string("load_config threw ") + typeid(e).name() +
                   " (not ConfigError): " + e.what());
    }
    return 0;
}
