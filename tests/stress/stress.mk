# tests/stress rules
