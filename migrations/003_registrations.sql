-- What registration rules need (issue 11): when and from which address each
-- user registered (a limit per address and hour), and the skeleton of the
-- login (look-alike logins are refused).
--
-- Safe on a database holding the original's rows: the columns are added
-- empty, and rows that existed before keep NULL ("not recorded"); only rows
-- inserted afterwards get now() by default. The original server inserts
-- (login, open_exponent, module) only, so it keeps working beside ours.
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS registered_at timestamptz;
ALTER TABLE "user" ALTER COLUMN registered_at SET DEFAULT now();
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS registered_from inet;
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS login_skeleton text;

-- Registrations of one address in the last hour.
CREATE INDEX IF NOT EXISTS user_registered_from_idx ON "user" (registered_from, registered_at);

-- A skeleton can be longer than a B-tree entry may hold (NFKC expands some
-- characters a lot): uniqueness is on its digest, as for keys in 002. Rows
-- without a skeleton (NULL: older rows) never conflict.
CREATE UNIQUE INDEX IF NOT EXISTS user_login_skeleton_key ON "user" (md5(login_skeleton));
-- The rows without a skeleton, which the server compares in C at each
-- registration: a partial index keeps that cheap when they are few.
CREATE INDEX IF NOT EXISTS user_without_skeleton_idx ON "user" (id) WHERE login_skeleton IS NULL;
