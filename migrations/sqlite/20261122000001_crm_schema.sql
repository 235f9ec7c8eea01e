-- Kitchen Pantry CRM schema (SQLite). migrations/postgres holds the same schema for PostgreSQL;
-- the two must keep the same meaning. Codes are checked here so a bad value cannot be stored by
-- any path. Every record has id (chosen by its creator), created/updated at/by, deleted_at for
-- soft delete, and version (bumped on every write, used for offline conflicts).
-- Tables are STRICT: ids are 16-byte BLOBs, times RFC 3339 UTC TEXT as sqlx writes them (so they
-- sort in time order), dates YYYY-MM-DD TEXT, booleans 0/1, JSON checked TEXT.

CREATE TABLE users (
    id                  BLOB PRIMARY KEY CHECK (length(id) = 16),
    email               TEXT NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    full_name           TEXT NOT NULL CHECK (length(full_name) BETWEEN 1 AND 120),
    role                TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'sales_rep', 'read_only')),
    manager_id          BLOB REFERENCES users (id),
    territory           TEXT,
    password_hash       TEXT,
    is_active           INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    failed_login_count  INTEGER NOT NULL DEFAULT 0 CHECK (failed_login_count >= 0),
    locked_until        TEXT,
    last_login_at       TEXT,
    preferences         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(preferences)),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    created_by          BLOB REFERENCES users (id),
    updated_by          BLOB REFERENCES users (id),
    deleted_at          TEXT,
    version             INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)
) STRICT;
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE organizations (
    id                    BLOB PRIMARY KEY CHECK (length(id) = 16),
    name                  TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_search           TEXT NOT NULL,
    priority              TEXT NOT NULL DEFAULT 'C' CHECK (priority IN ('A', 'B', 'C', 'D')),
    segment               TEXT CHECK (segment IN ('fine_dining', 'fast_food', 'healthcare', 'education',
                              'corporate_catering', 'hospitality', 'casual_dining', 'institutional', 'other')),
    kind                  TEXT NOT NULL DEFAULT 'prospect'
                              CHECK (kind IN ('prospect', 'customer', 'distributor', 'principal')),
    phone                 TEXT,
    email                 TEXT,
    website               TEXT,
    street                TEXT,
    city                  TEXT,
    region                TEXT,
    postal_code           TEXT,
    country               TEXT,
    annual_revenue_cents  INTEGER CHECK (annual_revenue_cents >= 0),
    distributor           TEXT,
    assigned_user_id      BLOB REFERENCES users (id),
    notes                 TEXT,
    tags                  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    last_interaction_at   TEXT,
    next_follow_up_at     TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    created_by            BLOB REFERENCES users (id),
    updated_by            BLOB REFERENCES users (id),
    deleted_at            TEXT,
    version               INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)
) STRICT;
-- The list's sorts and filters, each ending in the name so a filtered list is read in order.
CREATE INDEX organizations_name_idx ON organizations (name_search, id) WHERE deleted_at IS NULL;
CREATE INDEX organizations_assigned_idx ON organizations (assigned_user_id, name_search) WHERE deleted_at IS NULL;
CREATE INDEX organizations_priority_idx ON organizations (priority, name_search) WHERE deleted_at IS NULL;
CREATE INDEX organizations_segment_idx ON organizations (segment, name_search) WHERE deleted_at IS NULL;
CREATE INDEX organizations_city_idx ON organizations (city, name_search) WHERE deleted_at IS NULL;
-- "A accounts not visited in 30 days" per rep, and follow-ups due.
CREATE INDEX organizations_last_interaction_idx ON organizations (assigned_user_id, last_interaction_at)
    WHERE deleted_at IS NULL;
CREATE INDEX organizations_follow_up_idx ON organizations (next_follow_up_at)
    WHERE deleted_at IS NULL AND next_follow_up_at IS NOT NULL;
-- Delta sync reads changes (deletions included) since a cursor.
CREATE INDEX organizations_updated_idx ON organizations (updated_at, id);

CREATE TABLE contacts (
    id                        BLOB PRIMARY KEY CHECK (length(id) = 16),
    organization_id           BLOB NOT NULL REFERENCES organizations (id),
    first_name                TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 120),
    last_name                 TEXT,
    name_search               TEXT NOT NULL,
    position                  TEXT CHECK (position IN ('executive_chef', 'chef', 'buyer', 'owner', 'general_manager',
                                  'kitchen_manager', 'food_beverage_director', 'purchasing_manager', 'other')),
    email                     TEXT,
    phone                     TEXT,
    mobile                    TEXT,
    is_primary                INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    is_decision_maker         INTEGER NOT NULL DEFAULT 0 CHECK (is_decision_maker IN (0, 1)),
    preferred_contact_method  TEXT CHECK (preferred_contact_method IN ('email', 'phone', 'text', 'in_person')),
    notes                     TEXT,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL,
    created_by                BLOB REFERENCES users (id),
    updated_by                BLOB REFERENCES users (id),
    deleted_at                TEXT,
    version                   INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)
) STRICT;
CREATE INDEX contacts_organization_idx ON contacts (organization_id, is_primary DESC, name_search)
    WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX contacts_one_primary_key ON contacts (organization_id) WHERE is_primary AND deleted_at IS NULL;
CREATE INDEX contacts_name_idx ON contacts (name_search) WHERE deleted_at IS NULL;
CREATE INDEX contacts_email_idx ON contacts (email) WHERE deleted_at IS NULL AND email IS NOT NULL;
CREATE INDEX contacts_updated_idx ON contacts (updated_at, id);

