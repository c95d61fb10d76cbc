-- Attachment files, kept in the attachment storage (a folder; the path is `storage_key`):
-- customers' media downloaded from Meta (whose CDN URLs expire), agents' uploads served to
-- Meta by an unguessable `public_token`, and customers' profile pictures.
CREATE TABLE media (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    origin          TEXT   NOT NULL CHECK (origin IN ('inbound', 'outbound', 'profile')),
    -- the message it belongs to (inbound: in the order of the message's attachments)
    message_id      BIGINT REFERENCES messages (id),
    source_url      TEXT,
    status          TEXT   NOT NULL CHECK (status IN ('pending', 'stored', 'failed')),
    content_type    TEXT,
    size_bytes      BIGINT,
    storage_key     TEXT,
    public_token    TEXT   UNIQUE,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    failure         TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX media_due ON media (status, next_attempt_at);
CREATE INDEX media_message ON media (message_id, id);
ALTER TABLE contacts ADD COLUMN picture_media_id BIGINT REFERENCES media (id);
