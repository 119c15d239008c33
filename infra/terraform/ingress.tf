# Public HTTPS entry to the ingest tier, which Logpush needs (it validates the destination when the
# job is created, and delivers there afterwards) and the edge Worker's POST /events uses.
#
# Terraform makes what Google Cloud needs by name; the Kubernetes side (a GKE Gateway with the
# gke-l7-global-external-managed class, or gke-l7-global-external-managed-mc across regions) refers
# to them (README.md, "Public HTTPS to ingest"):
# - the global address `ingress_address_name`   → Gateway spec.addresses, type NamedAddress;
# - the certificate `ingress_certificate_name`   → Gateway TLS option networking.gke.io/pre-shared-certs;
# - the Cloud Armor policy `ingress_security_policy_name` → GCPBackendPolicy spec.default.securityPolicy.
# The load balancer itself (forwarding rule, proxy, URL map, backends) is the Gateway controller's.

locals {
  # The host Logpush and the Worker reach, taken from the URL they are given (one source of truth).
  ingest_host = regex("^https://([^/:?#]+)", var.ingest_logpush_url)[0]
}

resource "google_compute_global_address" "ingest" {
  count = var.ingress_enabled ? 1 : 0

  name        = var.ingress_address_name
  description = "botsieve ingest: public address of the HTTPS load balancer (the DNS A record of ${local.ingest_host})."
  ip_version  = "IPV4"
  labels      = local.labels

  depends_on = [google_project_service.apis]
}

# Google-managed: it turns ACTIVE only once the host's DNS record points at the address above and
# the load balancer serves it (provisioning takes up to about an hour after that).
resource "google_compute_managed_ssl_certificate" "ingest" {
  count = var.ingress_enabled ? 1 : 0

  name        = var.ingress_certificate_name
  description = "botsieve ingest: Google-managed certificate of ${local.ingest_host}."

  managed {
    domains = [local.ingest_host]
  }

  depends_on = [google_project_service.apis]
}

# Cloud Armor in front of ingest: a per-client rate limit above anything Logpush or the Worker sends,
# so one noisy source cannot fill the bounded in-flight budget that makes ingest answer 503.
resource "google_compute_security_policy" "ingest" {
  count = var.ingress_enabled ? 1 : 0

  name        = var.ingress_security_policy_name
  description = "botsieve ingest: per-client rate limit in front of the ingest backends."

  rule {
    action      = "throttle"
    priority    = 1000
    description = "At most ingress_rate_limit_per_minute requests a minute per client address; more get 429."
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"
      rate_limit_threshold {
        count        = var.ingress_rate_limit_per_minute
        interval_sec = 60
      }
    }
  }

  rule {
    action      = "allow"
    priority    = 2147483647
    description = "Default: allow."
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }

  depends_on = [google_project_service.apis]
}
