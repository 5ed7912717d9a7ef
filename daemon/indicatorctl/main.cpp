// indicatorctl: offline tools over the same loader and engine the daemon uses.
#include <iostream>

#include "app/ctl.hpp"

int main(int argc, char** argv) {
    return indicatord::ctl_main({argv + 1, argv + argc}, std::cout, std::cerr);
}
