// Command line habits of indicatord and indicatorctl (issue 14): --flag=value, --version,
// COMMAND --help, plan --json anywhere, one meaning for exit codes, and the commands that talk
// to the daemon with --url and no CONFIG, printing -o text|json.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "harness.hpp"

namespace json = boost::json;

namespace {

const std::string kMinimal = it::kData + "/minimal.yaml";

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

}  // namespace

TEST_CASE("cli: both programs take --flag value and --flag=value", "[cli]") {
    auto [dcode, dout] = it::run(it::kDaemon + " --config=" + kMinimal + " --check");
    INFO(dout);
    CHECK(dcode == 0);
    CHECK_THAT(dout, Catch::StartsWith("ok: "));
    CHECK(it::run(it::kDaemon + " --config " + kMinimal + " --log-level=debug --check").first == 0);
    CHECK(it::run(it::kDaemon + " --config=" + kMinimal + " --log-level=loud --check").first == 2);

    const auto spaced = it::run(it::kCtl + " route " + kMinimal + " --indicator gdp_growth");
    const auto joined =
        it::run(it::kCtl + " route " + kMinimal + " --indicator=gdp_growth --kind=overdue");
    CHECK(spaced.first == 0);
    CHECK(joined == spaced);
}

TEST_CASE("cli: --version on both programs", "[cli]") {
    CHECK(it::run(it::kDaemon + " --version") ==
          std::pair<int, std::string>{0, "indicatord 0.1.0\n"});
    CHECK(it::run(it::kCtl + " --version") ==
          std::pair<int, std::string>{0, "indicatorctl 0.1.0\n"});
}

TEST_CASE("cli: indicatorctl COMMAND --help for every command", "[cli]") {
    for (const std::string command : {"check", "plan", "test", "replay", "route", "import",
                                      "alerts", "ack", "silence", "backup", "token", "bulletin"}) {
        INFO(command);
        auto [code, out] = it::run(it::kCtl + " " + command + " --help");
        CHECK(code == 0);
        CHECK_THAT(out, Catch::StartsWith("usage: indicatorctl " + command));
        CHECK(it::run(it::kCtl + " help " + command) == std::pair<int, std::string>{code, out});
        CHECK(it::run(it::kCtl + " " + command + " -h").second == out);
    }
    CHECK_THAT(it::run(it::kCtl + " alerts --help").second, Catch::Contains("--url URL"));
    auto [code, out] = it::run(it::kCtl + " --help");
    CHECK(code == 0);
    CHECK_THAT(out, Catch::Contains("  bulletin CONFIG"));
    auto unknown = it::run(it::kCtl + " frobnicate");
    CHECK(unknown.first == 2);
    CHECK_THAT(unknown.second, Catch::StartsWith("indicatorctl: unknown command 'frobnicate'\n"));
}

TEST_CASE("cli: plan prints the same JSON wherever --json stands", "[cli]") {
    const auto first = it::run(it::kCtl + " plan --json " + kMinimal);
    REQUIRE(first.first == 0);
    CHECK(json::parse(first.second).is_object());
    CHECK(it::run(it::kCtl + " plan " + kMinimal + " --json") == first);
    CHECK(it::run(it::kCtl + " plan " + kMinimal) == first);
}

TEST_CASE("cli: exit codes mean the same in indicatord --check and indicatorctl check", "[cli]") {
    const auto bad = it::kData + "/config/unknown_key.yaml";
    const auto missing_rules = it::kData + "/config/missing_rules.yaml";
    CHECK(it::run(it::kDaemon + " --config " + kMinimal + " --check").first == 0);
    CHECK(it::run(it::kCtl + " check " + kMinimal).first == 0);
    for (const auto& config : {bad, missing_rules}) {
        INFO(config);
        CHECK(it::run(it::kDaemon + " --config " + config + " --check").first == 1);
        CHECK(it::run(it::kCtl + " check " + config).first == 1);
    }
    CHECK(it::run(it::kDaemon + " --check").first == 2);  // no --config
    CHECK(it::run(it::kDaemon + " --config " + kMinimal + " --check --frobnicate").first == 2);
    CHECK(it::run(it::kCtl + " check").first == 2);
    CHECK(it::run(it::kCtl + " check " + kMinimal + " --frobnicate").first == 2);
}

