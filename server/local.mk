# rules for server/
