# tests/fuzz rules
