-- Issue 15, part 5: A1 alarms of critical alerts in Kafka mode, and the incremental audit verifier.
--
-- alarms: one row per alarm raised from an alert, keyed by the alert's id (deterministic: a re-published alert has
-- the id it had the first time). The processor that owns the alert's CDR partition records the row before it
-- notifies; a batch computed again after a crash or rebalance finds its row and is not notified again. Read with FINAL: two rows of one
-- id (a race during a rebalance) collapse into one visible alarm.
CREATE TABLE IF NOT EXISTS {{db}}.alarms
(
    id         String COMMENT 'the alert id',
    at         DateTime64(3, 'UTC') COMMENT 'when it was raised',
    key        String COMMENT 'deduplication key (tenant, rule, subject; hashed under A13 masking)',
    kind       LowCardinality(String),
    severity   LowCardinality(String),
    title      String,
    details    String COMMENT 'JSON',
    raised_by  String COMMENT 'the API instance that raised it'
)
ENGINE = ReplacingMergeTree
ORDER BY id;

-- audit_checkpoints: per audit chain, the position (seq) verified so far and the hash there, so a verification
-- pass checks only newer records; full_at is the last full pass over the chain, problem what the last pass found.
-- Every replica reads and writes them (the last verified state survives restarts and is shared). Sealed with the
-- audit key (mac), so an edited checkpoint is ignored: the chain is then verified from its anchor. Newest version
-- wins (FINAL).
CREATE TABLE IF NOT EXISTS {{db}}.audit_checkpoints
(
    chain        String,
    seq          UInt64 COMMENT 'last verified record (0: none yet)',
    hash         String COMMENT 'its hash: the next record must chain to it',
    first_seq    UInt64 COMMENT 'first record verified from the anchor',
    verified_at  DateTime64(3, 'UTC'),
    full_at      DateTime64(3, 'UTC') COMMENT 'last full pass over this chain',
    problem      String COMMENT 'JSON: first broken position found, empty when intact',
    mac          String,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY chain;
