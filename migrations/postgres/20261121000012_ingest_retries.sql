-- A delivery whose processing keeps failing is retried a few times, then set aside as
-- 'failed' so that it cannot hold up the deliveries behind it.
ALTER TABLE webhook_deliveries ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
-- The profile fetcher looks for pending contacts every two seconds.
CREATE INDEX contacts_profile_due ON contacts (profile_status, next_profile_attempt_at);
