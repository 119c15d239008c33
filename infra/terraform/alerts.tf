# Alerts on the Prometheus metrics botsieve exports (README.md "Metrics"), collected by Google Cloud
# Managed Service for Prometheus (GKE's managed collection, on by default; a PodMonitoring for the
# admin port's /metrics is the Kubernetes side's) and evaluated by Cloud Monitoring as PromQL.
# Every metric name queried here is one the code registers: test/src/infra.test.ts checks it.

locals {
  # Ingest's 503 answers (ingest/src/errors.ts), counted as outcomes of botsieve_ingest_uploads_total.
  ingest_unavailable_codes = ["ERR_INGEST_BUS_UNAVAILABLE", "ERR_INGEST_ACK_TIMEOUT", "ERR_INGEST_OVERLOADED", "ERR_INGEST_DRAINING"]

  alert_queries = {
    # Logpush retries a failed upload for about 5 minutes, then drops the batch: page while there is
    # still time, when most Logpush uploads of the last 2 minutes were refused and it has lasted.
    ingest_unavailable = <<-EOT
      sum by (cluster) (rate(botsieve_ingest_uploads_total{route="logpush",outcome=~"${join("|", local.ingest_unavailable_codes)}"}[2m]))
        / sum by (cluster) (rate(botsieve_ingest_uploads_total{route="logpush"}[2m])) > 0.5
    EOT
    # How far behind the newest event a detector has processed: grows when the detectors cannot keep
    # up with the events topic (consumer lag, in seconds of event time).
    detector_lag = "max by (cluster, component) (botsieve_watermark_lag_seconds) > ${var.alert_detector_lag_seconds}"
    # Age of the newest record a sink had confirmed: grows while its target is down or slow.
    sink_lag = "max by (cluster, component) (botsieve_sink_lag_seconds) > ${var.alert_sink_lag_seconds}"
    # Sinks failing writes, whatever the code (the runtime retries; this says they keep failing).
    sink_errors = "sum by (cluster, component, code) (rate(botsieve_errors_total{component=~\"sink\\\\..*\"}[5m])) > 0"
    # Items across the account's lists against its capacity (every region's sink reports the same
    # lists: max per kind, then the sum), and verdicts left out because the lists are full.
    cloudflare_lists_near_capacity = "sum(max by (kind) (botsieve_cloudflare_list_items{kind=~\".*_(ip|asn)\"})) > ${var.cloudflare_list_capacity * var.alert_cloudflare_capacity_ratio}"
    cloudflare_left_out            = "max(botsieve_cloudflare_left_out) > 0"
  }

  alerts = {
    ingest_unavailable = {
      name     = "botsieve: ingest refuses Logpush uploads (503)"
      duration = "180s"
      severity = "CRITICAL"
      doc      = "More than half of Logpush's uploads to ingest were answered 503 for 3 minutes. Logpush drops a batch after about 5 minutes of retries: those events are lost. Check the bus (Kafka) and ingest's in-flight budget (botsieve_ingest_inflight_bytes), by cluster."
    }
    detector_lag = {
      name     = "botsieve: detectors fall behind the events"
      duration = "300s"
      severity = "ERROR"
      doc      = "A detector has been more than alert_detector_lag_seconds behind the newest event for 5 minutes: verdicts come late. Scale the detectors (partitions cap consumers) or look for a stalled partition."
    }
    sink_lag = {
      name     = "botsieve: a sink falls behind"
      duration = "300s"
      severity = "ERROR"
      doc      = "A sink's newest confirmed record has been older than alert_sink_lag_seconds for 5 minutes: its target (Redis, Cloudflare, BigQuery, Pub/Sub) is down or too slow. botsieve_errors_total by code says why."
    }
    sink_errors = {
      name     = "botsieve: sink writes keep failing"
      duration = "600s"
      severity = "WARNING"
      doc      = "A sink has counted errors continuously for 10 minutes (retries included). The code label names the failure (sinks/README.md lists the codes)."
    }
    cloudflare_lists_near_capacity = {
      name     = "botsieve: Cloudflare lists near capacity"
      duration = "900s"
      severity = "WARNING"
      doc      = "The account's lists hold more than alert_cloudflare_capacity_ratio of cloudflare_list_capacity items. Past capacity the lowest-priority verdicts are left out (not enforced at the edge)."
    }
    cloudflare_left_out = {
      name     = "botsieve: verdicts left out of the Cloudflare lists"
      duration = "900s"
      severity = "WARNING"
      doc      = "The Cloudflare lists are full: verdicts deserving a block or challenge are not in them (botsieve_cloudflare_left_out). Raise the account's capacity or the sink's thresholds."
    }
  }
}

resource "google_monitoring_alert_policy" "botsieve" {
  for_each = var.alerts_enabled ? local.alerts : {}

  display_name          = each.value.name
  combiner              = "OR"
  severity              = each.value.severity
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = each.value.name
    condition_prometheus_query_language {
      query               = local.alert_queries[each.key]
      duration            = each.value.duration
      evaluation_interval = "60s"
    }
  }

  documentation {
    content   = each.value.doc
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.apis]
}
