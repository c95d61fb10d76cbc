-- Pause reasons are edited in the admin like users and groups: a save names its version.
ALTER TABLE pause_reasons ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
