-- One search box for organizations and contacts: trigram indexes (pg_trgm) on what a rep
-- types — names (word similarity, so a misspelt word still matches), the city, the email
-- and the phone digits. The extension lives in `public` and is named with its schema, so
-- the queries work whatever the search path (the tests use a schema of their own).
-- pg_trgm is a trusted extension: a database owner may create it without being superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE INDEX organizations_name_trgm_idx ON organizations USING gin (name_search public.gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX organizations_place_trgm_idx
    ON organizations USING gin ((lower(coalesce(city, '') || ' ' || coalesce(region, ''))) public.gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX organizations_email_trgm_idx ON organizations USING gin (email public.gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX organizations_phone_trgm_idx ON organizations USING gin (phone public.gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_name_trgm_idx ON contacts USING gin (name_search public.gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_email_trgm_idx ON contacts USING gin (email public.gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_phones_trgm_idx
    ON contacts USING gin ((coalesce(phone, '') || ' ' || coalesce(mobile, '')) public.gin_trgm_ops)
    WHERE deleted_at IS NULL;
