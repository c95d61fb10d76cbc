-- Timeouts: each pending deadline of a conversation, stored so that it fires after a restart,
-- and exactly once however many instances run (the one whose UPDATE sets fired_at does it).
-- One row per conversation and kind: arming again moves it and makes it pending again.
CREATE TABLE deadlines (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    kind            TEXT   NOT NULL CHECK (kind IN ('queue_wait', 'first_response',
                               'inactivity_warning', 'inactivity_close', 'survey_answer')),
    due_at          BIGINT NOT NULL,
    fired_at        BIGINT,
    PRIMARY KEY (conversation_id, kind)
);
CREATE INDEX deadlines_pending ON deadlines (fired_at, due_at);

-- The agent has not answered within the service's first-response time (the tile is urgent).
ALTER TABLE conversations ADD COLUMN first_response_overdue_at BIGINT;
-- Closed by the inactivity timeout rather than by an agent.
ALTER TABLE conversations ADD COLUMN closed_by_timeout BIGINT NOT NULL DEFAULT 0;

-- Quick replies offered with an outbound message (JSON array of {title, payload}).
ALTER TABLE messages ADD COLUMN quick_replies TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sandbox_messages ADD COLUMN quick_replies TEXT NOT NULL DEFAULT '[]';

-- The satisfaction survey of a closed conversation: its questions as they were when it started
-- (an admin's later edit does not change a survey under way), where it is, and how it ended.
CREATE TABLE surveys (
    conversation_id BIGINT NOT NULL PRIMARY KEY REFERENCES conversations (id),
    service_id      BIGINT NOT NULL REFERENCES services (id),
    questions       TEXT   NOT NULL,
    state           TEXT   NOT NULL DEFAULT 'asking'
                    CHECK (state IN ('asking', 'answered', 'expired', 'abandoned')),
    current         BIGINT NOT NULL DEFAULT 0,
    -- the current question was asked again after an answer that did not fit
    reasked         BIGINT NOT NULL DEFAULT 0,
    started_at      BIGINT NOT NULL,
    ended_at        BIGINT
);
CREATE INDEX surveys_service_started ON surveys (service_id, started_at);

CREATE TABLE survey_answers (
    conversation_id BIGINT NOT NULL REFERENCES surveys (conversation_id),
    position        BIGINT NOT NULL,
    -- 1 to 5 on a scale, 1 (yes) or 0 (no); NULL for free text
    score           BIGINT,
    text            TEXT,
    answered_at     BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, position)
);
