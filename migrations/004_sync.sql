-- What the sync extension (issue 12) queries: a user's incoming messages
-- after an id (wait_messages) and the newest of them (last_message_id).
-- Pages of one conversation (get_messages with before_id/after_id/limit)
-- walk message_history_idx of 002 like the full history.
--
-- Safe on a database holding the original's rows: only indexes are added,
-- nothing is rewritten, and the original server's inserts keep working
-- (they fill the indexes like any other row). self_copy may be NULL in rows
-- written by hand; the predicates match the queries' "IS NOT TRUE"/"IS TRUE".
-- Each migration is one transaction, so these are not built CONCURRENTLY:
-- inserts into message wait while they are built (seconds per million rows).
CREATE INDEX IF NOT EXISTS message_receiver_id_idx ON message (receiver, id) WHERE self_copy IS NOT TRUE;
CREATE INDEX IF NOT EXISTS message_sender_self_copy_id_idx ON message (sender, id) WHERE self_copy IS TRUE;
