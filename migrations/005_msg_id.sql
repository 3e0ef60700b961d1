-- The exactly-once extension (issue 14): a client may name each message it
-- sends (send_message's "msg_id"), and a retry of a send whose answer was
-- lost finds its message already stored under that name.
--
-- Safe on a database holding the original's rows: a nullable column
-- without a default is added without rewriting the table, the original's
-- rows and inserts leave it NULL, and the unique index covers only named
-- rows. Two servers storing the same (sender, msg_id) at once meet in the
-- index: one row, the other insert does nothing (ON CONFLICT DO NOTHING).
ALTER TABLE message ADD COLUMN IF NOT EXISTS msg_id text;
CREATE UNIQUE INDEX IF NOT EXISTS message_sender_msg_id_key ON message (sender, msg_id) WHERE msg_id IS NOT NULL;
