-- Kitchen Pantry CRM schema (PostgreSQL). migrations/sqlite holds the same schema for SQLite;
-- the two must keep the same meaning. Codes are checked here so a bad value cannot be stored by
-- any path. Every record has id (chosen by its creator), created/updated at/by, deleted_at for
-- soft delete, and version (bumped on every write, used for offline conflicts).

CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    email               text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    full_name           text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 120),
    role                text NOT NULL CHECK (role IN ('admin', 'manager', 'sales_rep', 'read_only')),
    manager_id          uuid REFERENCES users (id),
    territory           text,
    password_hash       text,
    is_active           boolean NOT NULL DEFAULT TRUE,
    failed_login_count  integer NOT NULL DEFAULT 0 CHECK (failed_login_count >= 0),
    locked_until        timestamptz,
    last_login_at       timestamptz,
    preferences         jsonb NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    created_by          uuid REFERENCES users (id),
    updated_by          uuid REFERENCES users (id),
    deleted_at          timestamptz,
    version             bigint NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE organizations (
    id                    uuid PRIMARY KEY,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_search           text NOT NULL,
    priority              text NOT NULL DEFAULT 'C' CHECK (priority IN ('A', 'B', 'C', 'D')),
    segment               text CHECK (segment IN ('fine_dining', 'fast_food', 'healthcare', 'education',
                              'corporate_catering', 'hospitality', 'casual_dining', 'institutional', 'other')),
    kind                  text NOT NULL DEFAULT 'prospect'
                              CHECK (kind IN ('prospect', 'customer', 'distributor', 'principal')),
    phone                 text,
    email                 text,
    website               text,
    street                text,
    city                  text,
    region                text,
    postal_code           text,
    country               text,
    annual_revenue_cents  bigint CHECK (annual_revenue_cents >= 0),
    distributor           text,
    assigned_user_id      uuid REFERENCES users (id),
    notes                 text,
    tags                  jsonb NOT NULL DEFAULT '[]',
    last_interaction_at   timestamptz,
    next_follow_up_at     timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    created_by            uuid REFERENCES users (id),
    updated_by            uuid REFERENCES users (id),
    deleted_at            timestamptz,
    version               bigint NOT NULL DEFAULT 1 CHECK (version >= 1)
);
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
    id                        uuid PRIMARY KEY,
    organization_id           uuid NOT NULL REFERENCES organizations (id),
    first_name                text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 120),
    last_name                 text,
    name_search               text NOT NULL,
    position                  text CHECK (position IN ('executive_chef', 'chef', 'buyer', 'owner', 'general_manager',
                                  'kitchen_manager', 'food_beverage_director', 'purchasing_manager', 'other')),
    email                     text,
    phone                     text,
    mobile                    text,
    is_primary                boolean NOT NULL DEFAULT FALSE,
    is_decision_maker         boolean NOT NULL DEFAULT FALSE,
    preferred_contact_method  text CHECK (preferred_contact_method IN ('email', 'phone', 'text', 'in_person')),
    notes                     text,
    created_at                timestamptz NOT NULL,
    updated_at                timestamptz NOT NULL,
    created_by                uuid REFERENCES users (id),
    updated_by                uuid REFERENCES users (id),
    deleted_at                timestamptz,
    version                   bigint NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX contacts_organization_idx ON contacts (organization_id, is_primary DESC, name_search)
    WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX contacts_one_primary_key ON contacts (organization_id) WHERE is_primary AND deleted_at IS NULL;
CREATE INDEX contacts_name_idx ON contacts (name_search) WHERE deleted_at IS NULL;
CREATE INDEX contacts_email_idx ON contacts (email) WHERE deleted_at IS NULL AND email IS NOT NULL;
CREATE INDEX contacts_updated_idx ON contacts (updated_at, id);

