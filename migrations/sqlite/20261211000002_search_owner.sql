-- Each search document carries its owner: an organization's assigned rep, and a contact's,
-- through its organization. A rep's search then filters the full-text matches by a column of
-- the row it reads for each match anyway. Before, every search of a rep built the list of
-- all of the rep's organizations and contacts (20,000 rows for a rep with 5,000 accounts),
-- and a contacts index it could not use made that a scan of every contact: seconds at 100k
-- organizations. The owner only narrows the candidates; who may see a record is checked
-- again on the records themselves.
ALTER TABLE search_docs ADD COLUMN owner BLOB;

UPDATE search_docs SET owner = (SELECT assigned_user_id FROM organizations WHERE id = search_docs.ref)
    WHERE entity = 'organization';
UPDATE search_docs SET owner = (
    SELECT o.assigned_user_id FROM contacts c JOIN organizations o ON o.id = c.organization_id
    WHERE c.id = search_docs.ref
) WHERE entity = 'contact';

DROP TRIGGER organizations_search_insert;
CREATE TRIGGER organizations_search_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO search_docs (entity, ref, owner) VALUES ('organization', NEW.id, NEW.assigned_user_id);
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT doc, NEW.name_search, lower(trim(coalesce(NEW.city, '') || ' ' || coalesce(NEW.region, ''))),
               coalesce(NEW.email, ''), replace(coalesce(NEW.phone, ''), '+', '')
        FROM search_docs WHERE ref = NEW.id AND NEW.deleted_at IS NULL;
END;

-- A reassigned account takes its contacts along.
CREATE TRIGGER organizations_search_owner AFTER UPDATE OF assigned_user_id ON organizations BEGIN
    UPDATE search_docs SET owner = NEW.assigned_user_id WHERE ref = NEW.id;
    UPDATE search_docs SET owner = NEW.assigned_user_id
        WHERE ref IN (SELECT id FROM contacts WHERE organization_id = NEW.id AND deleted_at IS NULL);
END;

DROP TRIGGER contacts_search_insert;
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO search_docs (entity, ref, owner)
        VALUES ('contact', NEW.id, (SELECT assigned_user_id FROM organizations WHERE id = NEW.organization_id));
    INSERT INTO search_index (rowid, name, place, email, phone)
        SELECT doc, NEW.name_search, '', coalesce(NEW.email, ''),
               trim(replace(coalesce(NEW.phone, '') || ' ' || coalesce(NEW.mobile, ''), '+', ''))
        FROM search_docs WHERE ref = NEW.id AND NEW.deleted_at IS NULL;
END;

-- A contact moved to another account, or restored (a deleted one missed its account's
-- reassignments).
CREATE TRIGGER contacts_search_owner AFTER UPDATE OF organization_id, deleted_at ON contacts BEGIN
    UPDATE search_docs SET owner = (SELECT assigned_user_id FROM organizations WHERE id = NEW.organization_id)
        WHERE ref = NEW.id;
END;
