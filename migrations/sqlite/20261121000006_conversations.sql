-- A conversation: a contact's messages from opening to closing. Routing (console issue)
-- fills group and agent; `last_customer_message_at` drives Meta's 24-hour / 7-day windows.
CREATE TABLE conversations (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id               BIGINT NOT NULL REFERENCES services (id),
    contact_id               BIGINT NOT NULL REFERENCES contacts (id),
    status                   TEXT   NOT NULL DEFAULT 'queued'
                             CHECK (status IN ('queued', 'assigned', 'out_of_hours', 'closed')),
    opened_at                BIGINT NOT NULL,
    closed_at                BIGINT,
    last_customer_message_at BIGINT,
    last_message_at          BIGINT NOT NULL
);
CREATE INDEX conversations_contact_status ON conversations (contact_id, status);
