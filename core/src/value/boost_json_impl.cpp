// Boost.JSON compiled into hotstate itself (its header-only mode), so libhotstate and the
// language bindings built on it do not need libboost_json at run time.
#include <boost/json/src.hpp>
