#pragma once
// Counts heap allocations (global operator new) made by this thread between start and
// stop. The replacement operators live in alloc_counter.cpp, apart from the tests, so
// the compiler never pairs an inlined malloc with a delete it cannot see through.

#include <cstddef>

namespace hotstate::testing {

void start_counting_allocations();
std::size_t stop_counting_allocations();  // allocations since start

}  // namespace hotstate::testing
