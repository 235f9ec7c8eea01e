-- A rep's recent interactions (Today, newest first: `ORDER BY occurred_at DESC, id DESC`) came
-- from (user_id, occurred_at), which leaves ties on the time to a sort: with 1,043 of the seeded
-- rep's interactions logged at the same instant, every home page read and sorted all of them to
-- show ten (6.9 ms on SQLite; 0.08 ms with the id in the index). Same name, so SQLite's
-- `INDEXED BY interactions_user_idx` keeps naming it.
DROP INDEX interactions_user_idx;
CREATE INDEX interactions_user_idx ON interactions (user_id, occurred_at DESC, id DESC) WHERE deleted_at IS NULL;
