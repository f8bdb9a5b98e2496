ALTER TABLE users DROP COLUMN bytes_used;
