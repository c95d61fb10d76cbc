-- Closing: the classification code the agent picked (when the service has codes), and the end
-- of the agent's wrap-up time: until then that position takes no new chat.
ALTER TABLE conversations ADD COLUMN classification TEXT;
ALTER TABLE conversations ADD COLUMN wrap_up_until BIGINT;
CREATE INDEX conversations_wrap_up ON conversations (agent_id, wrap_up_until);
