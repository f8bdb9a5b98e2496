-- Suggestions about no one (the week's rhythm, an offer shared with nobody yet) were stored
-- with "subject_ids":null where openapi.yaml promises an array; the server now writes [], and
-- the ones stored before are mended here, with the two bytes each gives back to the quota.
UPDATE users SET bytes_used = bytes_used - 2 * (
    SELECT COUNT(*) FROM suggestions
    WHERE suggestions.user_id = users.id AND suggestions.data LIKE '%"subject_ids":null%')
WHERE id IN (SELECT user_id FROM suggestions WHERE data LIKE '%"subject_ids":null%');

--bun:split

UPDATE suggestions SET data = REPLACE(data, '"subject_ids":null', '"subject_ids":[]')
WHERE data LIKE '%"subject_ids":null%';
