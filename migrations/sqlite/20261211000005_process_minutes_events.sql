-- The events alert rules count, per minute and instance, so the instance leading the alert
-- rounds judges every instance's: failed sign-ins, database errors, offline changes the
-- server refused, errors in users' browsers.
ALTER TABLE process_minutes ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE process_minutes ADD COLUMN database_errors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE process_minutes ADD COLUMN sync_rejected INTEGER NOT NULL DEFAULT 0;
ALTER TABLE process_minutes ADD COLUMN client_errors INTEGER NOT NULL DEFAULT 0;
