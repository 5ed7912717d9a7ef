// indicatorctl: offline tools over the same loader the daemon uses.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "config.hpp"
#include "errors.hpp"
#include "plan.hpp"

namespace {

constexpr const char* kUsage =
    "usage: indicatorctl check CONFIG     validate the config and its rules\n";

int check(const std::string& config_path) {
    using namespace indicatord;
    auto config = load_config(config_path);
    auto plan = load_plan(config.rules);
    std::map<std::string, int> kinds;
    for (const auto& i : plan.indicators) ++kinds[std::string(kind_name(i.rule))];
    std::cout << "ok: plan " << plan.id << ": " << plan.tasks.size() << " tasks, " << plan.indicators.size()
              << " indicators (";
    bool first = true;
    for (auto& [k, n] : kinds) {
        std::cout << (first ? "" : ", ") << k << " " << n;
        first = false;
    }
    std::cout << "), " << plan.units.size() << " units\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() == 2 && args[0] == "check") return check(args[1]);
        if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
            std::cout << kUsage;
            return 0;
        }
        std::cerr << kUsage;
        return 2;
    } catch (const indicatord::ConfigError& e) {
        std::cerr << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "indicatorctl: " << e.what() << "\n";
        return 1;
    }
}
