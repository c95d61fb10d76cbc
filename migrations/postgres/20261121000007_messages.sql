-- Messages both ways. `mid` is Meta's message ID: unique, so retries and duplicate
-- deliveries are stored once. Outbound messages move sending → sent → delivered → read
-- (or failed, with a reason); inbound ones are `received`.
CREATE TABLE messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    direction       TEXT   NOT NULL CHECK (direction IN ('in', 'out')),
    -- who wrote it: the customer, an agent in Atende, someone in the Facebook Page inbox
    author          TEXT   NOT NULL CHECK (author IN ('customer', 'agent', 'page_inbox', 'system')),
    mid             TEXT   UNIQUE,
    text            TEXT,
    -- JSON array of {kind, url, sticker_id, title} as Meta sent them
    attachments     TEXT   NOT NULL DEFAULT '[]',
    reply_to_mid    TEXT,
    status          TEXT   NOT NULL
                    CHECK (status IN ('received', 'sending', 'sent', 'delivered', 'read', 'failed')),
    sent_at         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    read_at         BIGINT
);
CREATE INDEX messages_conversation_id ON messages (conversation_id, id);
