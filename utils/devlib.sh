# Shared by utils/quickstart and utils/cluster (sourced, POSIX sh): messages,
# the build, and PostgreSQL clusters owned by an unprivileged user when we
# are root (initdb refuses root). The caller sets `top` (the checkout),
# `build` (the build folder), `pg_user` (the system user) and `dev_prog`.

say() {
	echo "$dev_prog: $*" >&2
}
die() {
	say "$*"
	exit 1
}

# Installs what is missing and builds the programs named (make targets).
dev_build() {
	"$top/utils/install-deps"
	if [ ! -x "$top/configure" ]; then
		say "running autoreconf -fi"
		(cd "$top" && autoreconf -fi)
	fi
	mkdir -p "$build"
	if [ ! -f "$build/Makefile" ]; then
		say "configuring in $build"
		(cd "$build" && "$top/configure" -q)
	fi
	say "building"
	make -C "$build" -s -j"$(nproc)" "$@" || die "the build failed"
}

# Sets pg_bindir to the folder of initdb, pg_ctl and postgres.
dev_find_pg() {
	pg_bindir=$(pg_config --bindir 2>/dev/null || true)
	if [ ! -x "$pg_bindir/initdb" ]; then
		pg_bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	fi
	[ -x "$pg_bindir/initdb" ] || die "PostgreSQL server programs (initdb) not found; apt-get install postgresql"
}

# Runs a command as the clusters' owner.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		# From /, which the user can enter (the project may be private).
		(cd / && runuser -u "$pg_user" -- "$@")
	else
		"$@"
	fi
}

dev_ensure_pg_user() {
	[ "$(id -u)" -eq 0 ] || return 0
	id -u "$pg_user" >/dev/null 2>&1 && return 0
	say "creating the system user $pg_user to run PostgreSQL"
	# Parallel tests may race here: losing the race is fine.
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$pg_user" 2>/dev/null ||
		id -u "$pg_user" >/dev/null 2>&1 || die "cannot create the system user $pg_user"
}

# Makes folder $1 for a cluster's data, owned by the clusters' owner; prints
# the folder to use: $1, or one under /var/tmp/$2 when the owner cannot reach
# $1 (a parent folder is not traversable).
dev_pg_dir() {
	want=$1
	mkdir -p "$want"
	if [ "$(id -u)" -eq 0 ]; then
		chmod 711 "$(dirname "$want")"
		chown "$pg_user" "$want"
		if ! runuser -u "$pg_user" -- sh -c 'cd "$1"' sh "$want" 2>/dev/null; then
			say "$pg_user cannot reach $want (a parent folder is not traversable):"
			want=/var/tmp/$2/$(basename "$want")
			say "keeping the PostgreSQL cluster in $want instead"
			mkdir -p "$want"
			chmod 711 "$(dirname "$want")"
			chown "$pg_user" "$want"
		fi
	fi
	chmod 700 "$want" 2>/dev/null || true
	echo "$want"
}

# Creates log file $1 where the clusters' owner may write it.
dev_pg_log() {
	touch "$1"
	[ "$(id -u)" -ne 0 ] || chown "$pg_user" "$1"
}
