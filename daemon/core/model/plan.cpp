// The plan's own methods and its small vocabularies (unit kinds, comparison operators).
#include "model/plan.hpp"

namespace indicatord {

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
    auto it = indicator_index.find(std::string(key));
    return it == indicator_index.end() ? nullptr : &indicators[it->second];
}

long Plan::index_of(std::string_view key) const {
    auto it = indicator_index.find(std::string(key));
    return it == indicator_index.end() ? -1 : static_cast<long>(it->second);
}

const Unit* Plan::find_unit(std::string_view unit_id) const {
    auto it = unit_index.find(std::string(unit_id));
    return it == unit_index.end() ? nullptr : &units[it->second];
}

const Task* Plan::find_task(int number) const {
    auto it = task_index.find(number);
    return it == task_index.end() ? nullptr : &tasks[it->second];
}

}  // namespace indicatord
