-- The events alert rules count, per minute and instance, so the instance leading the alert
-- rounds judges every instance's: failed sign-ins, database errors, offline changes the
-- server refused, errors in users' browsers.
ALTER TABLE process_minutes ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE process_minutes ADD COLUMN database_errors BIGINT NOT NULL DEFAULT 0;
ALTER TABLE process_minutes ADD COLUMN sync_rejected BIGINT NOT NULL DEFAULT 0;
ALTER TABLE process_minutes ADD COLUMN client_errors BIGINT NOT NULL DEFAULT 0;
