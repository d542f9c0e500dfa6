-- The application creates one database per subgraph (cx_identity, cx_interactions, cx_consent, cx_crm).
GRANT ALL PRIVILEGES ON `cx\_%`.* TO 'cx'@'%';
FLUSH PRIVILEGES;
