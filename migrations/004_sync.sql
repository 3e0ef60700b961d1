-- What the sync extension (issue 12) queries: a user's incoming messages
-- after an id (wait_messages, last_message_id) and a page of one
-- conversation (get_messages with before_id/after_id/limit).
--
-- Safe on a database holding the original's rows: only indexes are added,
-- nothing is rewritten, and the original server's inserts keep working
-- (they fill the indexes like any other row). self_copy may be NULL in rows
-- written by hand; the predicates match the queries' "IS NOT TRUE"/"IS TRUE".
CREATE INDEX IF NOT EXISTS message_receiver_id_idx ON message (receiver, id) WHERE self_copy IS NOT TRUE;
CREATE INDEX IF NOT EXISTS message_sender_self_copy_id_idx ON message (sender, id) WHERE self_copy IS TRUE;
