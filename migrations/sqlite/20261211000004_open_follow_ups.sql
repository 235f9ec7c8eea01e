-- Each write of an interaction recomputes its account's next follow-up: the earliest open
-- follow-up of the account. Without this index that read every interaction of the account
-- (an account with years of visits slowed each quick log there). Open follow-ups only: few.
CREATE INDEX interactions_open_follow_up_idx ON interactions (organization_id, follow_up_at)
    WHERE deleted_at IS NULL AND follow_up_at IS NOT NULL AND NOT follow_up_done;
