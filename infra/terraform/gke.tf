# One regional GKE cluster per region runs that region's pipeline (ingest, detectors, sinks).
# Pods get Google credentials through Workload Identity only: nodes carry a minimal service
# account, and the botsieve Kubernetes service account maps onto the pipeline's.

resource "google_container_cluster" "botsieve" {
  for_each = var.regions

  name       = "botsieve-${each.key}"
  location   = each.key # a region: control plane and nodes spread over its zones
  network    = var.network
  subnetwork = each.value.subnetwork

  # Node pools are managed below; the default one is only needed to create the cluster.
  remove_default_node_pool = true
  initial_node_count       = 1

  release_channel {
    channel = var.gke_release_channel
  }

  workload_identity_config {
    workload_pool = "${var.project_id}.svc.id.goog"
  }

  # VPC-native: pod IPs come from the subnet's ranges and reach the PSC endpoints directly.
  ip_allocation_policy {}

  # The Gateway API, so ingest is exposed by a GKE Gateway on the address and certificate of
  # ingress.tf (README.md, "Public HTTPS to ingest").
  gateway_api_config {
    channel = "CHANNEL_STANDARD"
  }

  resource_labels     = local.labels
  deletion_protection = var.gke_deletion_protection

  depends_on = [google_project_service.apis]
}

resource "google_container_node_pool" "pipeline" {
  for_each = var.regions

  name     = "pipeline"
  cluster  = google_container_cluster.botsieve[each.key].id
  location = each.key

  autoscaling {
    # Totals across the region's zones; BALANCED keeps the zones even.
    total_min_node_count = each.value.gke_total_min_node_count
    total_max_node_count = each.value.gke_total_max_node_count
    location_policy      = "BALANCED"
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type    = each.value.gke_machine_type
    service_account = google_service_account.gke_nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    labels          = local.labels

    # Pods see the GKE metadata server, which hands out Workload Identity tokens (never the node's).
    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot = true
    }
  }
}
