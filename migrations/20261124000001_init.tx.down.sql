DROP TABLE push_subscriptions;
--bun:split
DROP TABLE reminders;
--bun:split
DROP TABLE referrals;
--bun:split
DROP TABLE asks;
--bun:split
DROP TABLE notes;
--bun:split
DROP TABLE events;
--bun:split
DROP TABLE contacts;
--bun:split
DROP TABLE sync_clients;
--bun:split
DROP TABLE refresh_tokens;
--bun:split
DROP TABLE users;
