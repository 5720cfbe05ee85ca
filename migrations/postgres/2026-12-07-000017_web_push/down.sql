DROP TABLE push_messages;
DROP TABLE push_subscriptions;
DROP TABLE instance_keys;
