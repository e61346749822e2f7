-- NOC analytics (issue 17): per-minute and per-hour rollups fed by materialized views, so a chart of 30 days reads
-- a few thousand summed rows instead of every CDR. Charts and Grafana read only these tables (README "Rollups").
--
-- Retention: minute tables 30 days (a NOC drills into last month's incidents minute by minute; a 6-hour chart is
-- all minutes need to serve), hour tables 400 days (CDR_RETENTION_DAYS' default: a year compared with the last,
-- after the CDRs themselves are gone). Minute tables are partitioned by day, so TTL drops whole parts.
--
-- Duplicates: cdrs, alerts, blocks and rejected_cdrs collapse re-deliveries on merge (ReplacingMergeTree); a view
-- sees every inserted block. A retried insert of the same block is dropped by the source table's
-- non_replicated_deduplication_window, and with deduplicate_blocks_in_dependent_materialized_views (set by the
-- store) by the same window on the rollup table. What remains counted twice: a record re-delivered inside a
-- different block that the engine no longer remembers (a CDR older than its dedup horizon, a replayed alert).
-- Extra legs of a call (status 'leg') are not counted: the call is counted once, by its first leg, as the rules do.
-- A backfill fills each rollup from the deduplicated tables (FINAL) when it is still empty: a migration stopped
-- half-way and run again does not count twice. Run it before the processors start (docker-compose does).

ALTER TABLE {{db}}.cdrs ADD COLUMN IF NOT EXISTS estimated_cost Nullable(Float64) COMMENT 'the rate table''s estimate (rules/rates.csv) when the CDR carries no cost' AFTER cost;

