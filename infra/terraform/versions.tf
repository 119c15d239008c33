# Root module of botsieve's cloud resources: Google Cloud (BigQuery, Pub/Sub, Memorystore Redis
# Cluster, Managed Kafka, GKE, IAM) and Cloudflare (lists, WAF custom rules, Logpush).
# See README.md for the apply order and how outputs map onto botsieve configuration.

terraform {
  # optional() object attributes with defaults need 1.3; index steps in ignore_changes work since 0.12.
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
    # Reads each Managed Kafka cluster's bootstrap address from its REST API (kafka.tf).
    http = {
      source  = "hashicorp/http"
      version = "~> 3.4"
    }
    cloudflare = {
      source  = "cloudflare/cloudflare"
      version = "~> 5.0"
    }
  }
}

provider "google" {
  project = var.project_id
}

provider "cloudflare" {
  api_token = var.cloudflare_api_token
}
