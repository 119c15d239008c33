# ---------------------------------------------------------------------------------------------
# Google Cloud
# ---------------------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "Google Cloud project holding every botsieve resource."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id (6-30 characters: lower-case letters, digits, hyphens)."
  }
}

variable "network" {
  type        = string
  description = "VPC network (projects/PROJECT/global/networks/NAME) the GKE clusters, Redis Cluster PSC endpoints and Kafka brokers share."
  validation {
    condition     = can(regex("^projects/[^/]+/global/networks/[^/]+$", var.network))
    error_message = "network must look like projects/PROJECT/global/networks/NAME."
  }
}

variable "regions" {
  description = <<-EOT
    One entry per region that runs a botsieve pipeline (key: region, e.g. europe-west1). Each region
    gets a GKE cluster, a Managed Kafka cluster with the bus topics, a Redis Cluster and its own
    ordered Pub/Sub subscription to the verdicts topic. `subnetwork` is the region's subnet of
    `network` (projects/PROJECT/regions/REGION/subnetworks/NAME).
  EOT
  type = map(object({
    subnetwork               = string
    redis_shard_count        = optional(number, 3)
    redis_node_type          = optional(string, "REDIS_HIGHMEM_MEDIUM")
    kafka_vcpu_count         = optional(number, 3)
    kafka_memory_bytes       = optional(number, 12884901888) # 12 GiB: 4 GiB per vCPU
    gke_machine_type         = optional(string, "n2-standard-8")
    gke_total_min_node_count = optional(number, 3)
    gke_total_max_node_count = optional(number, 12)
  }))
  validation {
    condition     = length(var.regions) > 0
    error_message = "regions needs at least one region."
  }
  validation {
    condition     = alltrue([for region in keys(var.regions) : can(regex("^[a-z]+-[a-z]+[0-9]+$", region))])
    error_message = "regions keys must be Google Cloud regions such as europe-west1."
  }
  validation {
    condition     = alltrue([for region, spec in var.regions : can(regex("^projects/[^/]+/regions/${region}/subnetworks/[^/]+$", spec.subnetwork))])
    error_message = "each subnetwork must be projects/PROJECT/regions/<its region>/subnetworks/NAME."
  }
  validation {
    condition     = alltrue([for spec in values(var.regions) : spec.redis_shard_count >= 1 && spec.redis_shard_count <= 250])
    error_message = "redis_shard_count must be between 1 and 250."
  }
  validation {
    condition = alltrue([for spec in values(var.regions) : spec.kafka_vcpu_count >= 3 &&
      spec.kafka_memory_bytes >= spec.kafka_vcpu_count * 1073741824 &&
    spec.kafka_memory_bytes <= spec.kafka_vcpu_count * 8589934592])
    error_message = "Managed Kafka needs at least 3 vCPUs and 1 to 8 GiB of memory per vCPU."
  }
  validation {
    condition     = alltrue([for spec in values(var.regions) : spec.gke_total_min_node_count >= 1 && spec.gke_total_min_node_count <= spec.gke_total_max_node_count])
    error_message = "gke_total_min_node_count must be at least 1 and at most gke_total_max_node_count."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every Google Cloud resource that takes labels."
  default     = { app = "botsieve" }
}

# --- BigQuery ----------------------------------------------------------------------------------

variable "bigquery_dataset_id" {
  type        = string
  description = "Dataset of the verdicts and traffic_1m tables (botsieve config sinks.bigquery.dataset)."
  default     = "botsieve"
  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,1024}$", var.bigquery_dataset_id))
    error_message = "bigquery_dataset_id may hold only letters, digits and underscores."
  }
}

variable "bigquery_location" {
  type        = string
  description = "Location of the dataset (multi-region US or EU, or a region); cannot change after creation."
  default     = "EU"
}

variable "bigquery_partition_expiration_days" {
  type        = number
  description = "Days a daily partition is kept before BigQuery deletes it; 0 keeps partitions forever."
  default     = 400
  validation {
    condition     = var.bigquery_partition_expiration_days >= 0 && floor(var.bigquery_partition_expiration_days) == var.bigquery_partition_expiration_days
    error_message = "bigquery_partition_expiration_days must be a whole number of days, 0 or more."
  }
}

