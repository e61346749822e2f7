-- Security and audit (issue 6; REQUIREMENTS Roles, A2-A9, EV03, EV08, EV09, EV14).
-- Users and PBX API keys are versioned rows (ReplacingMergeTree, read with FINAL): a change is a new version,
-- nothing is updated in place. Secrets are stored only as hashes (scrypt for passwords, SHA-256 for API keys,
-- which are 256-bit random values).

CREATE TABLE IF NOT EXISTS {{db}}.users
(
    name               String,
    role               LowCardinality(String),
    full_name          String DEFAULT '',
    tenant             String DEFAULT '' COMMENT 'role user: the tenant of their extensions',
    extensions         Array(String) COMMENT 'role user: the accounts/callers they may see',
    password_hash      String COMMENT 'scrypt$N$r$p$salt$key',
    password_history   Array(String) COMMENT 'hashes of the previous passwords (A9: no reuse)',
    locked             UInt8 DEFAULT 0,
    locked_reason      String DEFAULT '',
    last_login_at      Nullable(DateTime64(3, 'UTC')),
    last_login_ip      String DEFAULT '',
    last_login_method  String DEFAULT '',
    last_failure_at    Nullable(DateTime64(3, 'UTC')),
    last_failure_ip    String DEFAULT '',
    failures_since     UInt32 DEFAULT 0 COMMENT 'failed logins since the last success (A8)',
    created_at         DateTime64(3, 'UTC'),
    created_by         String,
    version            UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY name;

CREATE TABLE IF NOT EXISTS {{db}}.api_keys
(
    id             String,
    tenant         String COMMENT '* = every tenant',
    name           String,
    secret_sha256  String,
    created_at     DateTime64(3, 'UTC'),
    created_by     String,
    revoked_at     Nullable(DateTime64(3, 'UTC')),
    revoked_by     String DEFAULT '',
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- Every writer appends to its own keyed hash chain; rows written before chains existed are chain 'legacy'.
ALTER TABLE {{db}}.audit_log ADD COLUMN IF NOT EXISTS chain LowCardinality(String) DEFAULT 'legacy' FIRST;

CREATE TABLE IF NOT EXISTS {{db}}.audit_anchors
(
    chain      String,
    first_seq  UInt64,
    prev_hash  String,
    at         DateTime64(3, 'UTC'),
    reason     LowCardinality(String) COMMENT 'genesis or quota',
    mac        String
)
ENGINE = MergeTree
ORDER BY (chain, first_seq);

CREATE TABLE IF NOT EXISTS {{db}}.audit_settings
(
    event_type  String,
    enabled     UInt8,
    changed_by  String,
    changed_at  DateTime64(3, 'UTC'),
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY event_type;
