// The .deb as Debian's tools see it: lintian reports no errors, and dpkg's purge (into a
// scratch root, maintainer scripts run with DPKG_ROOT) removes the tokens and secrets the
// operator added under /etc/indicatord. Skipped, with a warning, where dpkg-deb or lintian are
// missing (scripts/install-deps.sh --test installs them).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "harness.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kBuildDir = INDICATORD_BUILD_DIR;
const fs::path kCmake = INDICATORD_CMAKE;

std::string quoted(const fs::path& p) {
    return "'" + p.string() + "'";
}

bool have(const std::string& tool) {
    return it::run("command -v " + tool + " >/dev/null").first == 0;
}

}  // namespace

TEST_CASE("deb: lintian finds no errors, and purge removes tokens.yaml and secrets/",
          "[deb][systemd]") {
    for (const auto* tool : {"dpkg-deb", "dpkg-shlibdeps", "lintian", "dpkg"})
        if (!have(tool)) {
            WARN(std::string("SKIPPED: ") + tool +
                 " is not installed (scripts/install-deps.sh --test installs it)");
            return;
        }
    const auto cpack_config = kBuildDir / "CPackConfig.cmake";
    REQUIRE(fs::exists(cpack_config));
    it::TempDir dir;
    auto [code, out] = it::run(quoted(kCmake.parent_path() / "cpack") + " -G DEB --config " +
                               quoted(cpack_config) + " -B " + quoted(dir.path()));
    INFO(out);
    REQUIRE(code == 0);
    fs::path deb;
    for (const auto& e : fs::directory_iterator(dir.path()))
        if (e.path().extension() == ".deb") deb = e.path();
    REQUIRE(!deb.empty());

    const auto listing = it::run("dpkg-deb -c " + quoted(deb)).second;
    for (const auto* f :
         {"./usr/share/doc/indicatord/copyright", "./usr/share/doc/indicatord/changelog.Debian.gz",
          "./usr/share/bash-completion/completions/indicatorctl"})
        CHECK_THAT(listing, Catch::Contains(std::string(" ") + f + "\n"));
    CHECK_THAT(it::run("dpkg-deb -f " + quoted(deb) + " Depends").second,
               Catch::Contains("systemd | systemd-sysusers"));

    // lintian exits non-zero on an error (its default --fail-on); warnings are printed, allowed
    auto [lcode, lout] = it::run("lintian --no-cfg " + quoted(deb));
    INFO("lintian: " << lout);
    CHECK(lcode == 0);
    CHECK_THAT(lout, !Catch::Contains("E: "));

    // install and purge into a scratch root: the scripts run outside a chroot with DPKG_ROOT
    const auto root = dir.path() / "root";
    fs::create_directories(root / "var/lib/dpkg/info");
    fs::create_directories(root / "var/lib/dpkg/updates");
    std::ofstream(root / "var/lib/dpkg/status");
    const auto dpkg = "dpkg --root=" + quoted(root) +
                      " --force-script-chrootless --force-depends --force-not-root "
                      "--log=/dev/null ";
    auto [icode, iout] = it::run(dpkg + "-i " + quoted(deb));
    INFO("dpkg -i: " << iout);
    REQUIRE(icode == 0);
    REQUIRE(fs::exists(root / "etc/indicatord/indicatord.yaml"));
    std::ofstream(root / "etc/indicatord/tokens.yaml") << "tokens: []\n";
    fs::create_directories(root / "etc/indicatord/secrets");
    std::ofstream(root / "etc/indicatord/secrets/smtp-password") << "secret\n";

    auto [rcode, rout] = it::run(dpkg + "--remove indicatord");
    INFO("dpkg --remove: " << rout);
    REQUIRE(rcode == 0);
    CHECK(fs::exists(root / "etc/indicatord/tokens.yaml"));  // remove keeps the configuration
    CHECK(fs::exists(root / "etc/indicatord/indicatord.yaml"));
    auto [pcode, pout] = it::run(dpkg + "--purge indicatord");
    INFO("dpkg --purge: " << pout);
    REQUIRE(pcode == 0);
    CHECK(!fs::exists(root / "etc/indicatord/tokens.yaml"));
    CHECK(!fs::exists(root / "etc/indicatord/secrets"));
    CHECK(!fs::exists(root / "etc/indicatord"));
}
