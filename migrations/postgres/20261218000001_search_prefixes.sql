-- What a search finds by its start, a btree finds by range: the trigram indexes cannot tell a
-- prefix from a match anywhere, and each of their scans over 300k contacts costs ~1–2 ms
-- (100k organizations, a rep's search):
-- - "email starts with": for `aisha's`, 72 of a rep's contacts' emails shared its trigrams and
--   none started with it (1.7 ms of a 3.7 ms statement, read and thrown away); by range 0.01 ms.
-- - "name starts with" (the first of many matches, and queries too short for trigrams): 4.0 →
--   0.4 ms for `maria`.
-- `text_pattern_ops` lets `LIKE 'prefix%'` use a btree whatever the database's collation. The
-- rep first, for a rep's search; the email alone for a manager's search and the import's
-- look-up by email (equality uses it alike), in place of the collation's index.
DROP INDEX organizations_email_trgm_idx;
DROP INDEX contacts_email_trgm_idx;
CREATE INDEX organizations_email_prefix_idx ON organizations (assigned_user_id, email text_pattern_ops)
    WHERE deleted_at IS NULL AND email IS NOT NULL;
CREATE INDEX contacts_email_prefix_idx ON contacts (assigned_user_id, email text_pattern_ops)
    WHERE deleted_at IS NULL AND email IS NOT NULL;
DROP INDEX organizations_email_idx;
CREATE INDEX organizations_email_idx ON organizations (email text_pattern_ops) WHERE deleted_at IS NULL AND email IS NOT NULL;
DROP INDEX contacts_email_idx;
CREATE INDEX contacts_email_idx ON contacts (email text_pattern_ops) WHERE deleted_at IS NULL AND email IS NOT NULL;
CREATE INDEX organizations_name_prefix_idx ON organizations (assigned_user_id, name_search text_pattern_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_name_prefix_idx ON contacts (assigned_user_id, name_search text_pattern_ops)
    WHERE deleted_at IS NULL;
