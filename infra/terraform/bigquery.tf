# The tables come from sinks/schemas/bigquery: tables.json lists them (description, schema file,
# partition and clustering columns) and each schema file is BigQuery's JSON schema. The same files
# drive the BigQuery sink and the generated LookML, so they are read here, never copied.
#
# Adding a NULLABLE column to a schema file is an in-place update. Dropping or retyping a column
# makes the provider replace the table, which deletion_protection refuses: migrate such changes
# explicitly.

resource "google_bigquery_dataset" "botsieve" {
  dataset_id  = var.bigquery_dataset_id
  location    = var.bigquery_location
  description = "botsieve verdicts and per-minute traffic (written by the BigQuery sink)."
  labels      = local.labels

  # Never drop rows with the dataset: destroy fails while tables exist.
  delete_contents_on_destroy = false

  depends_on = [google_project_service.apis]
}

resource "google_bigquery_table" "botsieve" {
  for_each = jsondecode(file("${path.module}/../../sinks/schemas/bigquery/tables.json"))

  dataset_id  = google_bigquery_dataset.botsieve.dataset_id
  table_id    = each.key
  description = each.value.description
  schema      = file("${path.module}/../../sinks/schemas/bigquery/${each.value.schema_file}")
  labels      = local.labels

  time_partitioning {
    type          = "DAY"
    field         = each.value.partition_field
    expiration_ms = var.bigquery_partition_expiration_days > 0 ? var.bigquery_partition_expiration_days * 86400000 : null
  }

  # Queries filter on these first (verdicts: action, subject kind, detector; traffic: host, class).
  clustering = each.value.clustering

  deletion_protection = var.bigquery_deletion_protection
}

# The sinks stream rows (insertAll with their own insertId): dataEditor on the dataset suffices.
resource "google_bigquery_dataset_iam_member" "pipeline_data_editor" {
  dataset_id = google_bigquery_dataset.botsieve.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.pipeline.member
}
