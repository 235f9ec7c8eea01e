-- Sign-in sessions. `id` is the SHA-256 (hex) of the token in the session cookie: the
-- database never holds a usable token.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY CHECK (length(id) = 64),
    user_id       BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    remember      INTEGER NOT NULL DEFAULT 0 CHECK (remember IN (0, 1)),
    ip            TEXT,
    user_agent    TEXT
) STRICT;
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
