# rules for client/
