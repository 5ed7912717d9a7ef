#pragma once

// Helpers shared by the libFuzzer targets: a scratch folder for the files a target writes, the
// small test plan, and a checked abort that names what went wrong.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "model/plan.hpp"

namespace fuzz {

inline const std::string kData = INDICATORD_TEST_DATA;

/// A folder of this process's own, in /dev/shm when there is one (no disk writes per input);
/// removed when the process exits normally. A crash leaves it behind on purpose.
inline const std::filesystem::path& scratch_dir() {
    struct Dir {
        std::filesystem::path path;
        Dir() {
            std::error_code ec;
            std::filesystem::path base = "/dev/shm";
            if (!std::filesystem::is_directory(base, ec) || access(base.c_str(), W_OK) != 0)
                base = std::filesystem::temp_directory_path();
            path = base / ("indicatord-fuzz-" + std::to_string(getpid()));
            std::filesystem::create_directories(path);
        }
        ~Dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    static const Dir dir;
    return dir.path;
}

/// Writes the input to `name` in the scratch folder and returns its path.
inline std::filesystem::path write_input(std::string_view name, const std::uint8_t* data,
                                         std::size_t size) {
    auto path = scratch_dir() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) {
        std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
        std::abort();
    }
    return path;
}

/// tests/data/minimal: four tasks, a unit group, threshold and cumulative indicators.
inline const indicatord::Plan& minimal_plan() {
    static const indicatord::Plan plan = indicatord::load_plan({kData + "/minimal"});
    return plan;
}

/// A broken invariant: print it and abort, so that libFuzzer keeps the input as a crash.
[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz: invariant broken: %s\n", what.c_str());
    std::abort();
}

}  // namespace fuzz