variable "bigquery_deletion_protection" {
  type        = bool
  description = "Refuse to destroy (or replace) the tables; replacing happens when a schema change drops or retypes a column."
  default     = true
}

# --- Pub/Sub -----------------------------------------------------------------------------------

variable "pubsub_topic_name" {
  type        = string
  description = "Topic the Pub/Sub sink publishes verdicts to, ordered by subject (botsieve config sinks.pubsub.topic)."
  default     = "botsieve-verdicts"
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$", var.pubsub_topic_name)) && !startswith(lower(var.pubsub_topic_name), "goog")
    error_message = "pubsub_topic_name must be a valid Pub/Sub topic id (3-255 characters, starting with a letter, not goog...)."
  }
}

variable "pubsub_ack_deadline_seconds" {
  type        = number
  description = "Ack deadline of the regional subscriptions (botsieve config sinks.pubsub.ack_deadline_seconds should match)."
  default     = 30
  validation {
    condition     = var.pubsub_ack_deadline_seconds >= 10 && var.pubsub_ack_deadline_seconds <= 600
    error_message = "pubsub_ack_deadline_seconds must be between 10 and 600."
  }
}

variable "pubsub_max_delivery_attempts" {
  type        = number
  description = "Deliveries of a message before Pub/Sub moves it to the dead-letter topic."
  default     = 10
  validation {
    condition     = var.pubsub_max_delivery_attempts >= 5 && var.pubsub_max_delivery_attempts <= 100
    error_message = "pubsub_max_delivery_attempts must be between 5 and 100."
  }
}

variable "pubsub_message_retention" {
  type        = string
  description = "How long a subscription keeps unacknowledged verdicts (a duration in seconds, e.g. 86400s)."
  default     = "86400s"
  validation {
    # try(): && does not short-circuit before Terraform 1.12, so a non-number must not reach tonumber unguarded.
    condition     = try(tonumber(trimsuffix(var.pubsub_message_retention, "s")) >= 600 && tonumber(trimsuffix(var.pubsub_message_retention, "s")) <= 604800 && endswith(var.pubsub_message_retention, "s"), false)
    error_message = "pubsub_message_retention must be between 600s and 604800s."
  }
}

variable "verdict_subscriber_members" {
  type        = list(string)
  description = "Extra IAM members (e.g. serviceAccount:origin@PROJECT.iam.gserviceaccount.com) allowed to consume the regional verdict subscriptions."
  default     = []
}

# --- Memorystore for Redis Cluster ---------------------------------------------------------------

variable "redis_replica_count" {
  type        = number
  description = "Replicas per shard; 1 keeps every shard available through a zone outage."
  default     = 1
  validation {
    condition     = var.redis_replica_count >= 0 && var.redis_replica_count <= 2
    error_message = "redis_replica_count must be 0, 1 or 2."
  }
}

variable "redis_authorization_mode" {
  type        = string
  description = "AUTH_MODE_DISABLED (reachable only through the PSC endpoints in the VPC) or AUTH_MODE_IAM_AUTH (the client must send IAM access tokens)."
  default     = "AUTH_MODE_DISABLED"
  validation {
    condition     = contains(["AUTH_MODE_DISABLED", "AUTH_MODE_IAM_AUTH"], var.redis_authorization_mode)
    error_message = "redis_authorization_mode must be AUTH_MODE_DISABLED or AUTH_MODE_IAM_AUTH."
  }
}

variable "redis_transit_encryption_mode" {
  type        = string
  description = "TRANSIT_ENCRYPTION_MODE_DISABLED or TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION (then set sinks.redis_cluster.tls and trust the cluster's CA)."
  default     = "TRANSIT_ENCRYPTION_MODE_DISABLED"
  validation {
    condition     = contains(["TRANSIT_ENCRYPTION_MODE_DISABLED", "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION"], var.redis_transit_encryption_mode)
    error_message = "redis_transit_encryption_mode must be TRANSIT_ENCRYPTION_MODE_DISABLED or TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION."
  }
}

variable "redis_create_service_connection_policy" {
  type        = bool
  description = "Create the per-region PSC service connection policy (service class gcp-memorystore-redis); false when the network already has one."
  default     = true
}

variable "redis_deletion_protection" {
  type        = bool
  description = "Refuse to delete the Redis Clusters."
  default     = true
}

