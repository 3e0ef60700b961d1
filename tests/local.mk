# tests/: shared test helpers and data; each part's tests are listed in its own local.mk.
EXTRA_DIST += tests/vectors/wire-v1.json
