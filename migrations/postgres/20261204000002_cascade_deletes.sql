-- Deleting an organization now deletes its interactions and deals with it (as it always did
-- its contacts), with the organization's deleted_at so a restore brings back exactly those.
-- Records already under a deleted organization follow the same rule.
UPDATE interactions SET deleted_at = (SELECT o.deleted_at FROM organizations o WHERE o.id = interactions.organization_id)
WHERE deleted_at IS NULL
  AND organization_id IN (SELECT id FROM organizations WHERE deleted_at IS NOT NULL);
UPDATE opportunities SET deleted_at = (SELECT o.deleted_at FROM organizations o WHERE o.id = opportunities.organization_id)
WHERE deleted_at IS NULL
  AND organization_id IN (SELECT id FROM organizations WHERE deleted_at IS NOT NULL);
