// Several plans in one daemon: which paths of `rules:` make which plan, and the combined plan.
#include "config/plans.hpp"

#include <algorithm>
#include <set>

#include "util/errors.hpp"
#include "util/yaml_util.hpp"

namespace indicatord {

namespace fs = std::filesystem;

namespace {

// Whether a path of `rules:` (a folder or a file) holds a `plan:` section. A file that does not
// parse counts as none: the plan's own load reports it.
bool has_plan_section(const fs::path& path) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        for (const auto& e : fs::directory_iterator(path, ec)) {
            const auto ext = e.path().extension();
            if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
        }
    } else {
        files.push_back(path);
    }
    for (const auto& f : files) {
        try {
            const auto doc = yaml::load_file(f);
            const yaml::Node& root = doc;
            if (root.IsMap() && root["plan"]) return true;
        } catch (const std::exception&) {
        }
    }
    return false;
}

bool same_unit(const Unit& a, const Unit& b) {
    return a.name == b.name && a.kind == b.kind && a.members == b.members;
}

}  // namespace

Plan load_plans(const std::vector<fs::path>& paths, std::span<const RuleSyntax* const> kinds) {
    std::size_t with_plan = 0;
    if (paths.size() > 1)
        for (const auto& p : paths) with_plan += has_plan_section(p) ? 1 : 0;
    if (with_plan <= 1) {
        std::vector<Plan> one;
        one.push_back(load_plan(paths, kinds));
        return combine_plans(std::move(one), kinds);
    }
    std::vector<Plan> plans;
    std::vector<std::string> errors;
    for (const auto& p : paths) {
        if (!has_plan_section(p)) {
            errors.push_back(p.string() +
                             ": no file here has a 'plan' section; with several plans each path "
                             "of 'rules:' is one plan's folder (files several plans share go in "
                             "each plan's 'include:')");
            continue;
        }
        try {
            plans.push_back(load_plan({p}, kinds));
        } catch (const ConfigError& e) {
            errors.emplace_back(e.what());
        }
    }
    if (!errors.empty()) throw ConfigError(join_errors(errors));
    return combine_plans(std::move(plans), kinds);
}

Plan combine_plans(std::vector<Plan> plans, std::span<const RuleSyntax* const> kinds) {
    std::vector<std::string> errors;
    Plan out;
    if (plans.size() == 1) {
        out = std::move(plans.front());
    } else {
        const auto& first = plans.front();
        out.id = first.id;
        out.name = first.name;
        out.year = first.year;
        out.last_year = first.last_year;
        out.timezone = first.timezone;
        out.source = first.source;
        out.defaults = first.defaults;
        out.report_defaults = first.report_defaults;
        out.tolerance = first.tolerance;
        out.tiers = first.tiers;
        std::size_t n_ind = 0, n_task = 0;
        for (const auto& p : plans) n_ind += p.indicators.size(), n_task += p.tasks.size();
        out.indicators.reserve(n_ind);
        out.tasks.reserve(n_task);
        std::unordered_map<std::string, std::size_t> key_count;
        for (std::size_t pi = 0; pi < plans.size(); ++pi) {
            auto& p = plans[pi];
            const auto& info = p.plans.front();
            for (std::size_t q = 0; q < pi; ++q)
                if (out.plans[q].id == info.id)
                    errors.push_back(info.defined_at + ": plan id '" + info.id +
                                     "' is used by another plan too (at " +
                                     out.plans[q].defined_at + "): each plan needs its own id");
            if (p.timezone != first.timezone)
                errors.push_back(info.defined_at + ": plan " + info.id + " is in time zone " +
                                 p.timezone + " but plan " + first.id + " in " + first.timezone +
                                 ": the plans of one daemon share one time zone");
            out.plans.push_back(info);
            for (auto& u : p.units) {
                auto it = out.unit_index.find(u.id);
                if (it == out.unit_index.end()) {
                    out.unit_index.emplace(u.id, out.units.size());
                    out.units.push_back(std::move(u));
                } else if (!same_unit(out.units[it->second], u)) {
                    errors.push_back(u.defined_at + ": unit '" + u.id +
                                     "' is defined differently in plan " + info.id + " and at " +
                                     out.units[it->second].defined_at +
                                     ": a unit id means one unit in every plan (put the units "
                                     "the plans share in one file each plan names in "
                                     "'include:')");
                }
            }
            const std::size_t base = out.indicators.size();
            const std::string prefix = info.id + ":";
            for (auto& t : p.tasks) {
                t.plan = pi;
                for (auto& i : t.indicators) i += base;
                out.tasks.push_back(std::move(t));
            }
            for (auto& ind : p.indicators) {
                ++key_count[ind.key];
                ind.plan = pi;
                ind.key = prefix + ind.key;
                if (!ind.member_of.empty()) ind.member_of = prefix + ind.member_of;
                for (auto& m : ind.members) m += base;
                out.indicators.push_back(std::move(ind));
            }
        }
        for (const auto& info : out.plans)
            if (!info.previous.empty() &&
                std::none_of(out.plans.begin(), out.plans.end(),
                             [&](const PlanInfo& p) { return p.id == info.previous; }))
                errors.push_back(info.defined_at + ": previous names plan '" + info.previous +
                                 "', which is not one of the plans under 'rules:'");
        if (!errors.empty()) throw ConfigError(join_errors(errors));
        out.task_index.clear();
        for (std::size_t i = 0; i < out.tasks.size(); ++i)
            out.task_index[Plan::task_key(out.tasks[i].plan, out.tasks[i].number)] = i;
        out.indicator_index.clear();
        out.indicator_index.reserve(out.indicators.size() * 2);
        for (std::size_t i = 0; i < out.indicators.size(); ++i) {
            const auto& ind = out.indicators[i];
            out.indicator_index.emplace(ind.key, i);
            const std::string bare(local_key(ind.key));
            if (key_count[bare] == 1)
                out.indicator_index.emplace(bare, i);
            else
                out.shared_keys[bare].push_back(ind.plan);
        }
    }
    const std::string prefix_of_one;
    for (auto& ind : out.indicators) {
        const auto* syntax = kinds[ind.rule.index()];
        if (!syntax->link) continue;
        try {
            syntax->link(ind, out, out.several() ? out.plans[ind.plan].id + ":" : prefix_of_one);
        } catch (const ConfigError& e) {
            errors.emplace_back(e.what());
            if (errors.size() >= 20) break;
        }
    }
    if (!errors.empty()) throw ConfigError(join_errors(errors));
    return out;
}

}  // namespace indicatord
