// The installed service: `cmake --install` into a temporary prefix, the unit checked by
// systemd-analyze (verify, security), the installed config checked by the installed binaries, and
// the .deb built by CPack. A missing tool fails the test and names the package to install.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "harness.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kBuildDir = INDICATORD_BUILD_DIR;
const fs::path kCmake = INDICATORD_CMAKE;

void require_tool(const std::string& tool, const std::string& package) {
    if (it::run("command -v " + tool).first != 0)
        FAIL(tool + " is not installed (apt-get install " + package + ")");
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string quoted(const fs::path& p) {
    return "'" + p.string() + "'";
}

/// `cmake --install` of this build into `prefix`; the output, for INFO.
std::string install_to(const fs::path& prefix) {
    auto [code, out] =
        it::run(quoted(kCmake) + " --install " + quoted(kBuildDir) + " --prefix " + quoted(prefix));
    INFO(out);
    REQUIRE(code == 0);
    return out;
}

}  // namespace

TEST_CASE("cmake --install lays out the binaries, the unit, the config and the rules",
          "[systemd]") {
    it::TempDir dir;
    const auto prefix = dir.path() / "usr";
    install_to(prefix);

    for (const auto* f :
         {"sbin/indicatord", "bin/indicatorctl", "lib/systemd/system/indicatord.service",
          "lib/sysusers.d/indicatord.conf", "etc/indicatord/indicatord.yaml",
          "share/indicatord/rules/README.md", "share/indicatord/rules/lishui-2023/plan.yaml",
          "share/indicatord/calendars/cn-2023.yaml", "share/doc/indicatord/README.md",
          "share/doc/indicatord/operations.md"}) {
        INFO(f);
        CHECK(fs::is_regular_file(prefix / f));
    }

    CHECK_FALSE(fs::exists(prefix / "share/indicatord/rules/tests"));  // names source-tree paths

    // The installed files name the prefix the install ran with, not the configured one.
    const auto p = prefix.string();
    const auto config = prefix / "etc/indicatord/indicatord.yaml";
    const auto unit = slurp(prefix / "lib/systemd/system/indicatord.service");
    CHECK_THAT(unit, Catch::Contains("\nType=notify\n"));
    CHECK_THAT(unit, Catch::Contains("\nExecStartPre=" + p + "/sbin/indicatord --config " +
                                     config.string() + " --check\n"));
    CHECK_THAT(unit,
               Catch::Contains("\nExecStart=" + p + "/sbin/indicatord --config " + config.string() +
                               " --database /var/lib/indicatord/indicatord.db\n"));
    CHECK_THAT(unit, Catch::Contains("\nExecReload=/bin/kill -HUP $MAINPID\n"));
    CHECK_THAT(unit, Catch::Contains("\nWatchdogSec=30s\n"));
    CHECK_THAT(unit, Catch::Contains("\nUser=indicatord\n"));
    CHECK_THAT(unit, Catch::Contains("\nStateDirectory=indicatord\n"));
    CHECK_THAT(slurp(config),
               Catch::Contains("\nrules: " + p + "/share/indicatord/rules/lishui-2023 "));
    CHECK_THAT(slurp(config),
               Catch::Contains("\ncalendars: " + p + "/share/indicatord/calendars "));
    CHECK_THAT(slurp(config), Catch::Contains("\ndatabase: /var/lib/indicatord/indicatord.db "));

    // The installed daemon and CLI accept the installed config (what ExecStartPre= runs).
    auto [check_code, check_out] =
        it::run(quoted(prefix / "sbin/indicatord") + " --config " + quoted(config) + " --check");
    INFO(check_out);
    CHECK(check_code == 0);
    CHECK_THAT(check_out, Catch::StartsWith("ok: plan lishui-2023, 203 tasks"));
    auto [ctl_code, ctl_out] =
        it::run(quoted(prefix / "bin/indicatorctl") + " check " + quoted(config));
    INFO(ctl_out);
    CHECK(ctl_code == 0);
    CHECK_THAT(ctl_out, Catch::StartsWith("ok: plan lishui-2023: 203 tasks"));
}

TEST_CASE("a second cmake --install keeps an edited config and puts the new one beside it",
          "[systemd]") {
    it::TempDir dir;
    const auto prefix = dir.path() / "usr";
    install_to(prefix);
    const auto config = prefix / "etc/indicatord/indicatord.yaml";
    const auto original = slurp(config);

    std::ofstream(config, std::ios::app) << "# edited by the administrator\n";
    const auto edited = slurp(config);
    const auto out = install_to(prefix);
    CHECK_THAT(out, Catch::Contains("Keeping the existing " + config.string()));
    CHECK(slurp(config) == edited);
    CHECK(slurp(prefix / "etc/indicatord/indicatord.yaml.dist") == original);
}

