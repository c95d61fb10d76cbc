-- Failed logins, counted per account name and per client IP to throttle password guessing.
CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT   NOT NULL,
    ip       TEXT   NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX login_failures_username_at ON login_failures (username, at);
CREATE INDEX login_failures_ip_at ON login_failures (ip, at);
