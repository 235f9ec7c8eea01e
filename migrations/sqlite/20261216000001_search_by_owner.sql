-- Each owner's search documents get a rowid range of their own: (the owner's slot << 32) + n,
-- slot 0 for accounts no one is assigned. A rep's search then reads only the part of each
-- trigram's doclist in the rep's range (FTS5 seeks to a rowid range) instead of every
-- account's: a common word, `kitchen`, matched 18,899 documents at 100k organizations and
-- took 11 ms; the seeded rep's own 973 take 0.7 ms. A document moves to its new owner's range
-- when its account is reassigned.
CREATE TABLE search_owners (
    slot  INTEGER PRIMARY KEY AUTOINCREMENT,
    owner BLOB NOT NULL UNIQUE
) STRICT;

INSERT INTO search_owners (owner) SELECT DISTINCT owner FROM search_docs WHERE owner IS NOT NULL ORDER BY owner;

-- Renumbered in two steps, so that no new number meets an old one on the way.
UPDATE search_docs SET doc = -doc;
UPDATE search_docs SET doc = renumbered.doc
FROM (
    SELECT d.doc AS old, (coalesce(o.slot, 0) << 32) + row_number() OVER (PARTITION BY o.slot ORDER BY -d.doc) AS doc
    FROM search_docs d LEFT JOIN search_owners o ON o.owner = d.owner
) renumbered
WHERE search_docs.doc = renumbered.old;

INSERT INTO search_index (search_index) VALUES ('delete-all');
INSERT INTO search_index (rowid, name, place, email, phone)
    SELECT d.doc, o.name_search, lower(trim(coalesce(o.city, '') || ' ' || coalesce(o.region, ''))),
           coalesce(o.email, ''), replace(coalesce(o.phone, ''), '+', '')
    FROM organizations o JOIN search_docs d ON d.ref = o.id WHERE o.deleted_at IS NULL
    ORDER BY d.doc;
INSERT INTO search_index (rowid, name, place, email, phone)
    SELECT d.doc, c.name_search, '', coalesce(c.email, ''),
           trim(replace(coalesce(c.phone, '') || ' ' || coalesce(c.mobile, ''), '+', ''))
    FROM contacts c JOIN search_docs d ON d.ref = c.id WHERE c.deleted_at IS NULL
    ORDER BY d.doc;
INSERT INTO search_index (search_index) VALUES ('optimize');

-- The next free number in each owner's range (the triggers pick one with `WHERE owner IS …`);
-- accounts no one is assigned take slot 0.
CREATE VIEW search_next_doc AS
SELECT owners.owner,
       coalesce((SELECT d.doc FROM search_docs d WHERE d.doc BETWEEN owners.base AND owners.base + 4294967295
                 ORDER BY d.doc DESC LIMIT 1), owners.base) + 1 AS doc
FROM (SELECT owner, slot << 32 AS base FROM search_owners UNION ALL SELECT NULL, 0) owners;

DROP TRIGGER organizations_search_insert;
CREATE TRIGGER organizations_search_insert AFTER INSERT ON organizations BEGIN
    INSERT OR IGNORE INTO search_owners (owner) SELECT NEW.assigned_user_id WHERE NEW.assigned_user_id IS NOT NULL;
    INSERT INTO search_docs (doc, entity, ref, owner)
        SELECT doc, 'organization', NEW.id, NEW.assigned_user_id FROM search_next_doc WHERE owner IS NEW.assigned_user_id;
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT doc, NEW.name_search, lower(trim(coalesce(NEW.city, '') || ' ' || coalesce(NEW.region, ''))),
               coalesce(NEW.email, ''), replace(coalesce(NEW.phone, ''), '+', '')
        FROM search_docs WHERE ref = NEW.id AND NEW.deleted_at IS NULL;
END;

