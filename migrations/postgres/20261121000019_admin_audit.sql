-- The admin area: every record an admin edits carries a version (a save must name the version
-- it was read at, so a second admin's save is refused rather than silently overwriting), and
-- every change is written to the audit log with the fields before and after (never secrets).
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE TABLE audit_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor_id  BIGINT REFERENCES users (id),
    -- 'user', 'group', 'service', …
    entity    TEXT   NOT NULL,
    entity_id BIGINT NOT NULL,
    -- 'create', 'update', 'disable', 'enable', 'reset_password', 'delete'
    action    TEXT   NOT NULL,
    -- JSON {field: [before, after]}
    changes   TEXT   NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_at ON audit_log (at);
