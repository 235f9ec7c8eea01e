-- A rep's search read every record whose text shares trigrams with the query, in the whole
-- table, and only then kept the rep's: for `aisha's` at 100k organizations, 8,183 contacts from
-- 5,185 heap pages to keep 417, and all 5,000 of the rep's organizations to keep 18 (70 ms of
-- the database's time a search). The trigram indexes now hold the account's rep beside the text
-- (btree_gin), so the index itself keeps the rep's records (11.5 ms). Each contact carries a
-- copy of its account's rep for that, as SQLite's search documents do (20261211000002). The
-- owner only narrows the candidates; who may see a record is still checked on its account.
-- A GIN index serves a query on any subset of its columns alike, so the manager's search (no
-- owner) uses the same indexes.
-- btree_gin is a trusted extension, like pg_trgm; its uuid operator class is the default one,
-- so the indexes below find it whatever the search path.
CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public;

ALTER TABLE contacts ADD COLUMN assigned_user_id uuid;
UPDATE contacts c SET assigned_user_id = o.assigned_user_id FROM organizations o WHERE o.id = c.organization_id;

-- A contact takes its account's rep when written, moved to another account, or restored (a
-- deleted contact misses its account's reassignments: see below). SET search_path FROM CURRENT:
-- the body runs in whatever schema the migration ran in (the tests use schemas of their own).
CREATE FUNCTION contacts_take_account_owner() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    NEW.assigned_user_id := (SELECT assigned_user_id FROM organizations WHERE id = NEW.organization_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER contacts_account_owner BEFORE INSERT OR UPDATE OF organization_id, deleted_at ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_take_account_owner();

-- A reassigned account takes its live contacts along (through contacts_organization_idx).
CREATE FUNCTION organizations_give_contacts_owner() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE contacts SET assigned_user_id = NEW.assigned_user_id
        WHERE organization_id = NEW.id AND deleted_at IS NULL;
    RETURN NULL;
END
$$;
CREATE TRIGGER organizations_contacts_owner AFTER UPDATE OF assigned_user_id ON organizations
    FOR EACH ROW WHEN (OLD.assigned_user_id IS DISTINCT FROM NEW.assigned_user_id)
    EXECUTE FUNCTION organizations_give_contacts_owner();

-- The same trigram indexes, the owner first.
DROP INDEX organizations_name_trgm_idx;
DROP INDEX organizations_place_trgm_idx;
DROP INDEX organizations_email_trgm_idx;
DROP INDEX organizations_phone_trgm_idx;
DROP INDEX contacts_name_trgm_idx;
DROP INDEX contacts_email_trgm_idx;
DROP INDEX contacts_phones_trgm_idx;
CREATE INDEX organizations_name_trgm_idx
    ON organizations USING gin (assigned_user_id, name_search public.gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX organizations_place_trgm_idx ON organizations
    USING gin (assigned_user_id, (lower(coalesce(city, '') || ' ' || coalesce(region, ''))) public.gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX organizations_email_trgm_idx
    ON organizations USING gin (assigned_user_id, email public.gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX organizations_phone_trgm_idx
    ON organizations USING gin (assigned_user_id, phone public.gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX contacts_name_trgm_idx
    ON contacts USING gin (assigned_user_id, name_search public.gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX contacts_email_trgm_idx
    ON contacts USING gin (assigned_user_id, email public.gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX contacts_phones_trgm_idx
    ON contacts USING gin (assigned_user_id, (coalesce(phone, '') || ' ' || coalesce(mobile, '')) public.gin_trgm_ops)
    WHERE deleted_at IS NULL;
