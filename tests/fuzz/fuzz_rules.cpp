// load_plan on one rules file (the bytes, written to a scratch .yaml file). A ConfigError is
// the expected answer to a bad file; any other exception escaping is a bug. A plan that loads
// is then put through what the daemon does with it at startup: an Engine (time zone, due
// dates, expressions), one evaluation during the plan year and one after it, and the JSON of
// `indicatorctl plan --json`.

#include <date/date.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>

#include "eval/engine.hpp"
#include "fuzz_util.hpp"
#include "http/plan_json.hpp"
#include "util/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace indicatord;
    const auto path = fuzz::write_input("rules.yaml", data, size);
    std::shared_ptr<const Plan> plan;
    try {
        plan = std::make_shared<const Plan>(load_plan({path}));
    } catch (const ConfigError& e) {
        if (std::string(e.what()).empty()) fuzz::fail("ConfigError without a message");
        return 0;
    } catch (const std::exception& e) {
        fuzz::fail(std::string("load_plan threw ") + typeid(e).name() +
                   " (not ConfigError): " + e.what());
    }
    for (const auto& ind : plan->indicators)
        if (plan->index_of(ind.key) < 0 || !plan->find_task(ind.task) ||
            !plan->find_unit(ind.lead_unit))
            fuzz::fail("indicator '" + ind.key + "' does not resolve in its own plan");
    try {
        Engine engine(plan, nullptr);
        const date::year y{plan->year};
        engine.evaluate_all(std::chrono::time_point_cast<std::chrono::milliseconds>(
            date::sys_days{y / date::July / 15}));
        engine.evaluate_all(std::chrono::time_point_cast<std::chrono::milliseconds>(
            date::sys_days{(y + date::years{1}) / date::March / 1}));
        (void)plan_to_json(*plan);
    } catch (const ConfigError&) {
        // An unknown time zone is found by the Engine, as it is when the daemon starts.
    } catch (const std::exception& e) {
        fuzz::fail(std::string("a loaded plan threw ") + typeid(e).name() + ": " + e.what());
    }
    return 0;
}