CREATE TABLE opportunities (
    id                     BLOB PRIMARY KEY CHECK (length(id) = 16),
    organization_id        BLOB NOT NULL REFERENCES organizations (id),
    primary_contact_id     BLOB REFERENCES contacts (id),
    owner_id               BLOB NOT NULL REFERENCES users (id),
    name                   TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    stage                  TEXT NOT NULL DEFAULT 'prospecting' CHECK (stage IN ('prospecting', 'qualification',
                               'proposal', 'negotiation', 'closed_won', 'closed_lost')),
    stage_entered_at       TEXT NOT NULL,
    probability            INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    estimated_value_cents  INTEGER CHECK (estimated_value_cents >= 0),
    expected_close_date    TEXT,
    actual_close_date      TEXT,
    close_reason           TEXT CHECK (close_reason IN ('relationship', 'product_quality', 'price', 'timing', 'other',
                               'price_too_high', 'competitor', 'product_fit', 'no_response')),
    principal              TEXT,
    notes                  TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    created_by             BLOB REFERENCES users (id),
    updated_by             BLOB REFERENCES users (id),
    deleted_at             TEXT,
    version                INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- A closed deal has its reason and date; an open one has neither.
    CHECK ((stage IN ('closed_won', 'closed_lost')) = (close_reason IS NOT NULL AND actual_close_date IS NOT NULL))
) STRICT;
CREATE INDEX opportunities_organization_idx ON opportunities (organization_id) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_owner_stage_idx ON opportunities (owner_id, stage) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_stage_idx ON opportunities (stage, expected_close_date) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_closed_idx ON opportunities (actual_close_date)
    WHERE deleted_at IS NULL AND actual_close_date IS NOT NULL;
CREATE INDEX opportunities_updated_idx ON opportunities (updated_at, id);

CREATE TABLE opportunity_stage_changes (
    id              BLOB PRIMARY KEY CHECK (length(id) = 16),
    opportunity_id  BLOB NOT NULL REFERENCES opportunities (id),
    from_stage      TEXT,
    to_stage        TEXT NOT NULL,
    changed_by      BLOB REFERENCES users (id),
    changed_at      TEXT NOT NULL
) STRICT;
CREATE INDEX opportunity_stage_changes_idx ON opportunity_stage_changes (opportunity_id, changed_at);

CREATE TABLE interactions (
    id                BLOB PRIMARY KEY CHECK (length(id) = 16),
    organization_id   BLOB NOT NULL REFERENCES organizations (id),
    contact_id        BLOB REFERENCES contacts (id),
    user_id           BLOB NOT NULL REFERENCES users (id),
    opportunity_id    BLOB REFERENCES opportunities (id),
    kind              TEXT NOT NULL CHECK (kind IN ('visit', 'call', 'email', 'meeting', 'demo', 'tasting',
                          'proposal', 'follow_up')),
    occurred_at       TEXT NOT NULL,
    duration_minutes  INTEGER CHECK (duration_minutes BETWEEN 0 AND 1440),
    subject           TEXT,
    notes             TEXT,
    outcome           TEXT CHECK (outcome IN ('positive', 'neutral', 'negative', 'follow_up_needed', 'order_placed',
                          'no_interest')),
    follow_up_at      TEXT,
    follow_up_notes   TEXT,
    follow_up_done    INTEGER NOT NULL DEFAULT 0 CHECK (follow_up_done IN (0, 1)),
    latitude          REAL CHECK (latitude BETWEEN -90 AND 90),
    longitude         REAL CHECK (longitude BETWEEN -180 AND 180),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    created_by        BLOB REFERENCES users (id),
    updated_by        BLOB REFERENCES users (id),
    deleted_at        TEXT,
    version           INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)
) STRICT;
CREATE INDEX interactions_organization_idx ON interactions (organization_id, occurred_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX interactions_user_idx ON interactions (user_id, occurred_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX interactions_occurred_idx ON interactions (occurred_at) WHERE deleted_at IS NULL;
CREATE INDEX interactions_follow_up_idx ON interactions (user_id, follow_up_at)
    WHERE deleted_at IS NULL AND follow_up_at IS NOT NULL AND NOT follow_up_done;
CREATE INDEX interactions_opportunity_idx ON interactions (opportunity_id, occurred_at)
    WHERE deleted_at IS NULL AND opportunity_id IS NOT NULL;
CREATE INDEX interactions_updated_idx ON interactions (updated_at, id);

-- Written in the same transaction as the change it describes.
CREATE TABLE audit_log (
    id          BLOB PRIMARY KEY CHECK (length(id) = 16),
    entity      TEXT NOT NULL,
    entity_id   BLOB NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore')),
    changes     TEXT NOT NULL CHECK (json_valid(changes)),
    user_id     BLOB REFERENCES users (id),
    at          TEXT NOT NULL,
    ip          TEXT,
    user_agent  TEXT
) STRICT;
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, at);

-- The idempotency record of offline operations: an op_id is applied once.
CREATE TABLE applied_ops (
    op_id       BLOB PRIMARY KEY CHECK (length(op_id) = 16),
    user_id     BLOB NOT NULL REFERENCES users (id),
    entity      TEXT NOT NULL,
    entity_id   BLOB NOT NULL,
    result      TEXT NOT NULL CHECK (json_valid(result)),
    applied_at  TEXT NOT NULL
) STRICT;
CREATE INDEX applied_ops_user_idx ON applied_ops (user_id, applied_at);
