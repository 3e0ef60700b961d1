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
# reg WHO LOGIN...: one connection of WHO asking to register each LOGIN (a
# JSON string body, escapes allowed), answers printed.
reg() {
	who=$1
	shift
	for login in "$@"; do
		printf '{"cmd":"register","login":"%s"}\n' "$login"
	done >"$RC_TMP/requests"
	tr '\n' '\0' <"$RC_TMP/requests" | xargs -0 $TC --key "$RC_TMP/$who" req || rc_fail "test-client failed"
}
OK='{"state":"ok","data":'
ERR='{"state":"error","error":'
EXISTS="${ERR}\"login exists\"}"

# The odd logins of the finding, and more of their kind.
set -- 'alice ' ' alice' 'al\u200bice' 'al\u200dice' 'al\u00adice' 'jose\u0301' 'al\nice' 'al\tice' \
	'al\u001b[31mice' 'al\u0085ice' '\u202eecila' 'al\u00a0ice' 'al\u2060ice' '\ufeffalice' 'al\u007fice' \
	'\u3164' 'al\ue000ice' '\u0301alice'
rc_expect "odd logins refused" "$(for login in "$@"; do echo "${ERR}\"invalid login\"}"; done)" "$(reg alice "$@")"
rc_expect "no row for a refused login" 0 "$(rc_psql -A -t -c 'SELECT count(*) FROM "user"')"

rc_expect "ordinary logins in any script" \
"${OK}\"welcome\"}
${OK}\"welcome\"}
${OK}\"welcome\"}" \
"$(reg alice alice; reg bob 'jos\u00e9'; reg carol '\u0410\u043b\u0438\u0441\u0430')"

# Cyrillic a, capitals, fullwidth letters, Greek capital alpha, and the
# NFC-equal spelling of a taken login all look like one that exists.
rc_expect "look-alike logins" "$EXISTS
$EXISTS
$EXISTS
$EXISTS
$EXISTS
$EXISTS
${OK}\"welcome\"}" \
	"$(reg dave '\u0430lice' ALICE '\uff41\uff4c\uff49\uff43\uff45' '\u0391lice' 'JOS\u00c9' '\u0430\u043b\u0438\u0441\u0430' dave)"

rc_expect "registration address and time recorded" "alice|127.0.0.1|t" \
	"$(rc_psql -A -t -c "SELECT login, host(registered_from), registered_at > now() - interval '1 minute' FROM \"user\" WHERE login = 'alice'")"

alice_e=$(sed -n 's/^e \([0-9]*\)$/\1/p' "$RC_TMP/alice")
alice_n=$(sed -n 's/^n \([0-9]*\)$/\1/p' "$RC_TMP/alice")
rc_expect "get_user" \
"${OK}{\"login\":\"alice\",\"open_exponent\":$alice_e,\"module\":$alice_n}}
${ERR}\"no such user\"}
${ERR}\"no login\"}
${ERR}\"no login\"}" \
"$($TC --key "$RC_TMP/dave" req '{"cmd":"get_user","login":"alice"}' '{"cmd":"get_user","login":"zed"}' '{"cmd":"get_user"}' \
	'{"cmd":"get_user","login":5}')"
rc_genkey 1024 "$RC_TMP/erin"
rc_expect "get_user needs a registered user" "${ERR}\"no auth\"}" "$($TC --key "$RC_TMP/erin" req '{"cmd":"get_user","login":"alice"}')"

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

  $(sed -n 's/^[en] \([0-9]*\)$/\1/p' "$RC_TMP/frank" | tr '\n' ' ')
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
"$(reg erin erin; reg frank frank; reg gina gina; $TC --key "$RC_TMP/gina" req '{"cmd":"register"}'
	reg alice x)"
rc_server_stop

printf 'SHA256:short\n' >"$RC_TMP/bad-allowed"
status=0
"$top_builddir/server/rsa-chat-server" -c /dev/null --key "$RC_TMP/server.key" --port 0 \
	--allowed-keys "$RC_TMP/bad-allowed" 2>"$RC_TMP/bad.log" || status=$?
rc_expect "a bad allowed-keys file stops the server" 1 "$status"
grep -q "bad-allowed:1: want a fingerprint" "$RC_TMP/bad.log" || rc_fail "the line is not named: $(cat "$RC_TMP/bad.log")"
echo "ok - bad allowed-keys file"
