# Cloudflare: the four lists the Cloudflare Lists sink fills, the zone's WAF custom rules that
# enforce them, and the Logpush job that feeds http_requests to the ingest tier.

# --- Lists -----------------------------------------------------------------------------------------
#
# Deliberately WITHOUT items: the pipeline owns the items (it adds, replaces and deletes them as
# verdicts come and expire, and deletes items it did not write). Items declared here would be
# written back at every apply, undoing the pipeline's blocks; do not add `items`, and do not use
# cloudflare_list_item on these lists.

resource "cloudflare_list" "block_ip" {
  account_id  = var.cloudflare_account_id
  name        = "${var.cloudflare_list_prefix}_block_ip"
  kind        = "ip"
  description = "botsieve: addresses and prefixes to block (items managed by the pipeline)."
}

resource "cloudflare_list" "challenge_ip" {
  account_id  = var.cloudflare_account_id
  name        = "${var.cloudflare_list_prefix}_challenge_ip"
  kind        = "ip"
  description = "botsieve: addresses and prefixes to challenge (items managed by the pipeline)."
}

resource "cloudflare_list" "block_asn" {
  account_id  = var.cloudflare_account_id
  name        = "${var.cloudflare_list_prefix}_block_asn"
  kind        = "asn"
  description = "botsieve: autonomous systems to block (items managed by the pipeline)."
}

resource "cloudflare_list" "challenge_asn" {
  account_id  = var.cloudflare_account_id
  name        = "${var.cloudflare_list_prefix}_challenge_asn"
  kind        = "asn"
  description = "botsieve: autonomous systems to challenge (items managed by the pipeline)."
}

# --- WAF custom rules --------------------------------------------------------------------------------
#
# This is the zone's entry-point ruleset of the http_request_firewall_custom phase: it owns the
# phase. If the zone already has custom rules, import the ruleset first and add them after ours.
#
# The two JA4 rules (refs botsieve_block_ja4, botsieve_challenge_ja4) belong to the pipeline at run
# time: the sink rewrites their expression (cf.bot_management.ja4 in {"..." "..."}), description
# (its durable state: latest expiry, lowest score) and enabled flag. Terraform only creates them,
# in the state the sink itself uses for "no JA4 verdicts", and ignores those three attributes
# afterwards (lifecycle below). The ignore paths are positional: the JA4 rules must stay at
# indices 2 and 5, and a test checks that they do.

locals {
  # Verified bots (cf.client.bot) are never blocked or challenged by these rules, whatever lists
  # their addresses land in: a safety net on top of the detectors' own allowlists.
  not_verified_bot = "not cf.client.bot"

  # With Bot Management the sink's own "empty" rule; without it a never-matching placeholder, since
  # the cf.bot_management fields are not available to the zone.
  ja4_initial_expression = var.cloudflare_bot_management ? "cf.bot_management.ja4 in {\"\"}" : "http.host eq \"botsieve.invalid\""
}

