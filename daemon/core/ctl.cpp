#include "ctl.hpp"

#include <boost/json.hpp>

#include <iostream>
#include <map>

#include "config.hpp"
#include "errors.hpp"
#include "json_text.hpp"
#include "plan.hpp"
#include "plan_json.hpp"

namespace indicatord {

namespace {

constexpr const char* kUsage =
    "usage: indicatorctl COMMAND ...\n"
    "  check CONFIG           validate the config and its rules; print a summary\n"
    "  plan --json CONFIG     print the loaded plan as JSON (docs/plan-json.md)\n";

Plan plan_of(const std::string& config_path) {
    return load_plan(load_config(config_path).rules);
}

int check(const std::string& config_path, std::ostream& out) {
    const auto plan = plan_of(config_path);
    std::map<std::string, int> kinds;
    for (const auto& i : plan.indicators) ++kinds[std::string(kind_name(i.rule))];
    out << "ok: plan " << plan.id << ": " << plan.tasks.size() << " tasks, " << plan.indicators.size()
        << " indicators (";
    bool first = true;
    for (const auto& [k, n] : kinds) {
        out << (first ? "" : ", ") << k << " " << n;
        first = false;
    }
    out << "), " << plan.units.size() << " units\n";
    return 0;
}

}  // namespace

int ctl_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        if (args.size() == 2 && args[0] == "check") return check(args[1], out);
        if (args.size() == 3 && args[0] == "plan" && args[1] == "--json") {
            out << json_text(plan_to_json(plan_of(args[2])), true) << "\n";
            return 0;
        }
        if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
            out << kUsage;
            return 0;
        }
        err << kUsage;
        return 2;
    } catch (const UsageError& e) {
        err << "indicatorctl: " << e.what() << "\n" << kUsage;
        return 2;
    } catch (const ConfigError& e) {
        err << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        err << "indicatorctl: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace indicatord
