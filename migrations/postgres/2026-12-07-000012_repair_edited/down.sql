-- Nothing to undo: the columns belong to migrations 000005 and 000007.
SELECT 1;
