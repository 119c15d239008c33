data "google_project" "this" {
  project_id = var.project_id
}

locals {
  labels = var.labels

  # Pub/Sub's service agent forwards undeliverable messages to the dead-letter topic.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # Workload Identity principal of the botsieve pods (namespace/service account in every cluster).
  workload_identity_member = "serviceAccount:${var.project_id}.svc.id.goog[${var.workload_namespace}/${var.workload_service_account}]"
}

resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "cloudbuild.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    "iam.googleapis.com",
    "managedkafka.googleapis.com",
    "monitoring.googleapis.com",
    "networkconnectivity.googleapis.com",
    "pubsub.googleapis.com",
    "redis.googleapis.com",
    "serviceconsumermanagement.googleapis.com",
  ])
  project = var.project_id
  service = each.key
  # Destroying this stack must not switch APIs off for everything else in the project.
  disable_on_destroy = false
}
