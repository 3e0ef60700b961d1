# server/: rsa-chat-server, its database migrations and its tests.

migrationsdir = $(pkgdatadir)/migrations
dist_migrations_DATA = \
	migrations/001_original_schema.sql \
	migrations/002_integrity.sql

# The shared test harness (sourced by every part's shell tests).
EXTRA_DIST += tests/lib/harness.sh
