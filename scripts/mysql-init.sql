-- The application creates one database per subgraph (cx_identity, cx_interactions, cx_consent, cx_crm)
-- and the key stores of per-person keys (cx_identity_keys, cx_interactions_keys).
GRANT ALL PRIVILEGES ON `cx\_%`.* TO 'cx'@'%';
FLUSH PRIVILEGES;
