-- What the agent has seen of a conversation (unread counts), and the default pause reasons
-- (codes the console translates; an admin can add their own names).
ALTER TABLE conversations ADD COLUMN agent_seen_message_id BIGINT NOT NULL DEFAULT 0;
INSERT INTO pause_reasons (name) VALUES ('lunch'), ('break'), ('training'), ('feedback');
