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

// Whether the file has a line starting with `key:` (a top-level key in block style): only such
// files are parsed again.
bool has_top_key(const fs::path& file, std::string_view key) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
        if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
            line[key.size()] == ':')
            return true;
    return false;
}

}  // namespace

std::optional<Scoring> find_scoring(const std::vector<fs::path>& rules, std::string_view plan_id) {
    // Per rules path: the plan whose header it holds (if any) and its scoring section (if any).
    struct Group {
        std::string plan;
        std::optional<Scoring> scoring;
    };
    std::vector<Group> groups;
    std::vector<std::string> plans;
    for (const auto& path : rules) {
        Group g;
        for (const auto& f : yaml_files(path)) {
            const bool plan = has_top_key(f, "plan"), scoring = has_top_key(f, "scoring");
            if (!plan && !scoring) continue;
            const auto doc = yaml::load_file(f);
            const yaml::Node root = doc;
            if (plan)
                if (auto id = root["plan"]["id"]; id && id.IsScalar()) g.plan = id.Scalar();
            if (scoring)
                if (auto n = root["scoring"]) g.scoring = parse_scoring(f, n);
        }
        if (!g.plan.empty() && std::find(plans.begin(), plans.end(), g.plan) == plans.end())
            plans.push_back(g.plan);
        groups.push_back(std::move(g));
    }
    for (auto& g : groups) {
        if (!g.scoring) continue;
        // a file of its own belongs to the one plan there is
        if (g.plan == plan_id || (g.plan.empty() && plans.size() == 1 && plans[0] == plan_id))
            return std::move(g.scoring);
    }
    return std::nullopt;
}

}  // namespace indicatord