resource "cloudflare_ruleset" "botsieve" {
  zone_id     = var.cloudflare_zone_id
  name        = "botsieve"
  description = "WAF custom rules enforcing botsieve verdicts."
  kind        = "zone"
  phase       = "http_request_firewall_custom"

  # Blocks first: a client both block- and challenge-listed is blocked.
  rules = [
    {
      ref         = "botsieve_block_ip"
      description = "botsieve: block listed addresses"
      expression  = format("(ip.src in $%s) and %s", cloudflare_list.block_ip.name, local.not_verified_bot)
      action      = "block"
      enabled     = true
    },
    {
      ref         = "botsieve_block_asn"
      description = "botsieve: block listed autonomous systems"
      expression  = format("(ip.src.asnum in $%s) and %s", cloudflare_list.block_asn.name, local.not_verified_bot)
      action      = "block"
      enabled     = true
    },
    {
      ref         = "botsieve_block_ja4"
      description = "botsieve exp=0 s=0 (no JA4 verdicts)"
      expression  = local.ja4_initial_expression
      action      = "block"
      enabled     = false
    },
    {
      ref         = "botsieve_challenge_ip"
      description = "botsieve: challenge listed addresses"
      expression  = format("(ip.src in $%s) and %s", cloudflare_list.challenge_ip.name, local.not_verified_bot)
      action      = "managed_challenge"
      enabled     = true
    },
    {
      ref         = "botsieve_challenge_asn"
      description = "botsieve: challenge listed autonomous systems"
      expression  = format("(ip.src.asnum in $%s) and %s", cloudflare_list.challenge_asn.name, local.not_verified_bot)
      action      = "managed_challenge"
      enabled     = true
    },
    {
      ref         = "botsieve_challenge_ja4"
      description = "botsieve exp=0 s=0 (no JA4 verdicts)"
      expression  = local.ja4_initial_expression
      action      = "managed_challenge"
      enabled     = false
    },
  ]

  lifecycle {
    ignore_changes = [
      rules[2].expression,
      rules[2].description,
      rules[2].enabled,
      rules[5].expression,
      rules[5].description,
      rules[5].enabled,
    ]
  }
}

# --- Logpush: http_requests to the ingest tier ---------------------------------------------------------

locals {
  # The fields ingest's Logpush parser reads (ingest/src/logpush/parse-event.ts); RayID, ClientIP and
  # EdgeStartTimestamp are required, the rest default when absent.
  logpush_fields = [
    "RayID",
    "EdgeStartTimestamp",
    "ClientIP",
    "ClientASN",
    "ClientCountry",
    "ClientRequestHost",
    "ClientRequestMethod",
    "ClientRequestProtocol",
    "ClientRequestPath",
    "ClientRequestURI",
    "ClientRequestUserAgent",
    "ClientRequestReferer",
    "EdgeResponseStatus",
    "EdgeResponseBytes",
    "EdgeResponseContentType",
    "OriginResponseStatus",
    "OriginResponseDurationMs",
    "CacheCacheStatus",
  ]

  # Bot Management fields: only zones with Bot Management receive (and may request) them.
  logpush_bot_fields = [
    "BotScore",
    "BotScoreSrc",
    "BotTags",
    "VerifiedBotCategory",
    "JA4",
    "JA3Hash",
  ]
}

resource "cloudflare_logpush_job" "http_requests" {
  count = var.logpush_enabled ? 1 : 0

  zone_id = var.cloudflare_zone_id
  name    = "botsieve-http-requests"
  dataset = "http_requests"
  enabled = true

  # Logpush sets request headers from header_<Name> parameters: ingest checks this one against
  # ingest.auth.token. Logpush validates the destination at creation by uploading {"content":"tests"},
  # which ingest accepts, so the ingest tier must be reachable before this is applied.
  # urlencode() is form encoding: a space becomes "+", which Cloudflare would pass on as a literal
  # "+" ("Bearer+SECRET"). Its "+" for a real plus is already %2B, so turning the remaining "+"
  # into %20 changes only spaces: `Bearer SECRET` arrives as header_Authorization=Bearer%20SECRET.
  destination_conf = "${var.ingest_logpush_url}?header_${var.ingest_auth_header}=${replace(urlencode(var.ingest_auth_token), "+", "%20")}"

  # Batches are gzip NDJSON; ingest streams and bounds them (ingest.max_decompressed_bytes).
  max_upload_bytes            = var.logpush_max_upload_bytes
  max_upload_records          = var.logpush_max_upload_records
  max_upload_interval_seconds = var.logpush_max_upload_interval_seconds

  output_options = {
    output_type = "ndjson"
    # Integers in nanoseconds: ingest tells Unix units apart by magnitude and keeps milliseconds.
    timestamp_format = "unixnano"
    field_names      = concat(local.logpush_fields, var.cloudflare_bot_management ? local.logpush_bot_fields : [])
  }
}
