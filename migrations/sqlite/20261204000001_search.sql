-- One search box for organizations and contacts: a trigram full-text index (FTS5) of what a
-- rep types — the name, the place, the email, the phone digits. Trigrams match any part of a
-- word, and a query made of a misspelt word's trigrams still finds it (typo tolerance).
-- search_docs gives every record a stable integer document id (the FTS rowid; a table's own
-- rowid may change on VACUUM). Triggers keep the index in step with every path that writes.

CREATE TABLE search_docs (
    doc     INTEGER PRIMARY KEY,
    entity  TEXT NOT NULL CHECK (entity IN ('organization', 'contact')),
    ref     BLOB NOT NULL UNIQUE CHECK (length(ref) = 16)
) STRICT;

CREATE VIRTUAL TABLE search_index USING fts5(
    name, place, email, phone,
    content = '', contentless_delete = 1, tokenize = 'trigram'
);

-- Organizations: the name, city and region, email, phone digits.
CREATE TRIGGER organizations_search_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO search_docs (entity, ref) VALUES ('organization', NEW.id);
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT doc, NEW.name_search, lower(trim(coalesce(NEW.city, '') || ' ' || coalesce(NEW.region, ''))),
               coalesce(NEW.email, ''), replace(coalesce(NEW.phone, ''), '+', '')
        FROM search_docs WHERE ref = NEW.id AND NEW.deleted_at IS NULL;
END;

CREATE TRIGGER organizations_search_update
AFTER UPDATE OF name_search, city, region, email, phone, deleted_at ON organizations BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc FROM search_docs WHERE ref = OLD.id);
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT doc, NEW.name_search, lower(trim(coalesce(NEW.city, '') || ' ' || coalesce(NEW.region, ''))),
               coalesce(NEW.email, ''), replace(coalesce(NEW.phone, ''), '+', '')
        FROM search_docs WHERE ref = NEW.id AND NEW.deleted_at IS NULL;
END;

CREATE TRIGGER organizations_search_delete AFTER DELETE ON organizations BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc FROM search_docs WHERE ref = OLD.id);
    DELETE FROM search_docs WHERE ref = OLD.id;
END;

-- Contacts: the full name, email, phone and mobile digits.
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO search_docs (entity, ref) VALUES ('contact', NEW.id);
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT doc, NEW.name_search, '', coalesce(NEW.email, ''),
               trim(replace(coalesce(NEW.phone, '') || ' ' || coalesce(NEW.mobile, ''), '+', ''))
        FROM search_docs WHERE ref = NEW.id AND NEW.deleted_at IS NULL;
END;

CREATE TRIGGER contacts_search_update
AFTER UPDATE OF name_search, email, phone, mobile, deleted_at ON contacts BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc FROM search_docs WHERE ref = OLD.id);
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT doc, NEW.name_search, '', coalesce(NEW.email, ''),
               trim(replace(coalesce(NEW.phone, '') || ' ' || coalesce(NEW.mobile, ''), '+', ''))
        FROM search_docs WHERE ref = NEW.id AND NEW.deleted_at IS NULL;
END;

CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc FROM search_docs WHERE ref = OLD.id);
    DELETE FROM search_docs WHERE ref = OLD.id;
END;

-- What exists already.
INSERT INTO search_docs (entity, ref) SELECT 'organization', id FROM organizations;
INSERT INTO search_docs (entity, ref) SELECT 'contact', id FROM contacts;
INSERT INTO search_index (rowid, name, place, email, phone)
    SELECT d.doc, o.name_search, lower(trim(coalesce(o.city, '') || ' ' || coalesce(o.region, ''))),
           coalesce(o.email, ''), replace(coalesce(o.phone, ''), '+', '')
    FROM organizations o JOIN search_docs d ON d.ref = o.id WHERE o.deleted_at IS NULL;
INSERT INTO search_index (rowid, name, place, email, phone)
    SELECT d.doc, c.name_search, '', coalesce(c.email, ''),
           trim(replace(coalesce(c.phone, '') || ' ' || coalesce(c.mobile, ''), '+', ''))
    FROM contacts c JOIN search_docs d ON d.ref = c.id WHERE c.deleted_at IS NULL;
