/* hotstate.h must compile as C11 with -Wall -Wextra -pedantic -Werror (tests/capi/CMakeLists.txt). */
#include "hotstate.h"

int main(void) {
  hs_client_status status = HS_CLIENT_STATUS_INIT;
  hs_status (*open)(const hs_options *, hs_client **) = hs_client_open;
  return (int)status.state + (open == 0) + (HS_ABI_VERSION - 1);
}
