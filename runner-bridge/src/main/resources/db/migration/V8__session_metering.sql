-- Metering (docs/costs.md). A session's launch and release are its started_at and ended_at; what it cost stays in
-- its row, now with the currency of the price table it was billed with (the cost_*_usd columns keep their names so
-- that their readers keep working; their amounts are in cost_currency), the per-request fee, the billed time to the
-- millisecond (granularities of 1 ms and 100 ms exist) and the table (provider/region).
ALTER TABLE sessions ADD COLUMN cost_currency VARCHAR(3);
ALTER TABLE sessions ADD COLUMN cost_requests NUMERIC(18, 6);
ALTER TABLE sessions ADD COLUMN billed_millis BIGINT;
ALTER TABLE sessions ADD COLUMN price_table VARCHAR(200);
UPDATE sessions SET cost_currency = 'USD', cost_requests = 0, billed_millis = billed_seconds * 1000
  WHERE cost_usd IS NOT NULL;

-- The rest of the timeline and what the instance really had (the agent's HELLO). Apart from the sessions row
-- because these are written by single-purpose statements (the job hooks, the executor's stages) that must not race
-- with the broker's compare-and-set updates of the whole row.
CREATE TABLE session_meters (
  session_id         VARCHAR(32)  NOT NULL PRIMARY KEY,
  ready_at           TIMESTAMP WITH TIME ZONE,
  job_started_at     TIMESTAMP WITH TIME ZONE,
  job_ended_at       TIMESTAMP WITH TIME ZONE,
  granted_cpu        DOUBLE PRECISION,
  granted_memory_mb  BIGINT,
  granted_gpu_type   VARCHAR(200),
  granted_gpu_count  INTEGER
);
