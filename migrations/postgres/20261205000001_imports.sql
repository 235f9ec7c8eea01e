-- CSV imports of organizations. `file_rows` holds the checked rows of the file (JSON) for the
-- import to run from and the error report to read; `preview` the first rows the page shows,
-- so polling the progress never reads the whole file. Counters move with each batch, in the
-- batch's own transaction, so they always say what is in the database.
CREATE TABLE imports (
    id              uuid PRIMARY KEY,
    created_by      uuid NOT NULL REFERENCES users (id),
    file_name       text NOT NULL,
    status          text NOT NULL CHECK (status IN ('rejected', 'ready', 'running', 'done', 'failed')),
    message         text,
    on_duplicate    text CHECK (on_duplicate IN ('skip', 'update')),
    total_rows      bigint NOT NULL DEFAULT 0,
    new_rows        bigint NOT NULL DEFAULT 0,
    duplicate_rows  bigint NOT NULL DEFAULT 0,
    invalid_rows    bigint NOT NULL DEFAULT 0,
    processed_rows  bigint NOT NULL DEFAULT 0,
    created_count   bigint NOT NULL DEFAULT 0,
    updated_count   bigint NOT NULL DEFAULT 0,
    skipped_count   bigint NOT NULL DEFAULT 0,
    failed_count    bigint NOT NULL DEFAULT 0,
    file_rows       text NOT NULL DEFAULT '{}',
    preview         text NOT NULL DEFAULT '{}',
    failures        text NOT NULL DEFAULT '[]',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    finished_at     timestamptz
);
CREATE INDEX imports_created_idx ON imports (created_at);

-- Duplicate detection looks organizations up by their email (contacts have such an index).
CREATE INDEX organizations_email_idx ON organizations (email) WHERE deleted_at IS NULL AND email IS NOT NULL;