# --- Managed Service for Apache Kafka --------------------------------------------------------------

variable "kafka_topic_prefix" {
  type        = string
  description = "Prefix of the bus topic names: <prefix>events, <prefix>verdicts, ... (botsieve config bus.topics.*; its defaults have no prefix)."
  default     = "botsieve."
  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{0,200}$", var.kafka_topic_prefix))
    error_message = "kafka_topic_prefix may hold only letters, digits, '.', '_' and '-'."
  }
}

variable "kafka_topics" {
  description = <<-EOT
    The bus topics, keyed like botsieve's bus.topics config (events, verdicts, deadletter, rollups).
    Partitions cap the consumers of a group; events are keyed by client IP, the others by subject.
    events must be retained for at least the longest detector window: a partition that moves is
    re-read from (now - that window) to rebuild its state.
  EOT
  type = map(object({
    partitions   = number
    retention_ms = number
  }))
  default = {
    events     = { partitions = 48, retention_ms = 86400000 }
    verdicts   = { partitions = 12, retention_ms = 604800000 }
    deadletter = { partitions = 3, retention_ms = 1209600000 }
    rollups    = { partitions = 12, retention_ms = 86400000 }
  }
  validation {
    condition     = length(setsubtract(toset(keys(var.kafka_topics)), toset(["events", "verdicts", "deadletter", "rollups"]))) == 0 && length(var.kafka_topics) == 4
    error_message = "kafka_topics needs exactly the keys events, verdicts, deadletter and rollups."
  }
  validation {
    condition     = alltrue([for topic in values(var.kafka_topics) : topic.partitions >= 1 && topic.retention_ms >= 3600000])
    error_message = "every topic needs at least 1 partition and at least one hour of retention."
  }
}

variable "kafka_replication_factor" {
  type        = number
  description = "Replicas of every partition (3 survives a zone outage with acks=all)."
  default     = 3
  validation {
    condition     = var.kafka_replication_factor >= 1 && var.kafka_replication_factor <= 3
    error_message = "kafka_replication_factor must be 1, 2 or 3."
  }
}

# --- GKE ---------------------------------------------------------------------------------------

variable "gke_release_channel" {
  type        = string
  description = "GKE release channel of the clusters."
  default     = "REGULAR"
  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.gke_release_channel)
    error_message = "gke_release_channel must be RAPID, REGULAR or STABLE."
  }
}

variable "gke_deletion_protection" {
  type        = bool
  description = "Refuse to delete the GKE clusters."
  default     = true
}

variable "workload_namespace" {
  type        = string
  description = "Kubernetes namespace the botsieve workloads run in."
  default     = "botsieve"
}

variable "workload_service_account" {
  type        = string
  description = "Kubernetes service account of the botsieve workloads; Workload Identity maps it onto the pipeline's Google service account."
  default     = "botsieve"
}

# ---------------------------------------------------------------------------------------------
# Cloudflare
# ---------------------------------------------------------------------------------------------

variable "cloudflare_api_token" {
  type        = string
  sensitive   = true
  description = "Token Terraform uses: Account Filter Lists Edit, Zone WAF Edit, Zone Logs Edit. (The pipeline's own token, sinks.cloudflare_lists.api_token, needs only the first two.)"
}

variable "cloudflare_account_id" {
  type        = string
  description = "Account owning the lists (sinks.cloudflare_lists.account_id)."
  validation {
    condition     = can(regex("^[0-9a-f]{32}$", var.cloudflare_account_id))
    error_message = "cloudflare_account_id must be 32 hexadecimal characters."
  }
}

variable "cloudflare_zone_id" {
  type        = string
  description = "Zone whose custom rules enforce the lists and whose http_requests are pushed to ingest (sinks.cloudflare_lists.zone_id)."
  validation {
    condition     = can(regex("^[0-9a-f]{32}$", var.cloudflare_zone_id))
    error_message = "cloudflare_zone_id must be 32 hexadecimal characters."
  }
}

variable "cloudflare_list_prefix" {
  type        = string
  description = "Prefix of the four lists <prefix>_block_ip, _challenge_ip, _block_asn, _challenge_asn (sinks.cloudflare_lists.list_prefix)."
  default     = "botsieve"
  validation {
    # List names: ^[a-z0-9_]+$, at most 50 characters; the longest suffix is _challenge_asn (14).
    condition     = can(regex("^[a-z0-9_]{1,36}$", var.cloudflare_list_prefix))
    error_message = "cloudflare_list_prefix may hold only a-z, 0-9 and _, at most 36 characters."
  }
}

