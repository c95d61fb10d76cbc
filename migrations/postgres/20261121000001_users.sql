-- Accounts of the people who use Atende. Timestamps are UTC milliseconds since the Unix epoch
-- (BIGINT on both backends, so the same queries run unchanged on SQLite and PostgreSQL).
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    locale        TEXT    NOT NULL DEFAULT 'pt-BR',
    -- Flags are BIGINT 0/1: sqlx's Any driver cannot decode SQLite booleans.
    active        BIGINT  NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- Bumped when the password changes or the user is disabled: older sessions stop working.
    auth_version  BIGINT  NOT NULL DEFAULT 1,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
