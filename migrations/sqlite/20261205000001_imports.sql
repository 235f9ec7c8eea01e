-- CSV imports of organizations. `file_rows` holds the checked rows of the file (JSON) for the
-- import to run from and the error report to read; `preview` the first rows the page shows,
-- so polling the progress never reads the whole file. Counters move with each batch, in the
-- batch's own transaction, so they always say what is in the database.
CREATE TABLE imports (
    id              BLOB PRIMARY KEY CHECK (length(id) = 16),
    created_by      BLOB NOT NULL REFERENCES users (id),
    file_name       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('rejected', 'ready', 'running', 'done', 'failed')),
    message         TEXT,
    on_duplicate    TEXT CHECK (on_duplicate IN ('skip', 'update')),
    total_rows      INTEGER NOT NULL DEFAULT 0,
    new_rows        INTEGER NOT NULL DEFAULT 0,
    duplicate_rows  INTEGER NOT NULL DEFAULT 0,
    invalid_rows    INTEGER NOT NULL DEFAULT 0,
    processed_rows  INTEGER NOT NULL DEFAULT 0,
    created_count   INTEGER NOT NULL DEFAULT 0,
    updated_count   INTEGER NOT NULL DEFAULT 0,
    skipped_count   INTEGER NOT NULL DEFAULT 0,
    failed_count    INTEGER NOT NULL DEFAULT 0,
    file_rows       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(file_rows)),
    preview         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(preview)),
    failures        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(failures)),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    finished_at     TEXT
) STRICT;
CREATE INDEX imports_created_idx ON imports (created_at);

-- Duplicate detection looks organizations up by their email (contacts have such an index).
CREATE INDEX organizations_email_idx ON organizations (email) WHERE deleted_at IS NULL AND email IS NOT NULL;
