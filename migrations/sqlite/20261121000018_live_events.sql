-- The consoles' live feed. Every change a console shows (a message added or moved on, a
-- conversation assigned, offered, closed, transferred or taken back, a customer's profile)
-- is recorded in the same transaction as the change, with the next number of its
-- conversation's sequence: a console that reconnects asks for what followed the last number
-- it saw. `agent_id` is the console the event is for (NULL: nobody's yet, still queued).
ALTER TABLE conversations ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE console_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    seq             BIGINT NOT NULL,
    agent_id        BIGINT,
    -- 'message' (message_id added or changed) or 'conversation'
    kind            TEXT   NOT NULL CHECK (kind IN ('message', 'conversation')),
    message_id      BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE INDEX console_events_created_at ON console_events (created_at);

-- Manual answer mode: the conversation is the agent's (holding a position) but only offered
-- until they accept it or `offered_until` passes; then it goes to the next agent, and the
-- agents who let it pass are remembered so others are asked first.
ALTER TABLE conversations ADD COLUMN offered_until BIGINT;
CREATE TABLE offer_declines (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    agent_id        BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (conversation_id, agent_id)
);

-- Who uploaded an agent's attachment: only they can send it.
ALTER TABLE media ADD COLUMN uploaded_by BIGINT REFERENCES users (id);
