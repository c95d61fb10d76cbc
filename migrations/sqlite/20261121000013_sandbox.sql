-- The Messenger sandbox's own records: what Meta would keep on its side (the test customers,
-- their chats with each page, the media they exchanged). Used only with ATENDE_SANDBOX=1;
-- kept in the database so a restart of Atende does not make the customers disappear.
CREATE TABLE sandbox_customers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- the page-scoped ID Atende sees (one per customer, the same for every sandbox page)
    psid        TEXT   NOT NULL UNIQUE,
    name        TEXT   NOT NULL,
    -- 0 makes the User Profile API answer 2018218 (no profile), as Meta sometimes does
    has_profile BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL
);

CREATE TABLE sandbox_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id        TEXT   NOT NULL,
    psid           TEXT   NOT NULL,
    -- 'customer' wrote to the page; 'page' answered through the Send API
    author         TEXT   NOT NULL CHECK (author IN ('customer', 'page')),
    mid            TEXT   NOT NULL UNIQUE,
    text           TEXT,
    attachment_kind TEXT,
    attachment_url TEXT,
    messaging_type TEXT,
    tag            TEXT,
    created_at     BIGINT NOT NULL,
    read_at        BIGINT
);
CREATE INDEX sandbox_messages_chat ON sandbox_messages (psid, page_id, id);

CREATE TABLE sandbox_media (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token        TEXT   NOT NULL UNIQUE,
    content_type TEXT   NOT NULL,
    bytes        BLOB   NOT NULL,
    created_at   BIGINT NOT NULL
);
