// The plan's own methods and its small vocabularies (unit kinds, comparison operators).
#include "model/plan.hpp"

namespace indicatord {

std::string SourceAt::text() const {
    std::string out = file ? *file : std::string();
    if (line == 0) return out;
    return out + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string DayOffset::text() const {
    return std::to_string(days) + (working_days ? "wd" : "d");
}

std::string_view to_string(UnitKind kind) {
    switch (kind) {
        case UnitKind::department:
            return "department";
        case UnitKind::county:
            return "county";
        case UnitKind::zone:
            return "zone";
        case UnitKind::company:
            return "company";
        case UnitKind::agency:
            return "agency";
        case UnitKind::group:
            return "group";
        case UnitKind::other:
            return "other";
    }
    return "other";
}

std::optional<Op> parse_op(std::string_view t) {
    if (t == ">=") return Op::ge;
    if (t == "<=") return Op::le;
    if (t == ">") return Op::gt;
    if (t == "<") return Op::lt;
    if (t == "==") return Op::eq;
    if (t == "between") return Op::between;
    return std::nullopt;
}

std::string_view to_string(Op op) {
    switch (op) {
        case Op::ge:
            return ">=";
        case Op::le:
            return "<=";
        case Op::gt:
            return ">";
        case Op::lt:
            return "<";
        case Op::eq:
            return "==";
        case Op::between:
            return "between";
    }
    return "?";
}

namespace rule {

std::string_view to_string(Direction d) {
    switch (d) {
        case Direction::at_least:
            return "at_least";
        case Direction::at_most:
            return "at_most";
        case Direction::both:
            return "both";
    }
    return "?";
}

std::string_view to_string(RelationType t) {
    switch (t) {
        case RelationType::in_step:
            return "in_step";
        case RelationType::faster_than:
            return "faster_than";
        case RelationType::not_below:
            return "not_below";
    }
    return "?";
}

}  // namespace rule

bool compare(Op op, double v, double t, double high) {
    switch (op) {
        case Op::ge:
            return v >= t;
        case Op::le:
            return v <= t;
        case Op::gt:
            return v > t;
        case Op::lt:
            return v < t;
        case Op::eq:
            return v == t;
        case Op::between:
            return v >= t && v <= high;
    }
    return false;
}

const Indicator* Plan::find_indicator(std::string_view key) const {
    auto it = indicator_index.find(key);
    return it == indicator_index.end() ? nullptr : &indicators[it->second];
}

long Plan::index_of(std::string_view key) const {
    auto it = indicator_index.find(key);
    return it == indicator_index.end() ? -1 : static_cast<long>(it->second);
}

const Unit* Plan::find_unit(std::string_view unit_id) const {
    auto it = unit_index.find(unit_id);
    return it == unit_index.end() ? nullptr : &units[it->second];
}

const Task* Plan::find_task(int number) const {
    return find_task(0, number);
}

const Task* Plan::find_task(std::size_t plan, int number) const {
    auto it = task_index.find(task_key(plan, number));
    return it == task_index.end() ? nullptr : &tasks[it->second];
}

std::vector<std::size_t> Plan::plans_with(std::string_view bare_key) const {
    auto it = shared_keys.find(std::string(bare_key));
    return it == shared_keys.end() ? std::vector<std::size_t>{} : it->second;
}

long Plan::resolve(std::string_view key, int in_year) const {
    if (const long i = index_of(key); i >= 0) return i;
    long found = -1;
    for (const auto p : plans_with(key)) {
        if (in_year < plans[p].year || in_year > plans[p].last_year) continue;
        if (found >= 0) return -1;
        found = index_of(plans[p].id + ":" + std::string(key));
    }
    return found;
}

std::string Plan::unknown(std::string_view key) const {
    const auto with = plans_with(key);
    if (with.empty()) return "unknown indicator '" + std::string(key) + "'";
    std::string names;
    for (std::size_t i = 0; i < with.size(); ++i)
        names += std::string(i == 0                 ? ""
                             : i + 1 == with.size() ? " and "
                                                    : ", ") +
                 "'" + plans[with[i]].id + ":" + std::string(key) + "'";
    return "indicator '" + std::string(key) + "' is in " + std::to_string(with.size()) +
           " plans: name it as " + names +
           " (a value's period picks the plan only when one plan of that year has it)";
}

std::string plans_text(const Plan& plan) {
    if (!plan.several()) return "plan " + plan.id;
    std::string text = std::to_string(plan.plans.size()) + " plans: ";
    for (std::size_t i = 0; i < plan.plans.size(); ++i)
        text += (i ? ", " : "") + plan.plans[i].id + " (" + std::to_string(plan.plans[i].year) +
                (plan.plans[i].last_year != plan.plans[i].year
                     ? "-" + std::to_string(plan.plans[i].last_year)
                     : "") +
                ")";
    return text;
}

std::string_view local_key(std::string_view key) {
    const auto colon = key.find(':');
    return colon == std::string_view::npos ? key : key.substr(colon + 1);
}

}  // namespace indicatord
