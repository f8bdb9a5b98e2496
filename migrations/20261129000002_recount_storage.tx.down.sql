-- Nothing to undo: the count stays right for the older server too.
SELECT 1;