variable "cloudflare_bot_management" {
  type        = bool
  description = "The zone has Bot Management (Enterprise add-on): the JA4 rules start as cf.bot_management.ja4 rules and Logpush sends the bot fields (sinks.cloudflare_lists.bot_management)."
  default     = false
}

# --- Logpush to the ingest tier ------------------------------------------------------------------

variable "logpush_enabled" {
  type        = bool
  description = "Create the Logpush job that sends http_requests to the ingest tier."
  default     = true
}

variable "ingest_logpush_url" {
  type        = string
  description = "Public HTTPS URL of the ingest tier's Logpush route, e.g. https://ingest.example.com/logpush."
  validation {
    condition     = can(regex("^https://[^/?#]+(/[^?#]*)?/logpush$", var.ingest_logpush_url))
    error_message = "ingest_logpush_url must be an https URL ending in /logpush, without a query."
  }
}

variable "ingest_auth_header" {
  type        = string
  description = "Header carrying the shared token (ingest config ingest.auth.header)."
  default     = "Authorization"
  validation {
    condition     = can(regex("^[A-Za-z0-9-]+$", var.ingest_auth_header))
    error_message = "ingest_auth_header must be an HTTP header name."
  }
}

variable "ingest_auth_token" {
  type        = string
  sensitive   = true
  description = "Full header value ingest expects, e.g. \"Bearer <secret>\" (ingest config ingest.auth.token). It ends up in destination_conf, so in the state."
  validation {
    condition     = length(var.ingest_auth_token) >= 16
    error_message = "ingest_auth_token must be at least 16 characters."
  }
}

variable "logpush_max_upload_bytes" {
  type        = number
  description = "Largest uncompressed batch Logpush sends; must stay under ingest.max_decompressed_bytes (1 GiB by default)."
  default     = 100000000
  validation {
    condition     = var.logpush_max_upload_bytes >= 5000000 && var.logpush_max_upload_bytes <= 1000000000
    error_message = "logpush_max_upload_bytes must be between 5 MB and 1 GB."
  }
}

variable "logpush_max_upload_records" {
  type        = number
  description = "Most lines per batch (100,000 fits the bus's default producer queue in durable mode)."
  default     = 100000
  validation {
    condition     = var.logpush_max_upload_records >= 1000 && var.logpush_max_upload_records <= 1000000
    error_message = "logpush_max_upload_records must be between 1,000 and 1,000,000."
  }
}

variable "logpush_max_upload_interval_seconds" {
  type        = number
  description = "Longest wait before a batch is sent; detection on Logpush alone lags the edge by about this much."
  default     = 30
  validation {
    condition     = var.logpush_max_upload_interval_seconds >= 30 && var.logpush_max_upload_interval_seconds <= 300
    error_message = "logpush_max_upload_interval_seconds must be between 30 and 300."
  }
}

# --- Edge Worker (edge/worker) ---------------------------------------------------------------------

variable "edge_worker_enabled" {
  type        = bool
  description = "Deploy the edge Worker (edge/worker/dist/worker.js, built by npm run build) and route edge_worker_route to it."
  default     = false
}

variable "edge_worker_name" {
  type        = string
  description = "Name of the Worker script in the account."
  default     = "botsieve-edge"
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]{0,62}$", var.edge_worker_name))
    error_message = "edge_worker_name must be lower-case letters, digits, - and _, at most 63 characters."
  }
}

variable "edge_worker_route" {
  type        = string
  description = "Route pattern the Worker serves, e.g. shop.example.com/* (a zone of cloudflare_zone_id)."
  default     = ""
  validation {
    condition     = var.edge_worker_route == "" || can(regex("^[^/\\s]+/", var.edge_worker_route))
    error_message = "edge_worker_route must be a route pattern host/path, e.g. shop.example.com/*."
  }
}

variable "edge_worker_compatibility_date" {
  type        = string
  description = "Workers compatibility date the Worker was tested with (edge/worker/wrangler.toml says the same)."
  default     = "2026-04-01"
}

