#include "server_export.hpp"

#include <boost/json.hpp>
#include <stdexcept>
#include <string_view>

namespace hotstate::testing {

namespace json = boost::json;

ExportedState read_export(HttpClient& http) {
  auto response = http.request("GET", "/v1/export");
  if (response.status != 200)
    throw std::runtime_error("GET /v1/export answered " + std::to_string(response.status) + ": " + response.body);
  ExportedState out;
  std::string_view rest = response.body;
  bool header = true;
  std::uint64_t announced = 0;
  while (!rest.empty()) {
    auto end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.empty()) continue;
    json::object object = json::parse(line).as_object();
    auto number = [&](std::string_view name) { return object.at(name).to_number<std::uint64_t>(); };
    if (header) {
      out.epoch = std::stoull(std::string(object.at("epoch").as_string()), nullptr, 16);
      out.revision = number("revision");
      announced = number("records");
      header = false;
      continue;
    }
    ReplicaRecord record;
    record.json = json::serialize(object.at("value"));
    record.create_revision = number("create_revision");
    record.mod_revision = number("mod_revision");
    record.version = number("version");
    out.records[{std::string(object.at("collection").as_string()), std::string(object.at("key").as_string())}] =
        std::move(record);
  }
  // The header counts the record lines: fewer means the answer was cut short.
  if (header || out.records.size() != announced)
    throw std::runtime_error("GET /v1/export: " + std::to_string(out.records.size()) + " records, header said " +
                             std::to_string(announced));
  return out;
}

}  // namespace hotstate::testing
