DROP TABLE note_signals;
--bun:split
DROP INDEX asks_contact;
--bun:split
DROP INDEX asks_recheck;
--bun:split
ALTER TABLE asks DROP COLUMN recheck_at;
