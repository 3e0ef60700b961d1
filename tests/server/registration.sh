#!/bin/sh
# Registration under attack (issue 11): the login rules refuse every odd
# login of the finding (controls, invisibles, edge spaces, non-NFC) with
# "invalid login"; a login that looks like a taken one gets "login exists";
# get_user hands out one key; the limit per source address stops a flood of
# 6,000 made-up keys at 20 rows (and counts each address apart); the
# address and time are recorded; closed registration admits only the keys
# of --allowed-keys, by fingerprint or "E N".
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start
TC="$top_builddir/tests/server/test-client --port $RC_PORT"
for u in alice bob carol dave; do
	rc_genkey 1024 "$RC_TMP/$u"
done
as() {
	who=$1
	shift
	$TC --key "$RC_TMP/$who" req "$@" || rc_fail "test-client failed"
}
key_part() {
	sed -n "s/^$2 \([0-9]*\)$/\1/p" "$RC_TMP/$1"
}
OK='{"state":"ok","data":'
ERR='{"state":"error","error":'
INVALID="${ERR}\"invalid login\"}"

rc_expect "odd logins refused" \
"$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
$INVALID
${ERR}\"no auth\"}" \
"$(as alice '{"cmd":"register","login":"alice "}' '{"cmd":"register","login":" alice"}' \
	'{"cmd":"register","login":"al\u200bice"}' '{"cmd":"register","login":"al\u200dice"}' \
	'{"cmd":"register","login":"al\u00adice"}' '{"cmd":"register","login":"jose\u0301"}' \
	'{"cmd":"register","login":"al\nice"}' '{"cmd":"register","login":"al\tice"}' \
	'{"cmd":"register","login":"al\u001b[31mice"}' '{"cmd":"register","login":"al\u0085ice"}' \
	'{"cmd":"register","login":"\u202eecila"}' '{"cmd":"register","login":"al\u00a0ice"}' \
	'{"cmd":"register","login":"al\u2060ice"}' '{"cmd":"register","login":"\ufeffalice"}' \
	'{"cmd":"register","login":"al\u007fice"}' '{"cmd":"register","login":"\u3164"}' \
	'{"cmd":"register","login":"al\ue000ice"}' '{"cmd":"get_users"}')"
rc_expect "no row for a refused login" 0 "$(rc_psql -A -t -c 'SELECT count(*) FROM "user"')"

rc_expect "ordinary logins in any script" \
"${OK}\"welcome\"}
${OK}\"welcome\"}
${OK}\"welcome\"}" \
"$(as alice '{"cmd":"register","login":"alice"}'
	as bob '{"cmd":"register","login":"jos\u00e9"}'
	as carol '{"cmd":"register","login":"\u0410\u043b\u0438\u0441\u0430"}')"

# Cyrillic a, capitals, fullwidth letters, Greek capital alpha, and the
# NFC-equal spelling of a taken login all look like one that exists.
rc_expect "look-alike logins" \
"${ERR}\"login exists\"}
${ERR}\"login exists\"}
${ERR}\"login exists\"}
${ERR}\"login exists\"}
${ERR}\"login exists\"}
${ERR}\"login exists\"}
${OK}\"welcome\"}" \
"$(as dave '{"cmd":"register","login":"\u0430lice"}' '{"cmd":"register","login":"ALICE"}' \
	'{"cmd":"register","login":"\uff41\uff4c\uff49\uff43\uff45"}' '{"cmd":"register","login":"\u0391lice"}' \
	'{"cmd":"register","login":"JOS\u00c9"}' '{"cmd":"register","login":"\u0430\u043b\u0438\u0441\u0430"}' \
	'{"cmd":"register","login":"dave"}')"

rc_expect "registration address and time recorded" "alice|127.0.0.1|t" \
	"$(rc_psql -A -t -c "SELECT login, host(registered_from), registered_at > now() - interval '1 minute' FROM \"user\" WHERE login = 'alice'")"

rc_expect "get_user" \
"${OK}{\"login\":\"alice\",\"open_exponent\":$(key_part alice e),\"module\":$(key_part alice n)}}
${ERR}\"no such user\"}
${ERR}\"no login\"}
${ERR}\"no login\"}" \
"$(as dave '{"cmd":"get_user","login":"alice"}' '{"cmd":"get_user","login":"zed"}' '{"cmd":"get_user"}' \
	'{"cmd":"get_user","login":5}')"
rc_genkey 1024 "$RC_TMP/erin"
rc_expect "get_user needs a registered user" "${ERR}\"no auth\"}" "$(as erin '{"cmd":"get_user","login":"alice"}')"

# 6,000 registrations with made-up keys from one address: 20 rows, the rest
# refused. Another address has its own 20.
out=$($TC --source 127.0.0.2 --timeout 600000 flood 6000) || rc_fail "flood: $out"
rc_expect "flood from one address" "flood done" "$out"
out=$($TC --source 127.0.0.3 flood 30) || rc_fail "flood: $out"
rc_expect "at most 20 registrations per address and hour" "127.0.0.2|20
127.0.0.3|20" \
	"$(rc_psql -A -t -c 'SELECT host(registered_from), count(*) FROM "user" WHERE registered_from IS NOT NULL AND host(registered_from) <> $$127.0.0.1$$ GROUP BY 1 ORDER BY 1')"
grep -q "registration refused: 20 registrations from 127.0.0.2 in the last hour" "$RC_SERVER_LOG" ||
	rc_fail "the refusal is not logged"
rc_server_stop

# Closed registration: erin by fingerprint, frank by "E N"; gina is not listed.
rc_genkey 1024 "$RC_TMP/frank"
"$top_builddir/utils/generate-keys" --bits 1024 -o "$RC_TMP/gina" --force >"$RC_TMP/gina.txt" || rc_fail "generate-keys"
erin_fp=$("$top_builddir/utils/generate-keys" --bits 1024 -o "$RC_TMP/erin" --force | sed -n 's/^Fingerprint: //p')
cat >"$RC_TMP/allowed" <<KEYS
# who may register
$erin_fp

  $(key_part frank e) $(key_part frank n)
KEYS
rc_server_start --allowed-keys "$RC_TMP/allowed"
TC="$top_builddir/tests/server/test-client --port $RC_PORT"
grep -q "registration is closed but for 2 allowed key(s)" "$RC_SERVER_LOG" || rc_fail "closed mode is not logged"
rc_expect "closed registration" \
"${OK}\"welcome\"}
${OK}\"welcome\"}
${ERR}\"registration closed\"}
${ERR}\"registration closed\"}
${ERR}\"already registered\",\"login\":\"alice\"}" \
"$(as erin '{"cmd":"register","login":"erin"}'
	as frank '{"cmd":"register","login":"frank"}'
	as gina '{"cmd":"register","login":"gina"}' '{"cmd":"register"}'
	as alice '{"cmd":"register","login":"x"}')"
rc_server_stop

printf 'SHA256:short\n' >"$RC_TMP/bad-allowed"
status=0
"$top_builddir/server/rsa-chat-server" -c /dev/null --key "$RC_TMP/server.key" --port 0 \
	--allowed-keys "$RC_TMP/bad-allowed" 2>"$RC_TMP/bad.log" || status=$?
rc_expect "a bad allowed-keys file stops the server" 1 "$status"
grep -q "bad-allowed:1: want a fingerprint" "$RC_TMP/bad.log" || rc_fail "the line is not named: $(cat "$RC_TMP/bad.log")"
echo "ok - bad allowed-keys file"
