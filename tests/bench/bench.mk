# tests/bench rules
