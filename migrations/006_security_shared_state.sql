-- Security state shared by every API replica (issue 15): management sessions (A7), EV03 login failures and
-- locks, EV14 denials and bars. A replica reads them here, so a login, a lock or a bar made on one replica holds
-- on all of them. Rows are never updated in place: a change is a new version (ReplacingMergeTree, read with
-- FINAL) or a new event (MergeTree). No TTL: a table TTL deletes by wall-clock time, which would also remove
-- rows that tests write with fixed past clocks; the tables grow by one row per login, failure or denial.

-- One row per session; a touch (newer last_seen) or the end is a new version of the whole row. An ended row's
-- version is 1e13 + its end time (ms), above any millisecond time before the year 2286, so a touch written
-- later by a replica that has not yet heard of the end never revives the session.
CREATE TABLE IF NOT EXISTS {{db}}.sessions
(
    id             String,
    user_name      String,
    role           LowCardinality(String),
    tenant         String,
    extensions     Array(String),
    ip             String COMMENT 'the client address the token is bound to',
    method         LowCardinality(String),
    history        String COMMENT 'A8 login history as it was at login (JSON)',
    secret_sha256  String COMMENT 'the token secret is never stored',
    created_at     DateTime64(3, 'UTC'),
    last_seen      DateTime64(3, 'UTC'),
    ended_at       Nullable(DateTime64(3, 'UTC')),
    end_reason     LowCardinality(String) DEFAULT '',
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- Failed logins (EV03 counts them per user name and address; A8 shows them per user) and denied management
-- operations (EV14 counts them per user and per address). Unknown user names are counted like known ones.
CREATE TABLE IF NOT EXISTS {{db}}.security_events
(
    kind       LowCardinality(String) COMMENT 'login.failure or access.denied',
    user_name  String,
    ip         String,
    at         DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (kind, user_name, ip, at);

-- EV03 locks, per user name and source address; an unlock is a newer version with locked = 0.
CREATE TABLE IF NOT EXISTS {{db}}.login_locks
(
    user_name   String,
    ip          String,
    locked      UInt8,
    changed_at  DateTime64(3, 'UTC'),
    reason      String DEFAULT '',
    changed_by  String DEFAULT '',
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (user_name, ip);

-- EV14 bars: subject `user:<name>` or `ip:<address>`; the version is the bar's end, so the longest bar wins.
CREATE TABLE IF NOT EXISTS {{db}}.access_bars
(
    subject    String,
    until      DateTime64(3, 'UTC'),
    at         DateTime64(3, 'UTC'),
    reason     String DEFAULT '',
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY subject;

-- A8's last failure and failures since the last login are now counted from security_events.
ALTER TABLE {{db}}.users DROP COLUMN IF EXISTS last_failure_at, DROP COLUMN IF EXISTS last_failure_ip, DROP COLUMN IF EXISTS failures_since;