CREATE TABLE IF NOT EXISTS {{db}}.traffic_minute
(
    minute          DateTime('UTC'),
    tenant          LowCardinality(String),
    account         String,
    callee_country  LowCardinality(String),
    callee_type     LowCardinality(String),
    calls           UInt64,
    answered        UInt64,
    billed_sec      UInt64,
    cost            Float64 COMMENT 'the CDR cost, else the rate table estimate',
    estimated_cost  Float64 COMMENT 'the part of cost that is estimated'
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(minute)
ORDER BY (minute, tenant, account, callee_country, callee_type)
TTL minute + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS {{db}}.traffic_hour
(
    hour            DateTime('UTC'),
    tenant          LowCardinality(String),
    account         String,
    callee_country  LowCardinality(String),
    callee_type     LowCardinality(String),
    calls           UInt64,
    answered        UInt64,
    billed_sec      UInt64,
    cost            Float64,
    estimated_cost  Float64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, tenant, account, callee_country, callee_type)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

-- alerts per rule and severity, and the blocks of each rule (a block is always critical)
CREATE TABLE IF NOT EXISTS {{db}}.alert_stats_minute
(
    minute    DateTime('UTC'),
    tenant    LowCardinality(String),
    rule      LowCardinality(String),
    severity  LowCardinality(String),
    alerts    UInt64,
    blocks    UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(minute)
ORDER BY (minute, tenant, rule, severity)
TTL minute + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS {{db}}.alert_stats_hour
(
    hour      DateTime('UTC'),
    tenant    LowCardinality(String),
    rule      LowCardinality(String),
    severity  LowCardinality(String),
    alerts    UInt64,
    blocks    UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, tenant, rule, severity)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

-- records refused by the decoders, per error code (no tenant: a refused record's tenant is not known)
CREATE TABLE IF NOT EXISTS {{db}}.rejected_minute
(
    minute       DateTime('UTC'),
    source_kind  LowCardinality(String),
    error_code   LowCardinality(String),
    rejected     UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(minute)
ORDER BY (minute, source_kind, error_code)
TTL minute + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS {{db}}.rejected_hour
(
    hour         DateTime('UTC'),
    source_kind  LowCardinality(String),
    error_code   LowCardinality(String),
    rejected     UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, source_kind, error_code)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

-- block-check answers per tenant, counted in each API process and written once a minute (src/api/decision-counts.ts)
CREATE TABLE IF NOT EXISTS {{db}}.decisions_minute
(
    minute       DateTime('UTC'),
    tenant       LowCardinality(String),
    allow        UInt64,
    block        UInt64,
    throttle     UInt64 COMMENT 'routed, the subject held to a rate',
    fail_open    UInt64 COMMENT 'degraded (loading, stale feed) and allowed by the fail-open policy',
    fail_closed  UInt64 COMMENT 'degraded and refused by the fail-closed policy',
    shed         UInt64 COMMENT 'answered unevaluated under overload (or while API keys load)'
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(minute)
ORDER BY (minute, tenant)
TTL minute + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS {{db}}.decisions_hour
(
    hour         DateTime('UTC'),
    tenant       LowCardinality(String),
    allow        UInt64,
    block        UInt64,
    throttle     UInt64,
    fail_open    UInt64,
    fail_closed  UInt64,
    shed         UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, tenant)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

-- backfill from what is stored already, each only while its rollup is empty
INSERT INTO {{db}}.traffic_hour
SELECT toStartOfHour(toDateTime(started_at)) AS hour, tenant, account, callee_country, callee_type, count() AS calls,
       countIf(disposition = 'ANSWERED') AS answered, sum(bill_sec) AS billed_sec, sum(coalesce(c.cost, c.estimated_cost, 0)) AS cost,
       sum(if(c.cost IS NULL, coalesce(c.estimated_cost, 0), 0)) AS estimated_cost
FROM {{db}}.cdrs AS c FINAL
WHERE status != 'leg' AND started_at >= now() - INTERVAL 400 DAY AND (SELECT count() FROM {{db}}.traffic_hour) = 0
GROUP BY hour, tenant, account, callee_country, callee_type;

INSERT INTO {{db}}.traffic_minute
SELECT toStartOfMinute(toDateTime(started_at)) AS minute, tenant, account, callee_country, callee_type, count() AS calls,
       countIf(disposition = 'ANSWERED') AS answered, sum(bill_sec) AS billed_sec, sum(coalesce(c.cost, c.estimated_cost, 0)) AS cost,
       sum(if(c.cost IS NULL, coalesce(c.estimated_cost, 0), 0)) AS estimated_cost
FROM {{db}}.cdrs AS c FINAL
WHERE status != 'leg' AND started_at >= now() - INTERVAL 30 DAY AND (SELECT count() FROM {{db}}.traffic_minute) = 0
GROUP BY minute, tenant, account, callee_country, callee_type;

INSERT INTO {{db}}.alert_stats_hour
SELECT hour, tenant, rule, severity, sum(a) AS alerts, sum(b) AS blocks FROM
(
    SELECT toStartOfHour(toDateTime(at)) AS hour, tenant, rule, toString(severity) AS severity, count() AS a, 0 AS b
    FROM {{db}}.alerts FINAL WHERE at >= now() - INTERVAL 400 DAY GROUP BY hour, tenant, rule, severity
    UNION ALL
    SELECT toStartOfHour(toDateTime(starts_at)) AS hour, tenant, rule, 'critical' AS severity, 0 AS a, count() AS b
    FROM {{db}}.blocks FINAL WHERE starts_at >= now() - INTERVAL 400 DAY GROUP BY hour, tenant, rule
)
WHERE (SELECT count() FROM {{db}}.alert_stats_hour) = 0
GROUP BY hour, tenant, rule, severity;

INSERT INTO {{db}}.alert_stats_minute
SELECT minute, tenant, rule, severity, sum(a) AS alerts, sum(b) AS blocks FROM
(
    SELECT toStartOfMinute(toDateTime(at)) AS minute, tenant, rule, toString(severity) AS severity, count() AS a, 0 AS b
    FROM {{db}}.alerts FINAL WHERE at >= now() - INTERVAL 30 DAY GROUP BY minute, tenant, rule, severity
    UNION ALL
    SELECT toStartOfMinute(toDateTime(starts_at)) AS minute, tenant, rule, 'critical' AS severity, 0 AS a, count() AS b
    FROM {{db}}.blocks FINAL WHERE starts_at >= now() - INTERVAL 30 DAY GROUP BY minute, tenant, rule
)
WHERE (SELECT count() FROM {{db}}.alert_stats_minute) = 0
GROUP BY minute, tenant, rule, severity;

INSERT INTO {{db}}.rejected_hour
SELECT toStartOfHour(toDateTime(received_at)) AS hour, source_kind, error_code, count() AS rejected
FROM {{db}}.rejected_cdrs FINAL
WHERE received_at >= now() - INTERVAL 400 DAY AND (SELECT count() FROM {{db}}.rejected_hour) = 0
GROUP BY hour, source_kind, error_code;

INSERT INTO {{db}}.rejected_minute
SELECT toStartOfMinute(toDateTime(received_at)) AS minute, source_kind, error_code, count() AS rejected
FROM {{db}}.rejected_cdrs FINAL
WHERE received_at >= now() - INTERVAL 30 DAY AND (SELECT count() FROM {{db}}.rejected_minute) = 0
GROUP BY minute, source_kind, error_code;

-- from now on, every insert is counted as it lands
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.traffic_minute_mv TO {{db}}.traffic_minute AS
SELECT toStartOfMinute(toDateTime(started_at)) AS minute, tenant, account, callee_country, callee_type, count() AS calls,
       countIf(disposition = 'ANSWERED') AS answered, sum(bill_sec) AS billed_sec, sum(coalesce(c.cost, c.estimated_cost, 0)) AS cost,
       sum(if(c.cost IS NULL, coalesce(c.estimated_cost, 0), 0)) AS estimated_cost
FROM {{db}}.cdrs AS c
WHERE status != 'leg'
GROUP BY minute, tenant, account, callee_country, callee_type;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.traffic_hour_mv TO {{db}}.traffic_hour AS
SELECT toStartOfHour(toDateTime(started_at)) AS hour, tenant, account, callee_country, callee_type, count() AS calls,
       countIf(disposition = 'ANSWERED') AS answered, sum(bill_sec) AS billed_sec, sum(coalesce(c.cost, c.estimated_cost, 0)) AS cost,
       sum(if(c.cost IS NULL, coalesce(c.estimated_cost, 0), 0)) AS estimated_cost
FROM {{db}}.cdrs AS c
WHERE status != 'leg'
GROUP BY hour, tenant, account, callee_country, callee_type;

-- an alert row at version 0 is the verdict; a triage change is a later version of the same alert, not counted
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.alert_stats_minute_mv TO {{db}}.alert_stats_minute AS
SELECT toStartOfMinute(toDateTime(at)) AS minute, tenant, rule, toString(severity) AS severity, count() AS alerts, toUInt64(0) AS blocks
FROM {{db}}.alerts
WHERE version = 0
GROUP BY minute, tenant, rule, severity;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.alert_stats_hour_mv TO {{db}}.alert_stats_hour AS
SELECT toStartOfHour(toDateTime(at)) AS hour, tenant, rule, toString(severity) AS severity, count() AS alerts, toUInt64(0) AS blocks
FROM {{db}}.alerts
WHERE version = 0
GROUP BY hour, tenant, rule, severity;

-- a block is counted when it is issued (rule, attempt or operator); a lift is a later state of it, not counted
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.block_stats_minute_mv TO {{db}}.alert_stats_minute AS
SELECT toStartOfMinute(toDateTime(starts_at)) AS minute, tenant, rule, 'critical' AS severity, toUInt64(0) AS alerts, count() AS blocks
FROM {{db}}.blocks
WHERE lifted_at IS NULL
GROUP BY minute, tenant, rule;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.block_stats_hour_mv TO {{db}}.alert_stats_hour AS
SELECT toStartOfHour(toDateTime(starts_at)) AS hour, tenant, rule, 'critical' AS severity, toUInt64(0) AS alerts, count() AS blocks
FROM {{db}}.blocks
WHERE lifted_at IS NULL
GROUP BY hour, tenant, rule;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.rejected_minute_mv TO {{db}}.rejected_minute AS
SELECT toStartOfMinute(toDateTime(received_at)) AS minute, source_kind, error_code, count() AS rejected
FROM {{db}}.rejected_cdrs
GROUP BY minute, source_kind, error_code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.rejected_hour_mv TO {{db}}.rejected_hour AS
SELECT toStartOfHour(toDateTime(received_at)) AS hour, source_kind, error_code, count() AS rejected
FROM {{db}}.rejected_cdrs
GROUP BY hour, source_kind, error_code;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.decisions_hour_mv TO {{db}}.decisions_hour AS
SELECT toStartOfHour(minute) AS hour, tenant, sum(allow) AS allow, sum(block) AS block, sum(throttle) AS throttle,
       sum(fail_open) AS fail_open, sum(fail_closed) AS fail_closed, sum(shed) AS shed
FROM {{db}}.decisions_minute
GROUP BY hour, tenant;
