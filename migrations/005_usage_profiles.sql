-- Learned usage profiles (issue 14, G3): one JSON snapshot per tenant (UsageSnapshot, src/domain/usage/usage-book.ts),
-- saved by the processor that counts the tenant's CDRs (every 5 minutes and on a clean stop) and loaded by every
-- state rebuild before the CDR replay (README "State that survives restarts and rebalances").
-- The version is the newest event time the snapshot learned, so a former owner saving late after a rebalance never
-- replaces the new owner's newer profile; at equal event times the last saved row wins. Read with FINAL.

CREATE TABLE IF NOT EXISTS {{db}}.usage_profiles
(
    tenant      String,
    body        String COMMENT 'JSON: the tenant''s UsageSnapshot',
    event_time  DateTime64(3, 'UTC') COMMENT 'newest event time the snapshot learned (the row version)',
    saved_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(event_time)
ORDER BY tenant;