variable "edge_worker_origin" {
  type        = string
  description = "Origin base URL the Worker forwards to (var ORIGIN); empty: the request's own URL, i.e. the zone's origin behind the route."
  default     = ""
}

variable "edge_worker_ingest_url" {
  type        = string
  description = "Ingest POST /events URL the Worker ships request metadata to (var INGEST_URL); empty: ingest_logpush_url with /logpush replaced by /events. Authenticated with ingest_auth_header/ingest_auth_token."
  default     = ""
  validation {
    condition     = var.edge_worker_ingest_url == "" || can(regex("^https://[^/?#]+(/[^?#]*)?/events$", var.edge_worker_ingest_url))
    error_message = "edge_worker_ingest_url must be an https URL ending in /events."
  }
}

variable "edge_worker_batch_max_records" {
  type        = number
  description = "Records per batch to ingest (var BATCH_MAX_RECORDS)."
  default     = 200
}

variable "edge_worker_batch_max_wait_ms" {
  type        = number
  description = "A batch goes to ingest at the latest this long after its first record (var BATCH_MAX_WAIT_MS, at most 10000)."
  default     = 2000
  validation {
    condition     = var.edge_worker_batch_max_wait_ms >= 0 && var.edge_worker_batch_max_wait_ms <= 10000
    error_message = "edge_worker_batch_max_wait_ms must be between 0 and 10000 (the Worker's sends must end within waitUntil's 30 s)."
  }
}

variable "edge_worker_enforce" {
  type        = bool
  description = "Enforce block/challenge verdicts at the edge (var ENFORCE), refreshed from edge_worker_decisions_url."
  default     = false
}

variable "edge_worker_decisions_url" {
  type        = string
  description = "Base URL of the decision service (botsieve start --role decide) whose /v1/verdicts/stream the Worker polls (var DECISIONS_URL)."
  default     = ""
  validation {
    condition     = var.edge_worker_decisions_url == "" || can(regex("^https://[^/?#]+", var.edge_worker_decisions_url))
    error_message = "edge_worker_decisions_url must be an https URL."
  }
}

variable "edge_worker_decisions_auth_header" {
  type        = string
  description = "Header carrying edge_worker_decisions_token (var DECISIONS_AUTH_HEADER)."
  default     = "Authorization"
}

variable "edge_worker_decisions_token" {
  type        = string
  sensitive   = true
  description = "Full header value the decision service expects, e.g. \"Bearer <secret>\" (secret DECISIONS_TOKEN); empty: none sent."
  default     = ""
}

variable "edge_worker_edge_token" {
  type        = string
  sensitive   = true
  description = "Shared secret the Worker sends the origin as botsieve-edge-token (secret EDGE_TOKEN); set the origin guard's edge_token to the same value. At least 16 printable characters without spaces; empty: none sent, and the origin cannot tell your Worker's requests from another Cloudflare customer's."
  default     = ""
  validation {
    condition     = var.edge_worker_edge_token == "" || can(regex("^[!-~]{16,}$", var.edge_worker_edge_token))
    error_message = "edge_worker_edge_token must be empty or at least 16 printable ASCII characters without spaces (the Worker refuses anything else with ERR_EDGE_CONFIG)."
  }
}

variable "edge_worker_stats_token" {
  type        = string
  sensitive   = true
  description = "Enables the Worker's per-isolate counters at /.well-known/botsieve/edge-stats for requests with this authorization header value (secret STATS_TOKEN); empty: the route does not exist."
  default     = ""
}

variable "edge_worker_refresh_s" {
  type        = number
  description = "Seconds between verdict refreshes per Worker isolate (var REFRESH_S; fractions allowed, e.g. 0.25: a verdict reaches the edge within about that much after the decision service has it, at one stream request per isolate per interval)."
  default     = 10
  validation {
    condition     = var.edge_worker_refresh_s >= 0.1 && var.edge_worker_refresh_s <= 3600
    error_message = "edge_worker_refresh_s must be between 0.1 and 3600."
  }
}

variable "edge_worker_wait_for_first_refresh" {
  type        = bool
  description = "An isolate's first request waits (bounded) for its first verdict refresh (var WAIT_FOR_FIRST_REFRESH)."
  default     = false
}

