-- Every agent a conversation was ever assigned (or offered) to, for who may see its
-- attachments: its agents past and present (plus supervisors of its service and admins).
CREATE TABLE conversation_agents (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    agent_id        BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (conversation_id, agent_id)
);
CREATE INDEX conversation_agents_agent ON conversation_agents (agent_id);
INSERT INTO conversation_agents (conversation_id, agent_id)
    SELECT id, agent_id FROM conversations WHERE agent_id IS NOT NULL;
