-- The coach (docs/coach.md): asks carry when time alone next changes their readiness, and
-- note signals are indexed by contact so a change finds the signals that count in one query.
ALTER TABLE asks ADD COLUMN recheck_at TIMESTAMPTZ;
--bun:split
-- Every live ask gets its first readiness from the server's scheduler soon after upgrade.
UPDATE asks SET recheck_at = updated_at WHERE deleted_at IS NULL;
--bun:split
CREATE INDEX asks_recheck ON asks (recheck_at) WHERE recheck_at IS NOT NULL;
--bun:split
CREATE INDEX asks_contact ON asks (user_id, contact_id);
--bun:split
CREATE TABLE note_signals (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    note_id    TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    hold_until TIMESTAMPTZ
);
--bun:split
CREATE INDEX note_signals_contact ON note_signals (user_id, contact_id, at);
--bun:split
CREATE INDEX note_signals_note ON note_signals (note_id, user_id);