TEST_CASE("cli: the daemon's commands take --url or INDICATORD_URL without CONFIG, -o text|json",
          "[cli]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n";
    auto [tcode, token] =
        it::run(it::kCtl + " token create " + config.string() + " --admin --id ops");
    REQUIRE(tcode == 0);
    token = trim(token);
    const auto token_file = dir.path() / "token";
    std::ofstream(token_file) << token << "\n";
    it::Daemon d(dir.path(), config.string());
    const auto url = d.url("");
    const auto ctl = it::kCtl + " ";

    // silences need an admin token: from --token-file or INDICATORD_TOKEN
    const std::string add =
        "silence add --match indicator=gdp_growth --until 2030-01-01T00:00:00+08:00 "
        "--author ops --comment maintenance";
    auto refused = it::run(ctl + add + " --url " + url);
    CHECK(refused.first == 1);
    CHECK_THAT(refused.second, Catch::StartsWith("indicatorctl: 401: "));
    auto added = it::run(ctl + add + " --url=" + url + " --token-file=" + token_file.string());
    INFO(added.second);
    REQUIRE(added.first == 0);
    CHECK(added.second == "1\n");  // text: the new silence's id, as amtool prints it
    auto json_added = it::run("INDICATORD_TOKEN=" + token + " INDICATORD_URL=" + url + " " + ctl +
                              add + " -o json");
    REQUIRE(json_added.first == 0);
    CHECK(json::parse(json_added.second).at("id").to_number<int>() == 2);

    const auto env = "INDICATORD_TOKEN=" + token + " ";
    auto listed = it::run(env + ctl + "silence list --url " + url);
    REQUIRE(listed.first == 0);
    CHECK(std::regex_search(
        listed.second,
        std::regex(
            "^ID +MATCHERS +STARTS +ENDS +ACTIVE +AUTHOR +COMMENT\n1 +indicator=gdp_growth +")));
    CHECK_THAT(listed.second, Catch::Contains("indicator=gdp_growth"));
    auto listed_json = it::run(env + ctl + "silence list --url " + url + " --output=json");
    CHECK(json::parse(listed_json.second).at("silences").as_array().size() == 2);
    CHECK(it::run(env + ctl + "silence expire 2 --url " + url) ==
          std::pair<int, std::string>{0, "expired silence 2\n"});

    auto alerts = it::run(env + ctl + "alerts --url " + url);
    REQUIRE(alerts.first == 0);
    CHECK(std::regex_search(
        alerts.second, std::regex("^FINGERPRINT +STATE +KIND +INDICATOR +PERIOD +UNIT +STARTED "
                                  "+ACKED BY +NAME\n")));
    auto alerts_json = it::run(env + ctl + "alerts -o json --url " + url);
    CHECK(json::parse(alerts_json.second).at("alerts").is_array());
    // the CONFIG form still works: the listen address is the config's unless --url
    CHECK(it::run(env + ctl + "alerts " + config.string() + " --url " + url).first == 0);

    CHECK(it::run(env + ctl + "alerts -o yaml --url " + url).first == 2);
    auto nowhere = it::run("unset INDICATORD_URL; " + ctl + "alerts");
    CHECK(nowhere.first == 2);
    CHECK_THAT(nowhere.second, Catch::Contains("give --url URL (or set INDICATORD_URL) or CONFIG"));

    // import without CONFIG: the daemon checks the file and its refusals name FILE:LINE
    const auto bad = dir.path() / "bad.csv";
    std::ofstream(bad) << "indicator,period,value\ngdp_growth,2023-Q1,5\nnope,2023-Q1,1\n";
    auto refused_import = it::run(env + ctl + "import " + bad.string() + " --url " + url);
    CHECK(refused_import.first == 1);
    CHECK_THAT(refused_import.second,
               Catch::Contains(bad.string() + ":3: unknown indicator 'nope'\n"));
    const auto good = dir.path() / "good.csv";
    std::ofstream(good) << "indicator,period,value\ngdp_growth,2023-Q1,5\n";
    CHECK(it::run(env + ctl + "import " + good.string() + " --url " + url) ==
          std::pair<int, std::string>{0, "imported 1 value(s) from " + good.string() + "\n"});
}

TEST_CASE("cli: the bash completion completes commands, subcommands and option values", "[cli]") {
    const auto file = it::kData + "/../../systemd/indicatorctl.bash-completion";
    const auto complete = [&](const std::string& words, int cword) {
        return it::run("bash -c 'source \"" + file + "\" && COMP_WORDS=(" + words +
                       ") && COMP_CWORD=" + std::to_string(cword) +
                       " && _indicatorctl && echo \"${COMPREPLY[*]}\"'");
    };
    CHECK(complete("indicatorctl sil", 1) == std::pair<int, std::string>{0, "silence\n"});
    CHECK(complete("indicatorctl silence \"\"", 2) ==
          std::pair<int, std::string>{0, "add list expire\n"});
    CHECK(complete("indicatorctl alerts -o \"\"", 3) ==
          std::pair<int, std::string>{0, "text json\n"});
    CHECK(complete("indicatorctl alerts --st", 2) == std::pair<int, std::string>{0, "--state\n"});
    CHECK(complete("indicatorctl bulletin --format m", 3) ==
          std::pair<int, std::string>{0, "md\n"});
    // it is registered for the command
    CHECK(it::run("bash -c 'source \"" + file + "\" && complete -p indicatorctl'").second ==
          "complete -F _indicatorctl indicatorctl\n");
}
