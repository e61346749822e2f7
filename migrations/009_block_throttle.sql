-- Graded actions (issue 16): a block may be a throttle, allowing its subject `throttle_calls` calls per
-- `throttle_per_ms` and refusing the rest. 0 calls: a block proper (every row written before this migration).

ALTER TABLE {{db}}.blocks ADD COLUMN IF NOT EXISTS throttle_calls UInt32 DEFAULT 0 COMMENT 'throttle: calls allowed per throttle_per_ms; 0 for a block' AFTER scope;
ALTER TABLE {{db}}.blocks ADD COLUMN IF NOT EXISTS throttle_per_ms UInt32 DEFAULT 0 COMMENT 'throttle: the span the allowed calls are counted in' AFTER throttle_calls;
