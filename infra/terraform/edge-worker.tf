# The edge Worker (edge/worker): in front of the origin on edge_worker_route, it forwards Bot
# Management's fields to the origin as headers, ships request metadata to ingest's POST /events in
# batches, and (edge_worker_enforce) enforces block/challenge verdicts from the decision service.
#
# The script is the bundle `npm run build` writes to edge/worker/dist/worker.js (one ES module);
# build before `terraform plan`. Its configuration is the bindings below: plain_text for the vars,
# secret_text for the tokens (write-only at Cloudflare, but like every secret here, in the state).

locals {
  # POST /events on the same ingest tier Logpush reaches, unless set otherwise.
  edge_worker_ingest_url = var.edge_worker_ingest_url != "" ? var.edge_worker_ingest_url : replace(var.ingest_logpush_url, "/\\/logpush$/", "/events")

  # Empty values are left out: the Worker reads an absent var as its default (edge/worker/README.md).
  edge_worker_vars = {
    ORIGIN                 = var.edge_worker_origin
    INGEST_URL             = local.edge_worker_ingest_url
    INGEST_AUTH_HEADER     = var.ingest_auth_header
    BATCH_MAX_RECORDS      = tostring(var.edge_worker_batch_max_records)
    BATCH_MAX_WAIT_MS      = tostring(var.edge_worker_batch_max_wait_ms)
    ENFORCE                = var.edge_worker_enforce ? "on" : "off"
    DECISIONS_URL          = var.edge_worker_decisions_url
    DECISIONS_AUTH_HEADER  = var.edge_worker_decisions_auth_header
    REFRESH_S              = tostring(var.edge_worker_refresh_s)
    WAIT_FOR_FIRST_REFRESH = var.edge_worker_wait_for_first_refresh ? "on" : "off"
    CHALLENGE_MODE         = var.edge_worker_challenge_mode
  }
  edge_worker_secrets = {
    EDGE_TOKEN      = var.edge_worker_edge_token
    INGEST_TOKEN    = var.ingest_auth_token
    DECISIONS_TOKEN = var.edge_worker_decisions_token
    STATS_TOKEN     = var.edge_worker_stats_token
  }
}

resource "cloudflare_workers_script" "edge" {
  count = var.edge_worker_enabled ? 1 : 0

  account_id         = var.cloudflare_account_id
  script_name        = var.edge_worker_name
  content            = file("${path.module}/../../edge/worker/dist/worker.js")
  main_module        = "worker.js"
  compatibility_date = var.edge_worker_compatibility_date

  bindings = concat(
    [for name, value in local.edge_worker_vars : { name = name, type = "plain_text", text = value } if value != ""],
    [for name, value in local.edge_worker_secrets : { name = name, type = "secret_text", text = value } if value != ""],
  )

  lifecycle {
    precondition {
      condition     = var.edge_worker_route != ""
      error_message = "edge_worker_enabled needs edge_worker_route, e.g. shop.example.com/*."
    }
    precondition {
      condition     = !var.edge_worker_enforce || var.edge_worker_decisions_url != ""
      error_message = "edge_worker_enforce needs edge_worker_decisions_url (the Worker answers 500 ERR_EDGE_CONFIG otherwise)."
    }
  }
}

resource "cloudflare_workers_route" "edge" {
  count = var.edge_worker_enabled ? 1 : 0

  zone_id = var.cloudflare_zone_id
  pattern = var.edge_worker_route
  script  = cloudflare_workers_script.edge[0].script_name
}
