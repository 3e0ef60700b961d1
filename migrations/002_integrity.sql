-- What a real server needs on top of the original schema: one user per login
-- and per key, an index for the history query, and real insert times.
--
-- An existing database may already hold duplicate logins or keys (the
-- original checked with a SELECT before its INSERT, racing with itself).
-- We never delete or merge users silently: the migration stops, lists the
-- duplicates, and leaves the database untouched (it runs in one
-- transaction) until an operator has decided which rows to keep.
DO $$
DECLARE
	dups text;
BEGIN
	SELECT string_agg(format('login %L (ids %s)', login, ids), '; ')
	  INTO dups
	  FROM (SELECT login, string_agg(id::text, ', ' ORDER BY id) AS ids
	          FROM "user" WHERE login IS NOT NULL
	         GROUP BY login HAVING count(*) > 1) AS d;
	IF dups IS NOT NULL THEN
		RAISE EXCEPTION 'duplicate logins in table "user": %', dups
			USING HINT = 'Rename or delete the extra rows by hand, then run the migration again.';
	END IF;

	SELECT string_agg(format('key of logins %s (ids %s)', logins, ids), '; ')
	  INTO dups
	  FROM (SELECT string_agg(quote_literal(login), ', ' ORDER BY id) AS logins,
	               string_agg(id::text, ', ' ORDER BY id) AS ids
	          FROM "user" WHERE open_exponent IS NOT NULL AND module IS NOT NULL
	         GROUP BY open_exponent, module HAVING count(*) > 1) AS d;
	IF dups IS NOT NULL THEN
		RAISE EXCEPTION 'one public key registered more than once in table "user": %', dups
			USING HINT = 'Delete the extra rows by hand, then run the migration again.';
	END IF;
END
$$;

CREATE UNIQUE INDEX IF NOT EXISTS user_login_key ON "user" (login);

-- A 16384-bit modulus has about 4,900 decimal digits, more than a B-tree
-- entry may hold (about 2,700 bytes), so the key's uniqueness is enforced
-- on a digest of (e, n). The server's lookup compares the digest (indexed)
-- and then the full texts, so a digest collision can only ever refuse a
-- registration, never confuse two users.
CREATE UNIQUE INDEX IF NOT EXISTS user_key_digest_key
	ON "user" (md5(open_exponent || ':' || module));

-- get_messages: (sender, receiver) pairs, self_copy, in id order.
CREATE INDEX IF NOT EXISTS message_history_idx
	ON message (sender, receiver, self_copy, id);

-- now() is the start of the transaction; clock_timestamp() is the moment of
-- the insert, so stamps follow the real order of messages.
ALTER TABLE "user" ALTER COLUMN created_on SET DEFAULT clock_timestamp();
ALTER TABLE message ALTER COLUMN created_on SET DEFAULT clock_timestamp();
