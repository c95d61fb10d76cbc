-- General settings an admin changes at run time (ManagerADM's general settings), read live by
-- every instance. Secrets (the Meta app secret, the verify token) are stored sealed with the
-- key kept outside the database, never in clear.
CREATE TABLE general_settings (
    key        TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
