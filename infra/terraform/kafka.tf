# The bus of each region: a Managed Service for Apache Kafka cluster with botsieve's four topics.
# Ingest, detectors and sinks of a region all use their region's cluster (bus.kind = kafka).

locals {
  kafka_topics = {
    for pair in setproduct(keys(var.regions), keys(var.kafka_topics)) : "${pair[0]}/${pair[1]}" => {
      region = pair[0]
      key    = pair[1]
      name   = "${var.kafka_topic_prefix}${pair[1]}"
      spec   = var.kafka_topics[pair[1]]
    }
  }
}

resource "google_managed_kafka_cluster" "bus" {
  for_each = var.regions

  cluster_id = "botsieve-${each.key}"
  location   = each.key
  labels     = local.labels

  capacity_config {
    vcpu_count   = each.value.kafka_vcpu_count
    memory_bytes = each.value.kafka_memory_bytes
  }

  gcp_config {
    access_config {
      network_configs {
        subnet = each.value.subnetwork
      }
    }
  }

  rebalance_config {
    mode = "AUTO_REBALANCE_ON_SCALE_UP"
  }

  depends_on = [google_project_service.apis]
}

resource "google_managed_kafka_topic" "bus" {
  for_each = local.kafka_topics

  topic_id           = each.value.name
  cluster            = google_managed_kafka_cluster.bus[each.value.region].cluster_id
  location           = each.value.region
  partition_count    = each.value.spec.partitions
  replication_factor = var.kafka_replication_factor

  configs = {
    "cleanup.policy" = "delete"
    "retention.ms"   = tostring(each.value.spec.retention_ms)
  }
}

# Producers and consumers authenticate to Managed Kafka with their Google identity.
resource "google_project_iam_member" "pipeline_kafka" {
  project = var.project_id
  role    = "roles/managedkafka.client"
  member  = google_service_account.pipeline.member
}
