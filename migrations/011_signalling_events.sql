-- Security events (issue 18): failed registrations, authentication failures, unknown users, ACL refusals, flood
-- samples and scanner signatures the PBXs report, kept as evidence of the IP blocks the signalling rules issue.
--
-- Duplicates: `id` is the event's content hash (eventId), so a re-delivered event collapses on merge (read with
-- FINAL) and a retried insert block is dropped by the deduplication window, as for CDRs.
-- Retention: like CDRs, `migrate` reconciles the TTL (on the event's time) with CDR_RETENTION_DAYS on every run.

CREATE TABLE IF NOT EXISTS {{db}}.signalling_events
(
    id                String COMMENT 'content hash: a re-delivered event has the same id',
    at                DateTime64(3, 'UTC') COMMENT 'when the PBX saw it',
    tenant            LowCardinality(String),
    type              LowCardinality(String) COMMENT 'auth-failed, registration-failed, unknown-user, acl-denied, flood-sample, scanner-signature, registered',
    src_ip            String COMMENT 'the address the PBX observed on the socket, never a header',
    src_port          UInt16 DEFAULT 0,
    transport         LowCardinality(String) DEFAULT '',
    user              String DEFAULT '',
    user_agent        String DEFAULT '',
    method            LowCardinality(String) DEFAULT '',
    call_id           String DEFAULT '',
    fingerprint       String DEFAULT '' COMMENT 'flood-sample: what makes two messages identical (EV11)',
    count             UInt32 DEFAULT 1 COMMENT 'messages this event stands for',
    reporter          LowCardinality(String) DEFAULT '',
    raw               String DEFAULT '' COMMENT 'the line as the PBX wrote it',
    status            LowCardinality(String) COMMENT 'engine status: evaluated or future',
    source_kind       LowCardinality(String),
    source_name       String,
    source_partition  Int32 DEFAULT -1,
    source_offset     Int64 DEFAULT -1,
    format            LowCardinality(String) DEFAULT '',
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMMDD(at)
ORDER BY (tenant, src_ip, at, id)
SETTINGS non_replicated_deduplication_window = 1000;
