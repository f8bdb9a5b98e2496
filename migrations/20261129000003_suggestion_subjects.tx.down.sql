-- Nothing to undo: an empty array is what the older server should have written too.
SELECT 1;
