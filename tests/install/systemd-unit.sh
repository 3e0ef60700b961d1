#!/bin/sh
# The generated systemd unit: every path substituted, the settings the
# deployment relies on present (dedicated user, restart on failure, the
# hardening options, the state folder, ordering after PostgreSQL), the
# ExecStart line runs the server with the config file, and systemd-analyze
# (when this machine has it) finds nothing to complain about.
set -eu
. "$top_srcdir/tests/install/lib.sh"

unit=$top_builddir/utils/rsa-chat-server.service
[ -f "$unit" ] || fail "$unit was not generated"
if grep -n '@[a-z_]*@' "$unit" >&2; then
	fail "$unit has unsubstituted @variables@"
fi

for setting in \
	'User=rsa-chat' \
	'Group=rsa-chat' \
	'Restart=on-failure' \
	'StateDirectory=rsa-chat' \
	'NoNewPrivileges=yes' \
	'ProtectSystem=strict' \
	'ProtectHome=yes' \
	'PrivateTmp=yes' \
	'PrivateDevices=yes' \
	'After=network-online.target postgresql.service' \
	'Wants=network-online.target postgresql.service' \
	'WantedBy=multi-user.target'; do
	grep -qx "$setting" "$unit" || fail "$unit lacks '$setting'"
done

# ExecStart=SBINDIR/rsa-chat-server -c SYSCONFDIR/rsa-chat/server.conf, with
# the folders this build was configured with.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
load_install_dirs
expected="$RC_SBINDIR/rsa-chat-server -c $RC_SYSCONFDIR/rsa-chat/server.conf"
[ "$exec_start" = "$expected" ] ||
	fail "ExecStart is '$exec_start', expected '$expected'"

if command -v systemd-analyze >/dev/null 2>&1; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/rc-unit.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# verify wants ExecStart to exist: point it at the built server.
	sed "s|^ExecStart=[^ ]*|ExecStart=$top_builddir/server/rsa-chat-server|" "$unit" \
		>"$tmp/rsa-chat-server.service"
	out=$(systemd-analyze verify --man=no "$tmp/rsa-chat-server.service" 2>&1) ||
		fail "systemd-analyze verify: $out"
	[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
	echo "ok: systemd-analyze verify accepts the unit"
else
	echo "note: no systemd-analyze here; checked the unit's settings only"
fi
echo "ok: $unit"
