-- The outbound alert channels as administrators set them up on the alerts page (an
-- app::model::alert_channels::SavedChannels as JSON; secrets included, as in the server's
-- environment). One row; the environment's variables win where they are set.
CREATE TABLE alert_channel_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    settings TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
) STRICT;
