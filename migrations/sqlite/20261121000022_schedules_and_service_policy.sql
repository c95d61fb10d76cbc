-- Schedules ("Horário Padrão"): weekly intervals and holidays in an IANA zone, edited as one
-- document (`definition`: JSON {intervals, exceptions}, checked by domain::schedule on save).
CREATE TABLE schedules (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT   NOT NULL UNIQUE,
    time_zone  TEXT   NOT NULL,
    definition TEXT   NOT NULL,
    active     BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version    BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

-- The rest of ManagerADM's service tabs. `policy` is JSON (times, survey, messages,
-- classification; app::model::service::ServicePolicy): edited and versioned as one document
-- with the service, read whole at run time. A service's and a service group's schedule.
ALTER TABLE services ADD COLUMN schedule_id BIGINT REFERENCES schedules (id);
ALTER TABLE services ADD COLUMN policy TEXT NOT NULL DEFAULT '{}';
ALTER TABLE services ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE service_groups ADD COLUMN schedule_id BIGINT REFERENCES schedules (id);
