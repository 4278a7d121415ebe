#pragma once
// Semantic versions as Go's golang.org/x/mod/semver reads them (flagd's `sem_ver` uses
// it, after putting a "v" in front of a version that has none, so the "v" is optional
// here): "1", "1.2" and "v1.2.3" are valid (short forms mean .0); a prerelease or build needs all three numbers; numbers
// have no leading zeros; build metadata is ignored when comparing.

#include <optional>
#include <string_view>

namespace hotstate::eval {

struct SemVer {
  std::string_view major, minor, patch;  // digits ("0" for an omitted part)
  std::string_view prerelease;           // without the '-', empty when none
};

// Views into `text`; nullopt when it is not a valid version.
std::optional<SemVer> parse_semver(std::string_view text);

// -1, 0 or +1, as semver.Compare.
int compare_semver(const SemVer& a, const SemVer& b);

// The operators of flagd's sem_ver: = != < <= >= > and ^ (same major), ~ (same major.minor).
enum class SemVerOp { Equal, NotEqual, Less, LessOrEqual, GreaterOrEqual, Greater, SameMajor, SameMinor };
std::optional<SemVerOp> parse_semver_op(std::string_view text);
bool semver_matches(const SemVer& version, SemVerOp op, const SemVer& target);

}  // namespace hotstate::eval
