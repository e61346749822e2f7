-- Stream processor (issue 4): where each CDR came from, which call it belongs to, and what the engine did with it.
-- State rebuild reads the CDRs of the partitions an instance owns (source_topic, source_partition) since the
-- longest rule window + allowed lateness, in event time; `status` tells counted CDRs from late, future or extra legs.

ALTER TABLE {{db}}.cdrs ADD COLUMN IF NOT EXISTS call_id String DEFAULT '' COMMENT 'groups the legs of one call (Asterisk linkedid, SIP Call-ID)' AFTER id;
ALTER TABLE {{db}}.cdrs ADD COLUMN IF NOT EXISTS status LowCardinality(String) DEFAULT 'evaluated' COMMENT 'evaluated, emergency, too-late, future or leg (counted once per call)';
ALTER TABLE {{db}}.cdrs ADD COLUMN IF NOT EXISTS source_topic LowCardinality(String) DEFAULT '' COMMENT 'Kafka topic, empty for files and HTTP';
ALTER TABLE {{db}}.cdrs ADD COLUMN IF NOT EXISTS source_partition Int32 DEFAULT -1;
ALTER TABLE {{db}}.cdrs ADD COLUMN IF NOT EXISTS source_offset Int64 DEFAULT -1;
ALTER TABLE {{db}}.cdrs ADD COLUMN IF NOT EXISTS format LowCardinality(String) DEFAULT 'canonical' COMMENT 'decoder that read the record';
