-- Groups are edited in the admin like users: a save names the version it was read at.
ALTER TABLE agent_groups ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
