-- Every webhook POST whose signature verified, stored verbatim before Meta gets its 200, so a
-- crash after the answer loses nothing. A worker turns pending rows into messages; rows that
-- cannot be processed stay for inspection with their state and error.
CREATE TABLE webhook_deliveries (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel      TEXT   NOT NULL CHECK (channel IN ('messenger', 'instagram')),
    received_at  BIGINT NOT NULL,
    body         BYTEA  NOT NULL,
    state        TEXT   NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'processed', 'malformed', 'unknown_page', 'failed')),
    error        TEXT,
    processed_at BIGINT
);
CREATE INDEX webhook_deliveries_state_id ON webhook_deliveries (state, id);
