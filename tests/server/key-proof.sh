#!/bin/sh
# The key proof extension (dispatch.c): with --require-key-proof, user
# commands wait for a proof; a wrong or reused answer proves nothing; a
# right one opens the whole scenario; an impostor presenting a victim's
# public key cannot prove it and cannot act as the victim. Without the
# option a client that never proves works, and the two commands still do.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start --require-key-proof
STRICT="$top_builddir/tests/server/test-client --port $RC_PORT"
STRICT_LOG=$RC_SERVER_LOG
rc_server_start
OPEN="$top_builddir/tests/server/test-client --port $RC_PORT"
for u in alice bob mallory; do
	rc_genkey 1024 "$RC_TMP/$u"
done
OK='{"state":"ok","data":'
ERR='{"state":"error","error":'
REQUIRED="${ERR}\"key proof required\"}"
WRONG="${ERR}\"wrong challenge\"}"
CHALLENGE="${OK}\"CHALLENGE\",\"filler\":\"FILLER\"}"
PROVE='{"cmd":"key_challenge"} {"cmd":"key_proof","challenge":"@challenge@"}'
# as SERVER WHO JSON...: one connection of WHO, answers printed.
as() {
	server=$1
	who=$2
	shift 2
	$server --key "$RC_TMP/$who" req "$@" || rc_fail "test-client failed"
}
grep -q 'clients must prove they hold their key' "$STRICT_LOG" || rc_fail "--require-key-proof is not logged"

rc_expect "unproven: user commands refused, the rest works" \
"$REQUIRED
$REQUIRED
$REQUIRED
$REQUIRED
${OK}\"pong\"}
${ERR}\"no auth\"}" \
"$(as "$STRICT" alice '{"cmd":"register","login":"alice"}' '{"cmd":"get_users"}' \
	'{"cmd":"get_messages","user":"bob"}' '{"cmd":"send_message","user":"bob","content":"x"}' \
	'{"cmd":"ping"}' '{"cmd":"nope"}')"

# No challenge yet, a malformed answer, a wrong one, and the right one
# after the wrong one used it up: none of them proves anything.
rc_expect "wrong proofs" \
"$WRONG
$CHALLENGE
$WRONG
$CHALLENGE
$WRONG
$CHALLENGE
$WRONG
$WRONG
$REQUIRED" \
"$(as "$STRICT" alice '{"cmd":"key_proof","challenge":"00"}' \
	'{"cmd":"key_challenge"}' '{"cmd":"key_proof","challenge":5}' \
	'{"cmd":"key_challenge"}' "{\"cmd\":\"key_proof\",\"challenge\":\"$(printf '%064d' 0)\"}" \
	'{"cmd":"key_challenge"}' '{"cmd":"key_proof"}' '{"cmd":"key_proof","challenge":"@challenge@"}' \
	'{"cmd":"register","login":"alice"}')"

# A new challenge replaces the old one; the proof lasts for the connection.
# shellcheck disable=SC2086 # PROVE is two words on purpose
rc_expect "bob proves and registers" \
"$CHALLENGE
$CHALLENGE
${OK}\"proven\"}
${OK}\"welcome\"}
${OK}[]}
$WRONG
${OK}[]}" \
"$(as "$STRICT" bob '{"cmd":"key_challenge"}' $PROVE '{"cmd":"register","login":"bob"}' '{"cmd":"get_users"}' \
	'{"cmd":"key_proof","challenge":"@challenge@"}' '{"cmd":"get_users"}')"

# shellcheck disable=SC2086
rc_expect "the whole scenario after proofs" \
"$CHALLENGE
${OK}\"proven\"}
${OK}\"welcome\"}
${OK}\"sent\"}
${OK}\"sent\"}
$CHALLENGE
${OK}\"proven\"}
${OK}[{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"a1\"}]}
${OK}\"sent\"}
$CHALLENGE
${OK}\"proven\"}
${OK}[{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"a1 self\"},{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"b1\"}]}" \
"$(as "$STRICT" alice $PROVE '{"cmd":"register","login":"alice"}' \
	'{"cmd":"send_message","user":"bob","content":"a1"}' \
	'{"cmd":"send_message","user":"bob","content":"a1 self","self_copy":true}'
	as "$STRICT" bob $PROVE '{"cmd":"get_messages","user":"alice"}' '{"cmd":"send_message","user":"alice","content":"b1"}'
	as "$STRICT" alice $PROVE '{"cmd":"get_messages","user":"bob"}')"

# Mallory presents alice's public key (get_users hands it out) but holds
# only her own private key: she cannot read the challenge, her answer is
# wrong, and she cannot act as alice. The answers are shown as alice's key
# reads them; mallory never uses it.
impostor() {
	$1 --key "$RC_TMP/mallory" --present "$RC_TMP/alice.pub" --witness "$RC_TMP/alice" impostor \
		'{"cmd":"send_message","user":"bob","content":"forged"}' '{"cmd":"get_messages","user":"bob"}' \
		'{"cmd":"register","login":"mallory"}' || rc_fail "test-client impostor failed"
}
rc_expect "an impostor cannot prove a key it does not hold" \
"impostor reads the challenge: no
$CHALLENGE
$WRONG
$REQUIRED
$REQUIRED
$REQUIRED" "$(impostor "$STRICT")"
rc_expect "nothing was sent as alice" 0 \
	"$(rc_psql -A -t -c "SELECT count(*) FROM message WHERE content = 'forged'")"

# Without the option the hole is there (what the option closes), and a
# client that never proves works as before.
rc_expect "without the option the impostor acts as alice" \
"impostor reads the challenge: no
$CHALLENGE
$WRONG
${OK}\"sent\"}
${OK}[{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"a1 self\"},{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"b1\"}]}
${ERR}\"already registered\",\"login\":\"alice\"}" "$(impostor "$OPEN")"
# shellcheck disable=SC2086
rc_expect "without the option: no proof needed, and proving works" \
"${OK}[{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"a1\"},{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"forged\"}]}
$CHALLENGE
${OK}\"proven\"}
${OK}\"pong\"}" \
"$(as "$OPEN" bob '{"cmd":"get_messages","user":"alice"}' $PROVE '{"cmd":"ping"}')"

# A victim whose key has e = 3 and a modulus over 2,112 bits: a challenge
# answer of one short chunk has m^3 < n, so its integer cube root was the
# challenge, and an attacker holding only the public key got "proven". The
# random filler makes every chunk holding the challenge full: the cube
# roots read nothing (shown to work on an answer without the filler), the
# proof fails, and the holder of the key still proves it.
"$top_builddir/tests/server/test-client" --port 1 small-e 2400 "$RC_TMP/carol" || rc_fail "small-e key"
rc_server_start --require-key-proof --response-chunk original
ORIGINAL="$top_builddir/tests/server/test-client --port $RC_PORT"
for server in "$STRICT" "$ORIGINAL"; do
	rc_expect "e = 3: cube roots do not read the challenge" \
"without the filler: cube root reads the challenge: yes
cube root reads the challenge: no
$CHALLENGE
$WRONG
$REQUIRED" \
	"$($server --key "$RC_TMP/carol" --present "$RC_TMP/carol.pub" --witness "$RC_TMP/carol" cuberoot \
		'{"cmd":"register","login":"carol"}')"
	# shellcheck disable=SC2086
	rc_expect "e = 3: the key's holder proves" \
"$CHALLENGE
${OK}\"proven\"}" "$(as "$server" carol $PROVE)"
done