variable "edge_worker_challenge_mode" {
  type        = string
  description = "What a challenge verdict does at the edge (var CHALLENGE_MODE): forward (the origin gets botsieve-action: challenge) or block (403). A Worker cannot issue Cloudflare's managed challenge."
  default     = "forward"
  validation {
    condition     = contains(["forward", "block"], var.edge_worker_challenge_mode)
    error_message = "edge_worker_challenge_mode must be forward or block."
  }
}

# ---------------------------------------------------------------------------------------------
# Public HTTPS to ingest, images, alerts
# ---------------------------------------------------------------------------------------------

variable "ingress_enabled" {
  type        = bool
  description = "Create the global address, the Google-managed certificate (for the host of ingest_logpush_url) and the Cloud Armor policy the ingest Gateway refers to by name."
  default     = true
}

variable "ingress_address_name" {
  type        = string
  description = "Name of the global static address (the Gateway's NamedAddress); point the ingest host's DNS A record at it."
  default     = "botsieve-ingest"
}

variable "ingress_certificate_name" {
  type        = string
  description = "Name of the Google-managed certificate (the Gateway's networking.gke.io/pre-shared-certs option)."
  default     = "botsieve-ingest"
}

variable "ingress_security_policy_name" {
  type        = string
  description = "Name of the Cloud Armor policy (a GCPBackendPolicy's securityPolicy on the ingest Service)."
  default     = "botsieve-ingest"
}

variable "ingress_rate_limit_per_minute" {
  type        = number
  description = "Requests a minute one client address may send ingest before Cloud Armor answers 429; keep it well above what Logpush and the edge Worker send from one address."
  default     = 60000
  validation {
    condition     = var.ingress_rate_limit_per_minute >= 1 && floor(var.ingress_rate_limit_per_minute) == var.ingress_rate_limit_per_minute
    error_message = "ingress_rate_limit_per_minute must be a positive whole number."
  }
}

variable "artifact_registry_location" {
  type        = string
  description = "Region (or multi-region) of the Artifact Registry repository; empty: the first of regions in alphabetical order."
  default     = ""
}

variable "artifact_registry_repository" {
  type        = string
  description = "Artifact Registry Docker repository holding the botsieve image (<location>-docker.pkg.dev/<project>/<repository>/botsieve)."
  default     = "botsieve"
  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.artifact_registry_repository))
    error_message = "artifact_registry_repository must be lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "cloudbuild_github_owner" {
  type        = string
  description = "GitHub owner of the botsieve repository the Cloud Build trigger watches (the Cloud Build GitHub app must be installed there); empty: no trigger, build with gcloud builds submit."
  default     = ""
}

variable "cloudbuild_github_repository" {
  type        = string
  description = "GitHub repository name the Cloud Build trigger watches."
  default     = "botsieve"
}

variable "cloudbuild_branch_regex" {
  type        = string
  description = "Branches (a regular expression) whose pushes build the image."
  default     = "^main$"
}

variable "alerts_enabled" {
  type        = bool
  description = "Create the Cloud Monitoring alert policies on botsieve's Prometheus metrics (Managed Service for Prometheus)."
  default     = true
}

variable "alert_notification_channels" {
  type        = list(string)
  description = "Notification channel ids (projects/PROJECT/notificationChannels/ID) every alert notifies; empty: alerts show in the console only."
  default     = []
}

variable "alert_detector_lag_seconds" {
  type        = number
  description = "Alert when a detector is this many seconds behind the newest event (botsieve_watermark_lag_seconds) for 5 minutes."
  default     = 120
}

variable "alert_sink_lag_seconds" {
  type        = number
  description = "Alert when a sink's newest confirmed record is this many seconds old (botsieve_sink_lag_seconds) for 5 minutes."
  default     = 300
}

variable "cloudflare_list_capacity" {
  type        = number
  description = "Items the account's lists may hold together: 10,000 on Free/Pro/Business, 500,000 on Enterprise (keep equal to sinks.cloudflare_lists.max_items)."
  default     = 10000
}

variable "alert_cloudflare_capacity_ratio" {
  type        = number
  description = "Alert when the lists hold more than this share of cloudflare_list_capacity."
  default     = 0.9
  validation {
    condition     = var.alert_cloudflare_capacity_ratio > 0 && var.alert_cloudflare_capacity_ratio <= 1
    error_message = "alert_cloudflare_capacity_ratio must be in (0, 1]."
  }
}
