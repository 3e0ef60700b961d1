# rules for utils/
