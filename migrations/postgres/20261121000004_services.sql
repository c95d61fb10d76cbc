-- A service: one customer-facing entry point (a Facebook page or an Instagram account).
-- `cifra` is the page (or account) ID by which a webhook event finds its service.
-- The admin issue adds the rest of ManagerADM's tabs (token, groups, times, messages…).
CREATE TABLE services (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            TEXT    NOT NULL,
    channel         TEXT    NOT NULL CHECK (channel IN ('messenger', 'instagram')),
    cifra           TEXT    NOT NULL,
    integration_url TEXT    NOT NULL,
    active          BIGINT  NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    UNIQUE (channel, cifra)
);
