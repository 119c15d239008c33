# The botsieve container image: an Artifact Registry repository, and (with cloudbuild_github_owner)
# a Cloud Build trigger that builds cloudbuild.yaml (docker build of the repository's Dockerfile)
# on every push to cloudbuild_branch_regex. Without the trigger: gcloud builds submit (README.md).

locals {
  artifact_registry_location = var.artifact_registry_location != "" ? var.artifact_registry_location : sort(keys(var.regions))[0]
  image                      = "${local.artifact_registry_location}-docker.pkg.dev/${var.project_id}/${var.artifact_registry_repository}/botsieve"
}

resource "google_artifact_registry_repository" "images" {
  repository_id = var.artifact_registry_repository
  location      = local.artifact_registry_location
  format        = "DOCKER"
  description   = "botsieve container images (built by Cloud Build from the repository's Dockerfile)."
  labels        = local.labels

  depends_on = [google_project_service.apis]
}

# The build's own identity: push images and write build logs, nothing else.
resource "google_service_account" "build" {
  account_id   = "botsieve-build"
  display_name = "botsieve image build"

  depends_on = [google_project_service.apis]
}

resource "google_artifact_registry_repository_iam_member" "build_writer" {
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}

resource "google_project_iam_member" "build_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.build.member
}

resource "google_cloudbuild_trigger" "image" {
  count = var.cloudbuild_github_owner != "" ? 1 : 0

  name        = "botsieve-image"
  description = "Builds and pushes the botsieve image on pushes to ${var.cloudbuild_branch_regex}."
  location    = "global"

  # Needs the Cloud Build GitHub app installed on the repository (a one-time step in the console).
  github {
    owner = var.cloudbuild_github_owner
    name  = var.cloudbuild_github_repository
    push {
      branch = var.cloudbuild_branch_regex
    }
  }

  filename        = "cloudbuild.yaml"
  service_account = google_service_account.build.id
  substitutions = {
    _IMAGE = local.image
  }

  depends_on = [google_artifact_registry_repository_iam_member.build_writer, google_project_iam_member.build_logs]
}
