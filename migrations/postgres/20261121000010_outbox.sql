-- Outbound messages waiting for the Send API, written in the same transaction as their
-- message, so a send is never lost and survives restarts. One row per message; within a
-- conversation rows leave in id order.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id      BIGINT NOT NULL UNIQUE REFERENCES messages (id),
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    state           TEXT   NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX outbox_state_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_conversation ON outbox (conversation_id, state, id);
