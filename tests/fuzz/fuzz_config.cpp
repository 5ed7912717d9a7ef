// load_config on one config file (the bytes, written to a scratch .yaml file). A ConfigError is
// the expected answer to a bad file; any other exception escaping is a bug.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <typeinfo>

#include "config.hpp"
#include "errors.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace indicatord;
    const auto path = fuzz::write_input("indicatord.yaml", data, size);
    try {
        const DaemonConfig c = load_config(path);
        if (c.rules.empty()) fuzz::fail("a config without rules loaded");
        if (c.evaluation_interval.count() <= 0) fuzz::fail("evaluation_interval not positive");
        if (c.http.body_bytes == 0 || c.http.header_bytes == 0 || c.http.max_connections == 0)
            fuzz::fail("an HTTP limit of 0 loaded");
        if (!c.alerting.smtp.url.empty() && !c.alerting.smtp.url.starts_with("smtp"))
            fuzz::fail("an smtp url without smtp:// loaded");
    } catch (const ConfigError& e) {
        if (std::string(e.what()).empty()) fuzz::fail("ConfigError without a message");
    } catch (const std::exception& e) {
        fuzz::fail(std::string("load_config threw ") + typeid(e).name() + " (not ConfigError): " + e.what());
    }
    return 0;
}
