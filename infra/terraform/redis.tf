# One Memorystore for Redis Cluster per region holds that region's active verdicts (the Redis
# Cluster sink). Clients reach it only through Private Service Connect endpoints in `network`.

# PSC for Memorystore needs one service connection policy per network, region and service class.
resource "google_network_connectivity_service_connection_policy" "redis" {
  for_each = var.redis_create_service_connection_policy ? var.regions : {}

  name          = "botsieve-redis-${each.key}"
  location      = each.key
  service_class = "gcp-memorystore-redis"
  description   = "Lets Memorystore for Redis Cluster create PSC endpoints for botsieve."
  network       = var.network

  psc_config {
    subnetworks = [each.value.subnetwork]
  }

  depends_on = [google_project_service.apis]
}

resource "google_redis_cluster" "verdicts" {
  for_each = var.regions

  name        = "botsieve-${each.key}"
  region      = each.key
  shard_count = each.value.redis_shard_count
  node_type   = each.value.redis_node_type

  # One replica per shard in another zone: a zone outage promotes replicas instead of losing keys.
  replica_count = var.redis_replica_count
  zone_distribution_config {
    mode = "MULTI_ZONE"
  }

  psc_configs {
    network = var.network
  }

  authorization_mode      = var.redis_authorization_mode
  transit_encryption_mode = var.redis_transit_encryption_mode

  redis_configs = {
    # Every verdict key carries its TTL; under memory pressure evict the soonest to expire.
    "maxmemory-policy" = "volatile-ttl"
  }

  deletion_protection_enabled = var.redis_deletion_protection

  depends_on = [google_network_connectivity_service_connection_policy.redis]
}

# With IAM authentication the pipeline needs to be allowed to connect.
resource "google_project_iam_member" "pipeline_redis" {
  count = var.redis_authorization_mode == "AUTH_MODE_IAM_AUTH" ? 1 : 0

  project = var.project_id
  role    = "roles/redis.dbConnectionUser"
  member  = google_service_account.pipeline.member
}
