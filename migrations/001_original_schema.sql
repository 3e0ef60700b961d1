-- The original rsa-chat server's schema, unchanged, so that this server can
-- take over an existing deployment: IF NOT EXISTS keeps existing tables and
-- rows as they are.
CREATE TABLE IF NOT EXISTS "user" (
	id serial PRIMARY KEY,
	login varchar(255),
	open_exponent text,
	module text,
	created_on timestamp DEFAULT now()
);

CREATE TABLE IF NOT EXISTS message (
	id serial PRIMARY KEY,
	content text,
	sender varchar(255),
	receiver varchar(255),
	created_on timestamp DEFAULT now(),
	self_copy boolean DEFAULT false
);
