-- Sign-in sessions. `id` is the SHA-256 (hex) of the token in the session cookie: the
-- database never holds a usable token.
CREATE TABLE sessions (
    id            text PRIMARY KEY CHECK (length(id) = 64),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    remember      boolean NOT NULL DEFAULT FALSE,
    ip            text,
    user_agent    text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
