-- Failed sign-ins per email (normalized), shared by every instance: the wait they earn holds
-- wherever the next guess arrives (server/internal/throttle).
CREATE TABLE login_failures (
    email      TEXT PRIMARY KEY,
    failures   INTEGER NOT NULL,
    wait_until TIMESTAMPTZ,
    last_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_at);
