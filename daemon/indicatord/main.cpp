// indicatord: parses arguments, builds the App, maps failures to exit codes.
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/app.hpp"
#include "app/cli.hpp"
#include "app/log.hpp"
#include "app/rules.hpp"
#include "util/errors.hpp"

int main(int argc, char** argv) {
    using namespace indicatord;
    setup_logging();
    try {
        const auto args = parse_daemon_args({argv + 1, argv + argc});
        if (args.help) {
            std::cout << kDaemonUsage;
            return 0;
        }
        if (args.version) {
            std::cout << "indicatord " << kVersion << "\n";
            return 0;
        }
        auto config = resolve_config(args);
        spdlog::set_level(spdlog::level::from_str(config.log_level));
        if (args.check_only) {
            auto rules = load_rules(config);
            std::cout << "ok: " << plans_text(*rules.plan) << ", " << rules.plan->tasks.size()
                      << " tasks, " << rules.plan->indicators.size() << " indicators\n";
            return 0;
        }
        std::unique_ptr<Clock> clock;
        ManualClock* manual = nullptr;
        if (args.test_clock) {
            auto c = std::make_unique<ManualClock>(config.now ? *parse_instant(*config.now)
                                                              : SystemClock().now());
            manual = c.get();
            clock = std::move(c);
        } else if (config.now) {
            clock = std::make_unique<OffsetClock>(*parse_instant(*config.now));
        } else {
            clock = std::make_unique<SystemClock>();
        }
        App app(std::move(config), std::move(clock), manual);
        return app.run();
    } catch (const UsageError& e) {
        std::cerr << "indicatord: " << e.what() << "\n" << kDaemonUsage;
        return 2;
    } catch (const ConfigError& e) {  // the same code as `indicatorctl check`
        std::cerr << "indicatord: " << e.what() << "\n";
        return 1;
    } catch (const StorageError& e) {
        std::cerr << "indicatord: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "indicatord: " << e.what() << "\n";
        return 1;
    }
}
