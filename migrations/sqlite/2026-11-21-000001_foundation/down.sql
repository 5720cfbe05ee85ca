DROP TABLE follows;
DROP TABLE spaces;
DROP TABLE users;
DROP TABLE accounts;
