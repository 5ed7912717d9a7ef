#include "util/huge_pages.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace indicatord {

void advise_huge_pages(const void* data, std::size_t bytes) noexcept {
#ifdef MADV_HUGEPAGE
    constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    const auto first = (begin + kHuge - 1) & ~(kHuge - 1);
    const auto last = (begin + bytes) & ~(kHuge - 1);
    if (data == nullptr || last <= first) return;
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

}  // namespace indicatord