CREATE TABLE opportunities (
    id                     uuid PRIMARY KEY,
    organization_id        uuid NOT NULL REFERENCES organizations (id),
    primary_contact_id     uuid REFERENCES contacts (id),
    owner_id               uuid NOT NULL REFERENCES users (id),
    name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    stage                  text NOT NULL DEFAULT 'prospecting' CHECK (stage IN ('prospecting', 'qualification',
                               'proposal', 'negotiation', 'closed_won', 'closed_lost')),
    stage_entered_at       timestamptz NOT NULL,
    probability            integer NOT NULL CHECK (probability BETWEEN 0 AND 100),
    estimated_value_cents  bigint CHECK (estimated_value_cents >= 0),
    expected_close_date    date,
    actual_close_date      date,
    close_reason           text CHECK (close_reason IN ('relationship', 'product_quality', 'price', 'timing', 'other',
                               'price_too_high', 'competitor', 'product_fit', 'no_response')),
    principal              text,
    notes                  text,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    created_by             uuid REFERENCES users (id),
    updated_by             uuid REFERENCES users (id),
    deleted_at             timestamptz,
    version                bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- A closed deal has its reason and date; an open one has neither.
    CHECK ((stage IN ('closed_won', 'closed_lost')) = (close_reason IS NOT NULL AND actual_close_date IS NOT NULL))
);
CREATE INDEX opportunities_organization_idx ON opportunities (organization_id) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_owner_stage_idx ON opportunities (owner_id, stage) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_stage_idx ON opportunities (stage, expected_close_date) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_closed_idx ON opportunities (actual_close_date)
    WHERE deleted_at IS NULL AND actual_close_date IS NOT NULL;
CREATE INDEX opportunities_updated_idx ON opportunities (updated_at, id);

CREATE TABLE opportunity_stage_changes (
    id              uuid PRIMARY KEY,
    opportunity_id  uuid NOT NULL REFERENCES opportunities (id),
    from_stage      text,
    to_stage        text NOT NULL,
    changed_by      uuid REFERENCES users (id),
    changed_at      timestamptz NOT NULL
);
CREATE INDEX opportunity_stage_changes_idx ON opportunity_stage_changes (opportunity_id, changed_at);

CREATE TABLE interactions (
    id                uuid PRIMARY KEY,
    organization_id   uuid NOT NULL REFERENCES organizations (id),
    contact_id        uuid REFERENCES contacts (id),
    user_id           uuid NOT NULL REFERENCES users (id),
    opportunity_id    uuid REFERENCES opportunities (id),
    kind              text NOT NULL CHECK (kind IN ('visit', 'call', 'email', 'meeting', 'demo', 'tasting',
                          'proposal', 'follow_up')),
    occurred_at       timestamptz NOT NULL,
    duration_minutes  integer CHECK (duration_minutes BETWEEN 0 AND 1440),
    subject           text,
    notes             text,
    outcome           text CHECK (outcome IN ('positive', 'neutral', 'negative', 'follow_up_needed', 'order_placed',
                          'no_interest')),
    follow_up_at      timestamptz,
    follow_up_notes   text,
    follow_up_done    boolean NOT NULL DEFAULT FALSE,
    latitude          double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude         double precision CHECK (longitude BETWEEN -180 AND 180),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    created_by        uuid REFERENCES users (id),
    updated_by        uuid REFERENCES users (id),
    deleted_at        timestamptz,
    version           bigint NOT NULL DEFAULT 1 CHECK (version >= 1)
);
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
    id          uuid PRIMARY KEY,
    entity      text NOT NULL,
    entity_id   uuid NOT NULL,
    action      text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore')),
    changes     jsonb NOT NULL,
    user_id     uuid REFERENCES users (id),
    at          timestamptz NOT NULL,
    ip          text,
    user_agent  text
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, at);

-- The idempotency record of offline operations: an op_id is applied once.
CREATE TABLE applied_ops (
    op_id       uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    entity      text NOT NULL,
    entity_id   uuid NOT NULL,
    result      jsonb NOT NULL,
    applied_at  timestamptz NOT NULL
);
CREATE INDEX applied_ops_user_idx ON applied_ops (user_id, applied_at);
