#include "config/scoring.hpp"

#include <algorithm>
#include <fstream>

#include "util/yaml_util.hpp"

namespace indicatord {

Scoring parse_scoring(const std::filesystem::path& f, const yaml::Node& node) {
    yaml::check_map(f, node, "scoring", {"base", "rank", "rules"});
    Scoring s;
    s.defined_at = yaml::where(f, node);
    if (auto b = node["base"]) s.base = yaml::number(f, b, "base");
    if (auto r = node["rank"]) s.rank = yaml::boolean(f, r, "rank");
    const auto rules = yaml::required(f, node, "rules", "scoring");
    if (!rules.IsSequence() || rules.size() == 0)
        yaml::fail(f, rules, "scoring rules must be a non-empty list of {on, points, cap}");
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const auto r = rules[i];
        yaml::check_map(f, r, "scoring rule", {"on", "points", "cap"});
        ScoringRule rule;
        rule.defined_at = yaml::where(f, r);
        const auto on = yaml::required(f, r, "on", "scoring rule");
        const auto name = yaml::scalar(f, on, "on");
        const auto parsed = parse_score_on(name);
        if (!parsed) {
            std::string allowed;
            for (auto o : kAllScoreOn)
                allowed += (allowed.empty() ? "" : ", ") + std::string(to_string(o));
            yaml::fail(f, on, "unknown scoring category '" + name + "' (allowed: " + allowed + ")");
        }
        rule.on = *parsed;
        for (const auto& other : s.rules)
            if (other.on == rule.on)
                yaml::fail(f, on,
                           "scoring category '" + name + "' given twice (first at " +
                               other.defined_at + ")");
        rule.points = yaml::number(f, yaml::required(f, r, "points", "scoring rule"), "points");
        if (auto c = r["cap"]) {
            rule.cap = yaml::number(f, c, "cap");
            if (!(*rule.cap > 0)) yaml::fail(f, c, "cap must be above 0 (points either way)");
        }
        s.rules.push_back(std::move(rule));
    }
    return s;
}

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> yaml_files(const fs::path& p) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
        for (const auto& e : fs::directory_iterator(p)) {
            const auto ext = e.path().extension();
            if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
    } else {
        files.push_back(p);
    }
    return files;
}

// Which of the top-level keys `plan:` and `scoring:` (block style, at the start of a line) the
// file has: only files with a scoring section are parsed again, and the plan headers beside
// them.
struct TopKeys {
    bool plan = false, scoring = false;
};

TopKeys top_keys(const fs::path& file) {
    TopKeys k;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        k.plan = k.plan || line.starts_with("plan:");
        k.scoring = k.scoring || line.starts_with("scoring:");
    }
    return k;
}

}  // namespace

std::optional<Scoring> find_scoring(const std::vector<fs::path>& rules, std::string_view plan_id) {
    // Per rules path: its files with a plan header and with a scoring section.
    struct Group {
        std::vector<fs::path> plans, scorings;
    };
    std::vector<Group> groups;
    std::size_t headers = 0;
    for (const auto& path : rules) {
        Group g;
        for (const auto& f : yaml_files(path)) {
            const auto k = top_keys(f);
            if (k.plan) g.plans.push_back(f);
            if (k.scoring) g.scorings.push_back(f);
        }
        headers += g.plans.size();
        groups.push_back(std::move(g));
    }
    const auto plan_of = [](const fs::path& f) {
        const auto doc = yaml::load_file(f);
        const yaml::Node id = doc["plan"]["id"];
        return id && id.IsScalar() ? id.Scalar() : std::string();
    };
    for (const auto& g : groups) {
        if (g.scorings.empty()) continue;
        bool ours = g.plans.empty() && headers == 1;  // a file of its own: the one plan there is
        for (const auto& f : g.plans) ours = ours || plan_of(f) == plan_id;
        if (!ours) continue;
        const auto doc = yaml::load_file(g.scorings.front());
        return parse_scoring(g.scorings.front(), doc["scoring"]);
    }
    return std::nullopt;
}

}  // namespace indicatord
