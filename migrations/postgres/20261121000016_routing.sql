-- Routing: agent groups and their members, the groups that serve each service, each agent's
-- routing state, and the conversation's place in the queue or with an agent.
CREATE TABLE agent_groups (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT   NOT NULL UNIQUE,
    active     BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES agent_groups (id),
    user_id  BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE service_groups (
    service_id BIGINT NOT NULL REFERENCES services (id),
    group_id   BIGINT NOT NULL REFERENCES agent_groups (id),
    PRIMARY KEY (service_id, group_id)
);

-- Reasons an agent can give for a pause (lunch, training…), configured by an admin.
CREATE TABLE pause_reasons (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name   TEXT   NOT NULL UNIQUE,
    active BIGINT NOT NULL DEFAULT 1
);

-- Positions and answer mode are set by an admin; presence by the agent. `free_since` breaks
-- ties between equally loaded agents (the one free longest first).
CREATE TABLE agent_states (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id),
    positions    BIGINT NOT NULL DEFAULT 8 CHECK (positions BETWEEN 1 AND 8),
    answer_mode  TEXT   NOT NULL DEFAULT 'automatic' CHECK (answer_mode IN ('automatic', 'manual')),
    presence     TEXT   NOT NULL DEFAULT 'offline' CHECK (presence IN ('offline', 'operating', 'paused')),
    pause_reason TEXT,
    free_since   BIGINT NOT NULL DEFAULT 0,
    last_seen_at BIGINT NOT NULL DEFAULT 0
);

ALTER TABLE conversations ADD COLUMN agent_id BIGINT REFERENCES users (id);
ALTER TABLE conversations ADD COLUMN assigned_at BIGINT;
ALTER TABLE conversations ADD COLUMN queued_at BIGINT;
-- 1: taken back from an agent who left; served before the rest of the queue
ALTER TABLE conversations ADD COLUMN queue_front BIGINT NOT NULL DEFAULT 0;
-- a transfer: to a group, or to one agent (else the service's groups)
ALTER TABLE conversations ADD COLUMN route_group_id BIGINT REFERENCES agent_groups (id);
ALTER TABLE conversations ADD COLUMN route_agent_id BIGINT REFERENCES users (id);
CREATE INDEX conversations_queue ON conversations (status, queue_front, queued_at);
CREATE INDEX conversations_agent ON conversations (agent_id, status);
