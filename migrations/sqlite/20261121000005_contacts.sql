-- A customer as one service knows them: Meta's page-scoped ID (PSID / IGSID) per service.
-- The name comes later from the User Profile API; until then the console shows a fallback.
CREATE TABLE contacts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id     BIGINT NOT NULL REFERENCES services (id),
    external_id    TEXT   NOT NULL,
    first_name     TEXT,
    last_name      TEXT,
    profile_status TEXT   NOT NULL DEFAULT 'pending'
                   CHECK (profile_status IN ('pending', 'fetched', 'unavailable')),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (service_id, external_id)
);
