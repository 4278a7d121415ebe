// hotstate.h must compile as C++17 with -Wall -Wextra -pedantic -Werror (tests/capi/CMakeLists.txt).
#include "hotstate.h"

int main() {
  hs_client_status status = HS_CLIENT_STATUS_INIT;
  hs_status (*open)(const hs_options*, hs_client**) = hs_client_open;
  return static_cast<int>(status.state) + (open == nullptr) + (HS_ABI_VERSION - 1);
}
