# Service accounts. The pipeline's permissions are granted next to the resources they concern
# (bigquery.tf, pubsub.tf, kafka.tf, redis.tf); this file holds the accounts themselves.

# Identity of every botsieve pod (ingest, detectors, sinks) through Workload Identity.
resource "google_service_account" "pipeline" {
  account_id   = "botsieve-pipeline"
  display_name = "botsieve pipeline"
  description  = "botsieve ingest, detectors and sinks (BigQuery rows, Pub/Sub verdicts, Kafka bus)."

  depends_on = [google_project_service.apis]
}

resource "google_service_account_iam_member" "pipeline_workload_identity" {
  service_account_id = google_service_account.pipeline.name
  role               = "roles/iam.workloadIdentityUser"
  member             = local.workload_identity_member

  # The identity pool exists once a cluster with Workload Identity does.
  depends_on = [google_container_cluster.botsieve]
}

# Nodes: logs, metrics and image pulls only.
resource "google_service_account" "gke_nodes" {
  account_id   = "botsieve-gke-nodes"
  display_name = "botsieve GKE nodes"

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_member" "gke_nodes" {
  for_each = toset([
    "roles/artifactregistry.reader",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
  ])

  project = var.project_id
  role    = each.key
  member  = google_service_account.gke_nodes.member
}
