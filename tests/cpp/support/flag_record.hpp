#pragma once
// A record of collection "flags" as a server would send it, for tests that script frames
// themselves (created and last modified at `revision`, first version).

#include <memory>
#include <string>

#include "hotstate/record.hpp"
#include "hotstate/value.hpp"

namespace hotstate::testing {

inline RecordPtr flag_record(const std::string& key, const std::string& json, std::uint64_t revision) {
  auto r = std::make_shared<Record>();
  r->collection = "flags";
  r->key = key;
  r->value = json_to_flex(json);
  r->create_revision = revision;
  r->mod_revision = revision;
  r->version = 1;
  return r;
}

}  // namespace hotstate::testing
