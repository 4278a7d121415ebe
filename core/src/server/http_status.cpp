// GET /v1/status and GET /metrics.

#include <cstdio>

#include "hotstate/version.hpp"
#include "http_api.hpp"
#include "log.hpp"
#include "server.hpp"

namespace hotstate::server {

namespace {

void gauge(std::string& out, const char* name, const char* help, const char* type, double value) {
  char line[64];
  std::snprintf(line, sizeof line, "%.17g", value);
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + line + "\n";
}

}  // namespace

Response handle_status(Server& server, const Request& request) {
  const auto& store = server.store();
  const auto& metrics = server.metrics();
  char uptime[32];
  std::snprintf(uptime, sizeof uptime, "%.3f", server.uptime_seconds());
  std::string body = R"({"epoch":")" + hex64(store.epoch()) + R"(","revision":)" +
                     std::to_string(store.revision()) + R"(,"records":)" +
                     std::to_string(store.record_count()) + R"(,"changelog":{"horizon":)" +
                     std::to_string(store.horizon()) + R"(,"entries":)" +
                     std::to_string(store.changelog_entries()) + R"(,"retain":)" +
                     std::to_string(store.changelog_retain()) + R"(,"retain_seconds":)" +
                     std::to_string(store.changelog_max_age().count() / 1000) + R"(},"connections":{"http":)" +
                     std::to_string(metrics.http_connections) + R"(,"stream":)" +
                     std::to_string(metrics.stream_connections) + R"(},"uptime_seconds":)" +
                     uptime + R"(,"version":")" + kVersion + R"(","storage":")" +
                     store.storage().engine_name() + R"(","disk_bytes":)" +
                     std::to_string(store.storage().disk_bytes()) + R"(,"server_id":")" + server.server_id() +
                     R"("})";
  return json_response(request, Status::ok, std::move(body));
}

Response handle_metrics(Server& server, const Request& request) {
  const auto& store = server.store();
  const auto& m = server.metrics();
  std::string out;
  gauge(out, "hotstate_revision", "Current revision of the history.", "gauge", double(store.revision()));
  gauge(out, "hotstate_records", "Records stored.", "gauge", double(store.record_count()));
  gauge(out, "hotstate_commits_total", "Committed writes and transactions.", "counter", double(m.commits));
  gauge(out, "hotstate_changelog_entries", "Transactions kept in the change log.", "gauge",
        double(store.changelog_entries()));
  gauge(out, "hotstate_changelog_horizon", "Oldest revision a client can resume from.", "gauge",
        double(store.horizon()));
  gauge(out, "hotstate_http_connections", "Open HTTP connections.", "gauge", double(m.http_connections));
  gauge(out, "hotstate_stream_connections", "Open stream connections.", "gauge", double(m.stream_connections));
  gauge(out, "hotstate_rejected_connections_total", "Connections refused over --max-connections.",
        "counter", double(m.rejected_connections));
  gauge(out, "hotstate_tls_handshake_failures_total",
        "Connections to the TLS port that did not complete a TLS handshake.", "counter",
        double(m.tls_handshake_failures));
  gauge(out, "hotstate_stream_queue_bytes", "Bytes queued for stream clients.", "gauge",
        double(m.stream_queue_bytes));
  gauge(out, "hotstate_stream_lagging_clients", "Clients whose queue overflowed, waiting to catch up.",
        "gauge", double(m.lagging_clients));
  gauge(out, "hotstate_stream_queue_overflows_total", "Times a client's queue overflowed.", "counter",
        double(m.queue_overflows));
  gauge(out, "hotstate_snapshots_total", "Snapshots sent.", "counter", double(m.snapshots));
  gauge(out, "hotstate_snapshot_resets_total",
        "Snapshots sent to clients that had state (history replaced or out of the change log).",
        "counter", double(m.snapshot_resets));
  gauge(out, "hotstate_catchups_total", "Resumes served from the change log.", "counter", double(m.catchups));
  gauge(out, "hotstate_snapshot_builds_total",
        "Snapshots selected and encoded: once per selectors and revision, however many clients it is sent to.",
        "counter", double(m.snapshot_builds));
  gauge(out, "hotstate_snapshot_shares_total",
        "Snapshots sent from an encoding built for another client (no build of their own).", "counter",
        double(m.snapshot_shares));
  gauge(out, "hotstate_snapshot_waits_total",
        "Clients that had to wait for a snapshot slot (--max-concurrent-snapshots).", "counter",
        double(m.snapshot_waits));
  gauge(out, "hotstate_snapshot_queue_length", "Clients waiting for a snapshot slot now.", "gauge",
        double(m.snapshot_queue_length));
  gauge(out, "hotstate_snapshots_in_progress", "Distinct snapshots being sent now (at most --max-concurrent-snapshots).",
        "gauge", double(m.snapshots_in_progress));
  gauge(out, "hotstate_snapshot_chunk_reencodes_total",
        "Snapshot chunks encoded a second time: a client needed one after it left the shared snapshot's "
        "8 MiB of kept chunks.",
        "counter", double(m.snapshot_chunk_reencodes));
  gauge(out, "hotstate_stream_protocol_errors_total", "Streams closed for protocol violations.",
        "counter", double(m.protocol_errors));
  gauge(out, "hotstate_stream_frames_sent_total", "Frames written to streams.", "counter", double(m.frames_sent));
  gauge(out, "hotstate_stream_bytes_sent_total", "Bytes written to streams.", "counter", double(m.bytes_sent));
  out += "# HELP hotstate_http_responses_total HTTP responses by status code.\n"
         "# TYPE hotstate_http_responses_total counter\n";
  for (const auto& [code, count] : m.http_responses)
    out += "hotstate_http_responses_total{code=\"" + std::to_string(code) + "\"} " +
           std::to_string(count) + "\n";
  out += "# HELP hotstate_refusals_total Requests, frames and connections refused by a limit or by "
         "access control, by the error code given.\n"
         "# TYPE hotstate_refusals_total counter\n";
  for (const auto& [reason, count] : m.refusals)
    out += "hotstate_refusals_total{reason=\"" + reason + "\"} " + std::to_string(count) + "\n";
  m.fanout_latency.render(out, "hotstate_fanout_latency_seconds",
                          "Time from commit to the delta being written to a client's socket.");
  const Committer& committer = server.committer();
  gauge(out, "hotstate_storage_commit_groups_total",
        "Durable writes to storage (one sync each; a group holds every transaction waiting).", "counter",
        double(committer.stats().groups));
  gauge(out, "hotstate_storage_committed_transactions_total", "Transactions made durable.", "counter",
        double(committer.stats().transactions));
  gauge(out, "hotstate_storage_largest_group", "Most transactions made durable by one sync.", "gauge",
        double(committer.stats().largest_group));
  gauge(out, "hotstate_storage_pending_transactions", "Transactions waiting for their sync.", "gauge",
        double(committer.in_flight()));
  gauge(out, "hotstate_storage_disk_bytes", "Bytes the storage engine keeps on disk.", "gauge",
        double(store.storage().disk_bytes()));
  committer.sync_latency().render(out, "hotstate_storage_sync_seconds",
                                  "Time to make one group of transactions durable.");
  Response response = json_response(request, Status::ok, std::move(out));
  response.set(boost::beast::http::field::content_type, "text/plain; version=0.0.4");
  response.body().pop_back();  // json_response adds a newline; the text already ends in one
  response.prepare_payload();
  return response;
}

}  // namespace hotstate::server
