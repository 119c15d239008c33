# Everything a botsieve deployment needs from this stack. `botsieve_env` assembles it per region
# as environment overrides (BOTSIEVE_<PATH>, `__` between config path segments).

output "pipeline_service_account" {
  description = "Google service account of the botsieve pods (annotate the Kubernetes service account with it)."
  value       = google_service_account.pipeline.email
}

output "gke_clusters" {
  description = "GKE cluster id per region."
  value       = { for region, cluster in google_container_cluster.botsieve : region => cluster.id }
}

output "bigquery_dataset_id" {
  description = "Dataset holding the tables (sinks.bigquery.dataset)."
  value       = google_bigquery_dataset.botsieve.dataset_id
}

output "bigquery_tables" {
  description = "Table ids, as listed in sinks/schemas/bigquery/tables.json."
  value       = { for name, table in google_bigquery_table.botsieve : name => table.id }
}

output "pubsub_topic" {
  description = "Verdicts topic (sinks.pubsub.topic)."
  value       = google_pubsub_topic.verdicts.name
}

output "pubsub_subscriptions" {
  description = "Ordered verdict subscription per region (sinks.pubsub.subscription)."
  value       = { for region, subscription in google_pubsub_subscription.verdicts : region => subscription.name }
}

output "pubsub_deadletter_subscription" {
  description = "Subscription holding verdict messages no region could handle."
  value       = google_pubsub_subscription.verdicts_deadletter.name
}

output "redis_discovery_endpoints" {
  description = "Discovery endpoint (host:port) of each region's Redis Cluster (sinks.redis_cluster.nodes)."
  value = {
    for region, cluster in google_redis_cluster.verdicts : region =>
    "${cluster.discovery_endpoints[0].address}:${cluster.discovery_endpoints[0].port}"
  }
}

output "kafka_bootstrap_addresses" {
  description = "Bootstrap address of each region's Kafka cluster (bus.kafka.brokers; SASL on :9092)."
  value       = local.kafka_bootstrap_addresses
}

output "kafka_topic_names" {
  description = "Topic names keyed like bus.topics (the same in every region)."
  value       = { for key in keys(var.kafka_topics) : key => "${var.kafka_topic_prefix}${key}" }
}

output "cloudflare_lists" {
  description = "List name to list id (the sink finds the lists by name: <prefix>_block_ip, ...)."
  value = {
    for list in [cloudflare_list.block_ip, cloudflare_list.challenge_ip, cloudflare_list.block_asn, cloudflare_list.challenge_asn] :
    list.name => list.id
  }
}

output "cloudflare_ruleset_id" {
  description = "Zone custom ruleset holding the JA4 rules (sinks.cloudflare_lists.ruleset_id)."
  value       = cloudflare_ruleset.botsieve.id
}

output "cloudflare_ja4_rule_ids" {
  description = "Rule ids the sink rewrites (sinks.cloudflare_lists.ja4_block_rule_id / ja4_challenge_rule_id)."
  value = {
    block     = cloudflare_ruleset.botsieve.rules[2].id
    challenge = cloudflare_ruleset.botsieve.rules[5].id
  }
}

output "logpush_job_id" {
  description = "Id of the http_requests Logpush job (null when logpush_enabled is false)."
  value       = var.logpush_enabled ? cloudflare_logpush_job.http_requests[0].id : null
}

output "botsieve_env" {
  description = "Per region, the botsieve configuration overrides this stack determines (secrets excluded: Cloudflare token, ingest token, Kafka SASL settings)."
  value = {
    for region in keys(var.regions) : region => {
      BOTSIEVE_BUS__KIND                                      = "kafka"
      BOTSIEVE_BUS__KAFKA__BROKERS                            = local.kafka_bootstrap_addresses[region]
      BOTSIEVE_BUS__TOPICS__EVENTS                            = "${var.kafka_topic_prefix}events"
      BOTSIEVE_BUS__TOPICS__VERDICTS                          = "${var.kafka_topic_prefix}verdicts"
      BOTSIEVE_BUS__TOPICS__DEADLETTER                        = "${var.kafka_topic_prefix}deadletter"
      BOTSIEVE_BUS__TOPICS__ROLLUPS                           = "${var.kafka_topic_prefix}rollups"
      BOTSIEVE_SINKS__REDIS_CLUSTER__NODES                    = jsonencode(["${google_redis_cluster.verdicts[region].discovery_endpoints[0].address}:${google_redis_cluster.verdicts[region].discovery_endpoints[0].port}"])
      BOTSIEVE_SINKS__REDIS_CLUSTER__TLS                      = var.redis_transit_encryption_mode == "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION" ? "true" : "false"
      BOTSIEVE_SINKS__BIGQUERY__PROJECT_ID                    = var.project_id
      BOTSIEVE_SINKS__BIGQUERY__DATASET                       = google_bigquery_dataset.botsieve.dataset_id
      BOTSIEVE_SINKS__PUBSUB__PROJECT_ID                      = var.project_id
      BOTSIEVE_SINKS__PUBSUB__TOPIC                           = google_pubsub_topic.verdicts.name
      BOTSIEVE_SINKS__PUBSUB__SUBSCRIPTION                    = google_pubsub_subscription.verdicts[region].name
      BOTSIEVE_SINKS__PUBSUB__REGION                          = region
      BOTSIEVE_SINKS__CLOUDFLARE_LISTS__ACCOUNT_ID            = var.cloudflare_account_id
      BOTSIEVE_SINKS__CLOUDFLARE_LISTS__LIST_PREFIX           = var.cloudflare_list_prefix
      BOTSIEVE_SINKS__CLOUDFLARE_LISTS__BOT_MANAGEMENT        = var.cloudflare_bot_management ? "true" : "false"
      BOTSIEVE_SINKS__CLOUDFLARE_LISTS__ZONE_ID               = var.cloudflare_zone_id
      BOTSIEVE_SINKS__CLOUDFLARE_LISTS__RULESET_ID            = cloudflare_ruleset.botsieve.id
      BOTSIEVE_SINKS__CLOUDFLARE_LISTS__JA4_BLOCK_RULE_ID     = cloudflare_ruleset.botsieve.rules[2].id
      BOTSIEVE_SINKS__CLOUDFLARE_LISTS__JA4_CHALLENGE_RULE_ID = cloudflare_ruleset.botsieve.rules[5].id
      # Every sink pod carries the token; the Redis Cluster above elects the one that writes.
      BOTSIEVE_SINKS__CLOUDFLARE_LISTS__WRITER_LEASE__BACKEND = "redis"
    }
  }
}

output "edge_worker_script" {
  description = "Name of the deployed edge Worker script (null when edge_worker_enabled is false)."
  value       = var.edge_worker_enabled ? cloudflare_workers_script.edge[0].script_name : null
}

output "ingest_address" {
  description = "Public IPv4 address of ingest's HTTPS load balancer: the DNS A record of the ingest_logpush_url host (null when ingress_enabled is false)."
  value       = var.ingress_enabled ? google_compute_global_address.ingest[0].address : null
}

output "ingest_gateway_names" {
  description = "Names the ingest Gateway refers to: NamedAddress, pre-shared certificate, Cloud Armor policy (null when ingress_enabled is false)."
  value = var.ingress_enabled ? {
    address         = google_compute_global_address.ingest[0].name
    certificate     = google_compute_managed_ssl_certificate.ingest[0].name
    security_policy = google_compute_security_policy.ingest[0].name
    host            = local.ingest_host
  } : null
}

output "image" {
  description = "Image name (without tag) Cloud Build pushes and the Kubernetes packaging pulls."
  value       = local.image
}
