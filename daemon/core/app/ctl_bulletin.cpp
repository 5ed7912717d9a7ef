#include "app/ctl_bulletin.hpp"

#include <date/tz.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>

#include "app/rules.hpp"
#include "config/config.hpp"
#include "config/scoring.hpp"
#include "report/bulletin_formats.hpp"
#include "report/bulletin_load.hpp"
#include "store/as_of.hpp"
#include "util/errors.hpp"

namespace indicatord {

const char* const kBulletinUsage =
    "  bulletin CONFIG [--plan ID] [--as-of RFC3339|DATE] [--since RFC3339|DATE]\n"
    "         [--format xlsx|html|md|json] [-o FILE] [--database DB]\n"
    "                         the bulletin (督查通报) of the plan as it stood at the instant\n"
    "                         (default: now; a DATE is its whole day), from the config's\n"
    "                         database (or DB), offline; the format defaults to -o's\n"
    "                         extension, else json; --since adds what changed since that\n"
    "                         earlier instant (docs/bulletins.md)\n";

int bulletin_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::map<std::string, std::string> opts;
    std::vector<std::string> positional;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a == "--plan" || a == "--as-of" || a == "--since" || a == "--format" || a == "-o" ||
            a == "--database") {
            if (i + 1 >= args.size()) throw UsageError("bulletin: " + a + " needs a value");
            if (opts.count(a)) throw UsageError("bulletin: " + a + " given twice");
            opts[a] = args[++i];
        } else if (a.starts_with("-")) {
            throw UsageError("bulletin: unknown option '" + a + "'");
        } else {
            positional.push_back(a);
        }
    }
    if (positional.size() != 1) throw UsageError("bulletin needs CONFIG");
    const auto config = load_config(positional[0]);
    const auto rules = load_rules(config);
    const auto get = [&](const char* k) -> std::string {
        auto it = opts.find(k);
        return it == opts.end() ? std::string() : it->second;
    };
    const auto plan = bulletin_plan(*rules.plan, get("--plan"));
    if (!plan)
        throw UsageError("bulletin: --plan '" + get("--plan") + "': no such plan (" +
                         plans_text(*rules.plan) + ")");
    BulletinFormat format = BulletinFormat::json;
    if (auto f = get("--format"); !f.empty()) {
        const auto parsed = parse_bulletin_format(f);
        if (!parsed)
            throw UsageError("bulletin: --format must be xlsx, html, md or json, got '" + f + "'");
        format = *parsed;
    } else if (auto o = get("-o"); !o.empty()) {
        const auto ext = std::filesystem::path(o).extension().string();
        if (const auto parsed = parse_bulletin_format(ext.empty() ? "" : ext.substr(1)))
            format = *parsed;
    }
    const auto* zone = date::locate_zone(rules.plan->timezone);  // unknown: throws, as Engine
    TimePoint as_of =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    if (auto a = get("--as-of"); !a.empty()) {
        const auto parsed = parse_as_of(a, zone);
        if (!parsed)
            throw UsageError(
                "bulletin: --as-of must be a date like 2023-07-31 or an RFC 3339 "
                "instant like 2023-07-31T18:00:00+08:00, got '" +
                a + "'");
        as_of = *parsed;
    }
    std::optional<TimePoint> since;
    if (auto a = get("--since"); !a.empty()) {
        since = parse_as_of(a, zone);
        if (!since)
            throw UsageError(
                "bulletin: --since must be a date like 2023-06-30 or an RFC 3339 "
                "instant, got '" +
                a + "'");
        if (*since >= as_of)
            throw UsageError("bulletin: --since " + a + " is not before the bulletin's instant " +
                             format_instant(as_of));
    }
    const std::filesystem::path database =
        get("--database").empty() ? config.database : std::filesystem::path(get("--database"));
    auto db = open_for_reading(database);
    const auto& plans = rules.plan->plans;
    const auto scoring =
        find_scoring(config.rules, *plan < plans.size() ? plans[*plan].id : rules.plan->id);
    const auto* rules_of = scoring ? &*scoring : nullptr;
    const auto bulletin =
        since ? bulletin_since(db, rules.plan, rules.calendar, *plan, as_of, *since, rules_of)
              : bulletin_from_store(db, rules.plan, rules.calendar, *plan, as_of, rules_of);
    const auto bytes = render_bulletin(bulletin, format);
    if (auto o = get("-o"); !o.empty()) {
        std::ofstream file(o, std::ios::binary | std::ios::trunc);
        file << bytes;
        file.close();
        if (!file) {
            err << "indicatorctl: cannot write " << o << "\n";
            return 1;
        }
        return 0;
    }
    out << bytes;
    return 0;
}

}  // namespace indicatord
