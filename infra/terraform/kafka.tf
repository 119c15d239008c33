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

# Each cluster's bootstrap address, read from the Managed Kafka API (projects.locations.clusters.get,
# field bootstrapAddress, documented without a port: SASL clients use 9092). Not the resource's own
# bootstrap_address attribute: that came with a google 7.x release (GoogleCloudPlatform/magic-modules#18816)
# whose number could not be pinned, while this read works on every 7.x. Read at apply once the
# cluster exists, with the credentials Terraform itself uses.
data "google_client_config" "current" {}

data "http" "kafka_cluster" {
  for_each = google_managed_kafka_cluster.bus

  url = "https://managedkafka.googleapis.com/v1/projects/${var.project_id}/locations/${each.value.location}/clusters/${each.value.cluster_id}"
  request_headers = {
    Accept        = "application/json"
    Authorization = "Bearer ${data.google_client_config.current.access_token}"
  }

  lifecycle {
    postcondition {
      condition     = self.status_code == 200 && try(jsondecode(self.response_body).bootstrapAddress, "") != ""
      error_message = "The Managed Kafka API gave no bootstrapAddress for the cluster (HTTP ${self.status_code})."
    }
  }
}

locals {
  # host:port for bus.kafka.brokers.
  kafka_bootstrap_addresses = {
    for region, cluster in data.http.kafka_cluster : region => "${jsondecode(cluster.response_body).bootstrapAddress}:9092"
  }
}
