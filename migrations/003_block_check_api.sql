-- PBX-facing API (issue 5): blocks keep their scope (a quota block stops only international calls), so an API
-- replica bootstrapping its block table from here answers exactly as the processor decided; outbound pushes that
-- failed every attempt are dead-lettered with the payload and the last error.

ALTER TABLE {{db}}.blocks ADD COLUMN IF NOT EXISTS scope LowCardinality(String) DEFAULT 'all' COMMENT 'all, or international: only the subject''s international calls' AFTER level;

CREATE TABLE IF NOT EXISTS {{db}}.push_dead_letters
(
    failed_at   DateTime64(3, 'UTC') DEFAULT now64(3),
    target      LowCardinality(String) COMMENT 'webhook or kamailio',
    block_id    String,
    state       LowCardinality(String) COMMENT 'active or lifted: what was being pushed',
    payload     String COMMENT 'the JSON that was sent',
    attempts    UInt16,
    last_error  String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(failed_at)
ORDER BY (target, failed_at);
