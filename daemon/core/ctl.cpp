#include "ctl.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <map>

#include "auth.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "json_text.hpp"
#include "plan.hpp"
#include "plan_json.hpp"
#include "rules.hpp"

namespace indicatord {

namespace {

constexpr const char* kUsage =
    "usage: indicatorctl COMMAND ...\n"
    "  check CONFIG           validate the config and its rules; print a summary\n"
    "  plan --json CONFIG     print the loaded plan as JSON (docs/plan-json.md)\n"
    "  token create CONFIG (--unit ID | --admin) --id TOKEN_ID\n"
    "                         add a token to the config's auth.tokens_file (only its hash is\n"
    "                         stored) and print the token once\n";

Plan plan_of(const std::string& config_path) {
    return load_plan(load_config(config_path).rules);
}

int check(const std::string& config_path, std::ostream& out) {
    const auto rules = load_rules(load_config(config_path));
    const auto& plan = *rules.plan;
    std::map<std::string, int> kinds;
    for (const auto& i : plan.indicators) ++kinds[std::string(kind_name(i.rule))];
    out << "ok: plan " << plan.id << ": " << plan.tasks.size() << " tasks, " << plan.indicators.size()
        << " indicators (";
    bool first = true;
    for (const auto& [k, n] : kinds) {
        out << (first ? "" : ", ") << k << " " << n;
        first = false;
    }
    out << "), " << plan.units.size() << " units; calendars";
    for (int y : rules.calendar->years()) out << " " << y;
    if (rules.tokens) out << "; " << rules.tokens->size() << " tokens";
    out << "\n";
    return 0;
}

int token_create(const std::vector<std::string>& args, std::ostream& out) {
    std::string config_path, unit, id;
    bool admin = false;
    for (std::size_t i = 2; i < args.size(); ++i) {
        auto value = [&](const char* name) {
            if (i + 1 >= args.size()) throw UsageError(std::string(name) + " needs a value");
            return args[++i];
        };
        if (args[i] == "--unit") unit = value("--unit");
        else if (args[i] == "--id") id = value("--id");
        else if (args[i] == "--admin") admin = true;
        else if (config_path.empty() && !args[i].starts_with("--")) config_path = args[i];
        else throw UsageError("unknown argument '" + args[i] + "'");
    }
    if (config_path.empty() || id.empty() || admin == !unit.empty())
        throw UsageError("token create needs CONFIG, --id TOKEN_ID and one of --unit ID or --admin");
    const auto config = load_config(config_path);
    if (!config.auth.tokens_file)
        throw UsageError(config_path + " has no auth.tokens_file: add one to say where tokens are kept");
    const auto plan = load_plan(config.rules);
    if (!unit.empty() && !plan.find_unit(unit)) throw UsageError("unknown unit '" + unit + "'");
    const auto& file = *config.auth.tokens_file;
    if (std::filesystem::exists(file)) {
        auto existing = TokenStore::load(file, &plan);  // validates; refuses a duplicate id below
        if (existing.has(id))
            throw UsageError("token id '" + id + "' already exists in " + file.string());
    }
    auto [token, entry] = TokenStore::create(id, unit, admin);
    const bool fresh = !std::filesystem::exists(file) || std::filesystem::file_size(file) == 0;
    std::ofstream f(file, std::ios::app);
    if (fresh) f << "# API tokens of indicatord: only SHA-256 hashes. Add with `indicatorctl token create`.\ntokens:\n";
    f << "  - id: " << entry.id << "\n";
    if (admin) f << "    admin: true\n";
    else f << "    unit: " << entry.unit << "\n";
    f << "    sha256: " << entry.sha256 << "\n";
    if (!f) throw std::runtime_error("cannot write " + file.string());
    std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    out << token << "\n";
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
        if (args.size() >= 2 && args[0] == "token" && args[1] == "create") return token_create(args, out);
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