-- A reassigned account moves, with its live contacts, to the new owner's range: out of the
-- index, renumbered, back in.
DROP TRIGGER organizations_search_owner;
CREATE TRIGGER organizations_search_owner AFTER UPDATE OF assigned_user_id ON organizations
WHEN OLD.assigned_user_id IS NOT NEW.assigned_user_id BEGIN
    INSERT OR IGNORE INTO search_owners (owner) SELECT NEW.assigned_user_id WHERE NEW.assigned_user_id IS NOT NULL;
    DELETE FROM search_index WHERE rowid IN (
        SELECT doc FROM search_docs
        WHERE ref = NEW.id OR ref IN (SELECT id FROM contacts WHERE organization_id = NEW.id AND deleted_at IS NULL)
    );
    UPDATE search_docs SET owner = NEW.assigned_user_id, doc = moved.doc
    FROM (
        SELECT d.ref, next.doc - 1 + row_number() OVER (ORDER BY d.doc) AS doc
        FROM search_docs d, (SELECT doc FROM search_next_doc WHERE owner IS NEW.assigned_user_id) next
        WHERE d.ref = NEW.id OR d.ref IN (SELECT id FROM contacts WHERE organization_id = NEW.id AND deleted_at IS NULL)
    ) moved
    WHERE search_docs.ref = moved.ref;
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT doc, NEW.name_search, lower(trim(coalesce(NEW.city, '') || ' ' || coalesce(NEW.region, ''))),
               coalesce(NEW.email, ''), replace(coalesce(NEW.phone, ''), '+', '')
        FROM search_docs WHERE ref = NEW.id AND NEW.deleted_at IS NULL;
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT d.doc, c.name_search, '', coalesce(c.email, ''),
               trim(replace(coalesce(c.phone, '') || ' ' || coalesce(c.mobile, ''), '+', ''))
        FROM contacts c JOIN search_docs d ON d.ref = c.id WHERE c.organization_id = NEW.id AND c.deleted_at IS NULL;
END;

DROP TRIGGER contacts_search_insert;
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT OR IGNORE INTO search_owners (owner)
        SELECT assigned_user_id FROM organizations WHERE id = NEW.organization_id AND assigned_user_id IS NOT NULL;
    INSERT INTO search_docs (doc, entity, ref, owner)
        SELECT doc, 'contact', NEW.id, owner FROM search_next_doc
        WHERE owner IS (SELECT assigned_user_id FROM organizations WHERE id = NEW.organization_id);
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT doc, NEW.name_search, '', coalesce(NEW.email, ''),
               trim(replace(coalesce(NEW.phone, '') || ' ' || coalesce(NEW.mobile, ''), '+', ''))
        FROM search_docs WHERE ref = NEW.id AND NEW.deleted_at IS NULL;
END;

-- A contact moved to another account, or restored (a deleted one missed its account's
-- reassignments), moves to its owner's range when the owner differs.
DROP TRIGGER contacts_search_owner;
CREATE TRIGGER contacts_search_owner AFTER UPDATE OF organization_id, deleted_at ON contacts
WHEN (SELECT owner FROM search_docs WHERE ref = NEW.id)
    IS NOT (SELECT assigned_user_id FROM organizations WHERE id = NEW.organization_id) BEGIN
    INSERT OR IGNORE INTO search_owners (owner)
        SELECT assigned_user_id FROM organizations WHERE id = NEW.organization_id AND assigned_user_id IS NOT NULL;
    DELETE FROM search_index WHERE rowid = (SELECT doc FROM search_docs WHERE ref = NEW.id);
    UPDATE search_docs SET (doc, owner) = (
        SELECT doc, owner FROM search_next_doc
        WHERE owner IS (SELECT assigned_user_id FROM organizations WHERE id = NEW.organization_id)
    ) WHERE ref = NEW.id;
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT doc, NEW.name_search, '', coalesce(NEW.email, ''),
               trim(replace(coalesce(NEW.phone, '') || ' ' || coalesce(NEW.mobile, ''), '+', ''))
        FROM search_docs WHERE ref = NEW.id AND NEW.deleted_at IS NULL;
END;
