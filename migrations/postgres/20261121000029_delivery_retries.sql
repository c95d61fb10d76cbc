-- A delivery whose processing fails for a passing reason (the database busy, a deadlock) is
-- retried with a growing pause, without limit: Meta was told it is stored. Deliveries behind
-- it are processed meanwhile (only due rows are claimed).
ALTER TABLE webhook_deliveries ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
