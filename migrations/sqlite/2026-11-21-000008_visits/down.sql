DROP TABLE visit_days;
DROP TABLE visits;
DROP TABLE partnerships;
