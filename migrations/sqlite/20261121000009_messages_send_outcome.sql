-- How an outbound message was sent (RESPONSE or MESSAGE_TAG/HUMAN_AGENT), and why it failed.
ALTER TABLE messages ADD COLUMN messaging_type TEXT;
ALTER TABLE messages ADD COLUMN failure_reason TEXT;
