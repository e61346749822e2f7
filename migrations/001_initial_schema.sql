-- Sentinela initial schema. `{{db}}` is replaced by CLICKHOUSE_DATABASE; every statement is idempotent
-- (IF NOT EXISTS), so a migration interrupted half-way is finished by the next `sentinela migrate`.
--
-- At-least-once delivery: Kafka may deliver a CDR twice. Tables whose rows can be re-delivered are
-- ReplacingMergeTree keyed on the record's identity, so duplicates collapse on merge and never show in
-- queries that read with FINAL (or through the *_dedup views). Identical retried insert blocks are also
-- dropped up front by non_replicated_deduplication_window. Retention (TTL) is not set here: `migrate`
-- reconciles it with CDR_RETENTION_DAYS on every run.

CREATE TABLE IF NOT EXISTS {{db}}.cdrs
(
    id                   String,
    tenant               LowCardinality(String),
    account              String,
    caller               String,
    callee               String,
    src_ip               String DEFAULT '' COMMENT 'empty when the exporter sent none',
    started_at           DateTime64(3, 'UTC'),
    answered_at          Nullable(DateTime64(3, 'UTC')),
    ended_at             DateTime64(3, 'UTC'),
    duration_sec         UInt32,
    bill_sec             UInt32,
    disposition          Enum8('ANSWERED' = 1, 'NO ANSWER' = 2, 'BUSY' = 3, 'FAILED' = 4, 'CONGESTION' = 5),
    direction            LowCardinality(String) DEFAULT '',
    cost                 Nullable(Float64),
    currency             LowCardinality(String) DEFAULT '',
    trunk                String DEFAULT '',
    user_agent           String DEFAULT '',
    extra                Map(String, String),
    caller_e164          String DEFAULT '' COMMENT 'empty when the caller is anonymous, an extension or unparseable',
    caller_type          LowCardinality(String) DEFAULT 'UNKNOWN',
    callee_e164          String DEFAULT '' COMMENT 'empty for short codes, extensions and unparseable numbers',
    callee_country_code  LowCardinality(String) DEFAULT '',
    callee_country       LowCardinality(String) DEFAULT '' COMMENT 'ISO 3166 region, 001 for non-geographic codes',
    callee_type          LowCardinality(String) DEFAULT 'UNKNOWN',
    callee_form          LowCardinality(String) DEFAULT '',
    international        Bool DEFAULT false,
    emergency            Bool DEFAULT false,
    normalise_error      LowCardinality(String) DEFAULT '' COMMENT 'error code when the callee could not be normalised',
    source               String DEFAULT '' COMMENT 'kafka:topic/partition@offset, file:path:line or http',
    ingested_at          DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(started_at)
ORDER BY (tenant, account, started_at, id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS {{db}}.cdrs_dedup AS SELECT * FROM {{db}}.cdrs FINAL;

CREATE TABLE IF NOT EXISTS {{db}}.rejected_cdrs
(
    received_at       DateTime64(3, 'UTC') DEFAULT now64(3),
    source_kind       LowCardinality(String) COMMENT 'kafka, file or http',
    source_name       String COMMENT 'topic or file name',
    source_partition  Int32 DEFAULT -1,
    source_offset     Int64 DEFAULT -1 COMMENT 'Kafka offset, or line number for files',
    format            LowCardinality(String) DEFAULT '',
    payload           String COMMENT 'the original bytes',
    error_code        LowCardinality(String),
    error_message     String,
    error_path        String DEFAULT ''
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(received_at)
ORDER BY (source_kind, source_name, source_partition, source_offset, cityHash64(payload))
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS {{db}}.alerts
(
    id             String COMMENT 'deterministic: the same verdict from a replay or the stream has the same id',
    tenant         LowCardinality(String),
    rule           LowCardinality(String),
    severity       Enum8('warn' = 1, 'critical' = 2),
    subject_kind   LowCardinality(String) COMMENT 'caller, account, ip, tenant, dest or destPrefix',
    subject_value  String,
    at             DateTime64(3, 'UTC') COMMENT 'event time',
    evidence       Array(String) COMMENT 'CDR ids',
    details        String COMMENT 'JSON: counts and thresholds',
    suppressed     UInt32 DEFAULT 0 COMMENT 'repeats suppressed while a block was active',
    status         Enum8('open' = 1, 'acknowledged' = 2, 'false_positive' = 3) DEFAULT 'open',
    status_by      String DEFAULT '',
    status_at      Nullable(DateTime64(3, 'UTC')),
    version        UInt64 DEFAULT toUnixTimestamp64Milli(now64(3))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(at)
ORDER BY (tenant, at, id);

CREATE TABLE IF NOT EXISTS {{db}}.blocks
(
    id             String,
    tenant         LowCardinality(String),
    subject_kind   LowCardinality(String),
    subject_value  String,
    rule           LowCardinality(String),
    reason         String,
    level          UInt8 COMMENT 'escalation level: 1 = first block, 2, 3 ...',
    starts_at      DateTime64(3, 'UTC'),
    expires_at     DateTime64(3, 'UTC'),
    source         Enum8('rule' = 1, 'manual' = 2),
    created_by     String DEFAULT '',
    lifted_at      Nullable(DateTime64(3, 'UTC')),
    lifted_by      String DEFAULT '',
    lift_reason    String DEFAULT '',
    version        UInt64 DEFAULT toUnixTimestamp64Milli(now64(3))
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, subject_kind, subject_value, id);

CREATE TABLE IF NOT EXISTS {{db}}.audit_log
(
    seq         UInt64,
    at          DateTime64(3, 'UTC'),
    actor       String COMMENT 'user, API key or system component',
    event_type  LowCardinality(String),
    result      Enum8('success' = 1, 'failure' = 2),
    source_ip   String DEFAULT '',
    details     String COMMENT 'JSON',
    prev_hash   String,
    hash        String
)
ENGINE = MergeTree
ORDER BY seq;
