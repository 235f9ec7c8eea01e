-- Today's "accounts to visit": a rep's A-priority accounts not visited lately, and how many.
-- Through organizations_last_interaction_idx that read each of the rep's accounts (5,000 at
-- 100k organizations) to check its priority, on every home page (1.3 ms and 1.2 ms of SQLite
-- time for the list and the count); with the priority in the index it reads the A accounts'
-- entries only, and the count never reads the table (0.12 ms and 0.06 ms).
CREATE INDEX organizations_to_visit_idx ON organizations (assigned_user_id, priority, last_interaction_at)
    WHERE deleted_at IS NULL;
