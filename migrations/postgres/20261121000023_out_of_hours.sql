-- Business hours at run time: when the customer was last told the service is closed (the
-- out-of-hours message goes once per closed period, not on every message).
ALTER TABLE conversations ADD COLUMN out_of_hours_notified_at BIGINT;
CREATE INDEX conversations_status_opened ON conversations (status, opened_at);
