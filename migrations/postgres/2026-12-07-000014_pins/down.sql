ALTER TABLE users DROP COLUMN hide_collections;
DROP TABLE pins;
