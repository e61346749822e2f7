-- Issue 16, item 8: shared hotlists (G4, F4). IP addresses or CIDR blocks and E.164 number ranges known to be bad,
-- global (tenant '') or per tenant, each with its source (apiban, file:x.csv, alert:<id>, operator:<user>), category,
-- reason, creation and expiry. One row per state: a renewal, a removal or a new expiry is a newer version (FINAL
-- shows the newest), and `version` doubles as the "changes since" cursor of GET /v1/lists/ips and `lists export`.
-- An entry that never expires carries expires_at 2299-12-31. TTL: a year after its expiry the row is gone (long
-- enough for a client's "changes since" to hear of the expiry; wall-clock, so test clocks stay within it).
CREATE TABLE IF NOT EXISTS {{db}}.hotlist_entries
(
    tenant      String COMMENT 'empty: every tenant',
    kind        LowCardinality(String) COMMENT 'ip | number',
    value       String COMMENT 'ip: canonical address or CIDR; number: +digits (E.164 number or prefix)',
    source      String,
    id          String COMMENT 'hash of tenant, kind, value and source',
    category    LowCardinality(String),
    reason      String,
    created_at  DateTime64(3, 'UTC'),
    created_by  String,
    expires_at  DateTime64(3, 'UTC'),
    removed_at  Nullable(DateTime64(3, 'UTC')),
    removed_by  String,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, kind, value, source)
TTL expires_at + INTERVAL 365 DAY;

-- hotlist_sync: per feed (`lists sync` URL or file), the cursor of the last page taken, so the next sync asks for
-- changes only. Newest version wins.
CREATE TABLE IF NOT EXISTS {{db}}.hotlist_sync
(
    feed        String,
    cursor      String,
    synced_at   DateTime64(3, 'UTC'),
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY feed;

-- An alert may be marked `confirmed` (a real attack): its destination range is then hotlisted for the tenant.
ALTER TABLE {{db}}.alerts MODIFY COLUMN status Enum8('open' = 1, 'acknowledged' = 2, 'false_positive' = 3, 'confirmed' = 4) DEFAULT 'open';
