# Verdicts fan out to every region through one topic: the Pub/Sub sink publishes each verdict with
# its subject as ordering key, and each region consumes its own ordered subscription (a later
# verdict for a subject is never applied before an earlier one).

resource "google_pubsub_topic" "verdicts" {
  name   = var.pubsub_topic_name
  labels = local.labels

  # Lets a new or lagging subscription be seeked back over the last day of verdicts.
  message_retention_duration = "86400s"

  depends_on = [google_project_service.apis]
}

# Messages a region failed to handle max_delivery_attempts times; kept for inspection and replay.
resource "google_pubsub_topic" "verdicts_deadletter" {
  name   = "${var.pubsub_topic_name}-deadletter"
  labels = local.labels

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "verdicts" {
  for_each = var.regions

  name   = "${var.pubsub_topic_name}-${each.key}"
  topic  = google_pubsub_topic.verdicts.id
  labels = local.labels

  # Delivery in publish order per ordering key (the subject). Ordering holds per region because
  # each region has its own subscription; a dead-lettered message ends its key's ordering guarantee.
  enable_message_ordering = true

  ack_deadline_seconds       = var.pubsub_ack_deadline_seconds
  message_retention_duration = var.pubsub_message_retention

  # A region that is down for a while must find its subscription when it comes back.
  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "1s"
    maximum_backoff = "60s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.verdicts_deadletter.id
    max_delivery_attempts = var.pubsub_max_delivery_attempts
  }
}

# Without a subscription, messages published to the dead-letter topic would be dropped.
resource "google_pubsub_subscription" "verdicts_deadletter" {
  name   = "${var.pubsub_topic_name}-deadletter"
  topic  = google_pubsub_topic.verdicts_deadletter.id
  labels = local.labels

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

# --- IAM -------------------------------------------------------------------------------------------

resource "google_pubsub_topic_iam_member" "pipeline_publisher" {
  topic  = google_pubsub_topic.verdicts.id
  role   = "roles/pubsub.publisher"
  member = google_service_account.pipeline.member
}

resource "google_pubsub_subscription_iam_member" "pipeline_subscriber" {
  for_each = google_pubsub_subscription.verdicts

  subscription = each.value.id
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.pipeline.member
}

resource "google_pubsub_subscription_iam_member" "extra_subscribers" {
  for_each = {
    for pair in setproduct(keys(var.regions), var.verdict_subscriber_members) : "${pair[0]}/${pair[1]}" => {
      region = pair[0]
      member = pair[1]
    }
  }

  subscription = google_pubsub_subscription.verdicts[each.value.region].id
  role         = "roles/pubsub.subscriber"
  member       = each.value.member
}

# Dead-lettering needs Pub/Sub's own service agent to publish to the dead-letter topic and to
# acknowledge the forwarded message on the source subscription.
resource "google_pubsub_topic_iam_member" "deadletter_publisher" {
  topic  = google_pubsub_topic.verdicts_deadletter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "deadletter_forwarder" {
  for_each = google_pubsub_subscription.verdicts

  subscription = each.value.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
