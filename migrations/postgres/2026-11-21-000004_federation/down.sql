DROP TABLE received_activities;
DROP TABLE deliveries;
DROP TABLE outbox_events;
