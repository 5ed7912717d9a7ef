#include "config/receiver_options.hpp"

#include <string>
#include <vector>

#include "util/yaml_util.hpp"

namespace indicatord {

namespace {

std::vector<std::string> strings(const std::filesystem::path& file, const yaml::Node& n,
                                 std::string_view what) {
    if (!n.IsSequence()) yaml::fail(file, n, std::string(what) + " must be a list");
    std::vector<std::string> out;
    for (const auto& x : n) {
        auto s = yaml::scalar(file, x, what);
        if (s.empty()) yaml::fail(file, x, std::string(what) + " has an empty entry");
        out.push_back(std::move(s));
    }
    return out;
}

int rate(const std::filesystem::path& file, const yaml::Node& n, std::string_view what) {
    const auto v = yaml::integer(file, n, what);
    if (v < 1 || v > 100000)
        yaml::fail(file, n, std::string(what) + " must be a whole number from 1 to 100000");
    return static_cast<int>(v);
}

}  // namespace

void read_robot_options(const std::filesystem::path& file, const yaml::Node& x, Receiver& rc) {
    const bool robot = rc.format == "dingtalk" || rc.format == "wecom" || rc.format == "feishu";
    auto only = [&](const char* key, bool fits, const char* which) {
        auto n = x[key];
        if (n && !fits)
            yaml::fail(file, n,
                       std::string(key) + " is for " + which + " receivers, not " +
                           (rc.email.empty() ? "format " + rc.format : "email"));
        return n;
    };
    if (auto n =
            only("max_alerts", rc.format == "generic" && rc.email.empty(), "generic webhook")) {
        const auto v = yaml::integer(file, n, "max_alerts");
        if (v < 0) yaml::fail(file, n, "max_alerts must be 0 (all) or more");
        rc.max_alerts = static_cast<std::size_t>(v);
    }
    const bool dingtalk = rc.format == "dingtalk" && rc.email.empty();
    if (auto n = only("at_mobiles", dingtalk, "dingtalk"))
        rc.at_mobiles = strings(file, n, "at_mobiles");
    if (auto n = only("at_user_ids", dingtalk, "dingtalk"))
        rc.at_user_ids = strings(file, n, "at_user_ids");
    if (auto n = only("at_all", dingtalk, "dingtalk")) rc.at_all = yaml::boolean(file, n, "at_all");
    if (auto n = only("keyword", dingtalk, "dingtalk")) {
        rc.keyword = yaml::scalar(file, n, "keyword");
        if (rc.keyword.empty()) yaml::fail(file, n, "keyword is empty");
        rc.keyword_at = yaml::where(file, n);
    }
    if (auto n = only("rate_per_minute", robot && rc.email.empty(), "dingtalk, wecom and feishu"))
        rc.rate_per_minute = rate(file, n, "rate_per_minute");
    if (auto n = only("rate_per_second", robot && rc.email.empty(), "dingtalk, wecom and feishu"))
        rc.rate_per_second = rate(file, n, "rate_per_second");
}

}  // namespace indicatord