TEST_CASE("systemd-analyze verify accepts the installed unit", "[systemd]") {
    require_tool("systemd-analyze", "systemd");
    it::TempDir dir;
    const auto prefix = dir.path() / "usr";
    install_to(prefix);
    // verify needs the ExecStart= binary at its path: the installed unit names the installed one.
    // It exits 0 on some warnings (an invalid setting is "ignored"), so its output must be empty.
    auto [code, out] = it::run("systemd-analyze verify " +
                               quoted(prefix / "lib/systemd/system/indicatord.service"));
    INFO(out);
    CHECK(code == 0);
    CHECK(out.empty());
}

TEST_CASE("systemd-analyze security rates the installed unit's exposure at most 2.0", "[systemd]") {
    require_tool("systemd-analyze", "systemd");
    it::TempDir dir;
    const auto prefix = dir.path() / "usr";
    install_to(prefix);
    auto [code, out] = it::run("systemd-analyze security --offline=true --no-pager " +
                               quoted(prefix / "lib/systemd/system/indicatord.service"));
    INFO(out);
    REQUIRE(code == 0);
    std::smatch m;
    REQUIRE(std::regex_search(
        out, m, std::regex(R"(Overall exposure level for indicatord\.service: ([0-9.]+))")));
    CHECK(std::stod(m[1].str()) <= 2.0);
}

TEST_CASE("cpack -G DEB builds a package with the service at Debian's paths", "[systemd][deb]") {
    require_tool("dpkg-deb", "dpkg");
    require_tool("dpkg-shlibdeps", "dpkg-dev");
    const auto cpack = kCmake.parent_path() / "cpack";
    const auto cpack_config = kBuildDir / "CPackConfig.cmake";
    INFO("CPack is set up only when indicatord is the top-level project");
    REQUIRE(fs::exists(cpack_config));

    it::TempDir dir;
    auto [code, out] = it::run(quoted(cpack) + " -G DEB --config " + quoted(cpack_config) + " -B " +
                               quoted(dir.path()));
    INFO(out);
    REQUIRE(code == 0);
    fs::path deb;
    for (const auto& e : fs::directory_iterator(dir.path()))
        if (e.path().extension() == ".deb") deb = e.path();
    REQUIRE(!deb.empty());
    CHECK_THAT(deb.filename().string(), Catch::StartsWith("indicatord_"));

    auto [list_code, listing] = it::run("dpkg-deb -c " + quoted(deb));
    INFO(listing);
    REQUIRE(list_code == 0);
    for (const auto* f :
         {"./usr/sbin/indicatord", "./usr/bin/indicatorctl",
          "./usr/lib/systemd/system/indicatord.service", "./usr/lib/sysusers.d/indicatord.conf",
          "./etc/indicatord/indicatord.yaml", "./usr/share/indicatord/rules/lishui-2023/plan.yaml",
          "./usr/share/indicatord/calendars/cn-2023.yaml",
          "./usr/share/doc/indicatord/README.md"}) {
        CHECK_THAT(listing, Catch::Contains(std::string(" ") + f + "\n"));
    }

    CHECK(it::run("dpkg-deb -f " + quoted(deb) + " Package").second == "indicatord\n");
    const auto depends = it::run("dpkg-deb -f " + quoted(deb) + " Depends").second;
    for (const auto* lib :
         {"libsqlite3-0", "libyaml-cpp0.7", "libsystemd0", "libboost-json1.81.0", "procps"})
        CHECK_THAT(depends, Catch::Contains(lib));
    CHECK(it::run("dpkg-deb -I " + quoted(deb) + " conffiles").second ==
          "/etc/indicatord/indicatord.yaml\n");
    for (const auto* script : {"postinst", "prerm", "postrm"})
        CHECK(it::run("dpkg-deb -I " + quoted(deb) + " " + script).first == 0);
    CHECK_THAT(
        it::run("dpkg-deb -I " + quoted(deb) + " postinst").second,
        Catch::Contains("systemd-sysusers ${DPKG_ROOT:+--root=\"$DPKG_ROOT\"} indicatord.conf"));

    // The files generated at install time name /usr and /etc, not CPack's staging directory.
    const auto root = dir.path() / "root";
    REQUIRE(it::run("dpkg-deb -x " + quoted(deb) + " " + quoted(root)).first == 0);
    const auto unit = slurp(root / "usr/lib/systemd/system/indicatord.service");
    CHECK_THAT(
        unit,
        Catch::Contains("\nExecStart=/usr/sbin/indicatord --config /etc/indicatord/indicatord.yaml "
                        "--database /var/lib/indicatord/indicatord.db\n"));
    CHECK_THAT(unit, Catch::Contains(
                         "\nLoadCredential=smtp-password:/etc/indicatord/secrets/smtp-password\n"));
    CHECK_THAT(slurp(root / "etc/indicatord/indicatord.yaml"),
               Catch::Contains("\nrules: /usr/share/indicatord/rules/lishui-2023 "));
}
