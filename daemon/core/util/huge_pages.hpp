#pragma once

#include <cstddef>

namespace indicatord {

/// Asks the kernel to back the 2 MB-aligned part of [data, data + bytes) with transparent huge
/// pages (madvise MADV_HUGEPAGE), for large buffers filled once at start-up and reload: a 4 KB
/// page faulted in one at a time cost ~10 us each on the benchmark's VM, a third of a start with
/// 100,000 indicators. Only a hint: nothing changes where THP is off (`never`), the range is too
/// small, or the call fails. Any thread; `data` must be memory the caller owns (a vector's
/// reserved buffer).
void advise_huge_pages(const void* data, std::size_t bytes) noexcept;

}  // namespace indicatord
