SET client_min_messages = warning;

-- The whole schema. Applied at every service start under an advisory lock: every statement is
-- idempotent. Times use clock_timestamp() so that TTD and TTR are measured on one clock (the
-- database's), whichever process wrote the row.

-- ---------- orders-svc ----------
CREATE TABLE IF NOT EXISTS orders (
  order_id        uuid PRIMARY KEY,
  product_id      text NOT NULL,
  quantity        integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
  -- unit price when accepted × quantity, in cents (shared/src/config.ts CURRENCY); null only for
  -- orders accepted before products had prices
  amount_cents    bigint CHECK (amount_cents > 0),
  status          text NOT NULL CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
  reason          text,
  idempotency_key text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- when two replicas reserved it (its payment's deadline counts from here)
  reserved_at     timestamptz,
  -- when it reached its final status (CONFIRMED, REJECTED, CANCELLED): what a client waits for
  decided_at      timestamptz,
  -- its payment as payment-svc last reported it (captured / failed), null while none is reported
  payment_status   text,
  payment_attempts integer,
  payment_error    text,
  charge_id        text,
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
) WITH (fillfactor = 85);
-- No index on status: a decision then changes only unindexed columns, which PostgreSQL updates in
-- place on the same page (a HOT update: no new index entries), in the room the fillfactor leaves.
-- Lists by status walk orders_created_idx newest first.
CREATE INDEX IF NOT EXISTS orders_created_idx ON orders (created_at DESC);

-- Each replica's result for each order event; the decision is taken over these rows.
CREATE TABLE IF NOT EXISTS order_results (
  order_id           uuid NOT NULL,
  instance_id        text NOT NULL,
  outcome            text NOT NULL CHECK (outcome IN ('RESERVED', 'REJECTED', 'RELEASED')),
  reason             text,
  available_quantity bigint NOT NULL,
  reserved_quantity  bigint NOT NULL,
  log_partition      integer NOT NULL,
  log_offset         bigint NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (order_id, instance_id, outcome)
);

-- Products orders-svc has put into the log (seeds and restocks): an order for anything else is a
-- 404. The price is the catalogue's, not the log's: replicas count units, orders-svc prices them.
CREATE TABLE IF NOT EXISTS products (
  product_id       text PRIMARY KEY,
  unit_price_cents integer NOT NULL CHECK (unit_price_cents > 0),
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Transactional outbox: events written in the same transaction as the state that produced them
-- (an order, a cancel, a restock), published to Kafka by that source's relay and deleted once
-- Kafka has them: the table holds only what is not yet published.
CREATE TABLE IF NOT EXISTS outbox (
  id           bigserial PRIMARY KEY,
  source       text NOT NULL,
  topic        text NOT NULL,
  message_key  text NOT NULL,
  payload      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS outbox_source_idx ON outbox (source, id);

-- ---------- payment-svc: one row per RESERVED order it has to charge ----------
-- status: charging (attempts under way) → captured | failed. `withdrawn`: the client cancelled the
-- order. `check_charge`: the gateway is to be asked for the charge again until it answers, and a
-- capture no order keeps (found after giving up, or of a withdrawn order) refunded (`refund_id`).
CREATE TABLE IF NOT EXISTS payments (
  order_id      uuid PRIMARY KEY,
  amount_cents  bigint NOT NULL CHECK (amount_cents > 0),
  currency      text NOT NULL,
  reserved_at   timestamptz NOT NULL,
  deadline_at   timestamptz NOT NULL,
  status        text NOT NULL CHECK (status IN ('charging', 'captured', 'failed')),
  reason        text,
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  charge_id     text,
  withdrawn     boolean NOT NULL DEFAULT false,
  check_charge  boolean NOT NULL DEFAULT false,
  refund_id     text,
  updated_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- What payment-svc resumes after a restart, and what its reconciler still has to do.
CREATE INDEX IF NOT EXISTS payments_open_idx ON payments (order_id) WHERE status = 'charging' OR check_charge;

-- ---------- notification-svc: one email per order outcome ----------
-- A row per (order, final status), inserted with the consumer's offsets (so once); sent_at set
-- once the mail server took it. A crash between the two sends it again with the same Message-ID,
-- which the mail server keeps once.
CREATE TABLE IF NOT EXISTS notifications (
  order_id    uuid NOT NULL,
  status      text NOT NULL,
  message_id  text NOT NULL,
  recipient   text NOT NULL,
  subject     text NOT NULL,
  body        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text,
  sent_at     timestamptz,
  PRIMARY KEY (order_id, status)
);
CREATE INDEX IF NOT EXISTS notifications_unsent_idx ON notifications (created_at) WHERE sent_at IS NULL;

-- ---------- consumers: the next offset to apply, written in the same transaction as the state it produced ----------
CREATE TABLE IF NOT EXISTS consumer_offsets (
  consumer      text NOT NULL,
  topic         text NOT NULL,
  log_partition integer NOT NULL,
  next_offset   bigint NOT NULL,
  PRIMARY KEY (consumer, topic, log_partition)
);

-- One process at a time per consumer (a replica): the holder of the advisory lock
-- (two-int form, lock_key) bumps the epoch when it takes it, and every commit checks the epoch in
-- its own transaction (FOR SHARE on this row), so a process that lost the lock never commits again.
CREATE TABLE IF NOT EXISTS consumer_leases (
  consumer  text PRIMARY KEY,
  lock_key  integer GENERATED BY DEFAULT AS IDENTITY UNIQUE,
  epoch     bigint NOT NULL DEFAULT 0,
  holder    text,
  taken_at  timestamptz
);

-- ---------- inventory-svc: one copy per replica, rows keyed by instance_id ----------
CREATE TABLE IF NOT EXISTS replica_stock (
  instance_id        text NOT NULL,
  product_id         text NOT NULL,
  available_quantity bigint NOT NULL,
  reserved_quantity  bigint NOT NULL,
  log_partition      integer NOT NULL,
  PRIMARY KEY (instance_id, product_id)
);

CREATE TABLE IF NOT EXISTS replica_reservations (
  instance_id text NOT NULL,
  order_id    uuid NOT NULL,
  product_id  text NOT NULL,
  quantity    integer NOT NULL,
  state       text NOT NULL CHECK (state IN ('RESERVED', 'REJECTED', 'RELEASED')),
  PRIMARY KEY (instance_id, order_id)
);

-- Stock events already applied: a relay that re-sends one after a crash must not reset stock.
CREATE TABLE IF NOT EXISTS replica_stock_events (
  instance_id text NOT NULL,
  event_id    uuid NOT NULL,
  PRIMARY KEY (instance_id, event_id)
);

-- ---------- fault injection and monitoring ----------
CREATE TABLE IF NOT EXISTS fault_injections (
  id          bigserial PRIMARY KEY,
  instance_id text NOT NULL,
  fault_type  text NOT NULL CONSTRAINT fault_injections_fault_type_check CHECK (fault_type IN ('crash', 'latency', 'intermittent', 'incorrect', 'pause', 'duplicate')),
  params      jsonb NOT NULL DEFAULT '{}',
  injected_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  cleared_at  timestamptz
);
CREATE INDEX IF NOT EXISTS fault_injections_instance_idx ON fault_injections (instance_id, injected_at DESC);

CREATE TABLE IF NOT EXISTS instance_status (
  instance_id           text PRIMARY KEY,
  status                text NOT NULL CHECK (status IN ('ON', 'OFF')),
  since                 timestamptz NOT NULL DEFAULT clock_timestamp(),
  cause                 text,
  last_probe_at         timestamptz,
  last_probe_latency_ms double precision,
  probes_total          bigint NOT NULL DEFAULT 0,
  probe_failures_total  bigint NOT NULL DEFAULT 0,
  transitions_total     bigint NOT NULL DEFAULT 0,
  updated_at            timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE IF NOT EXISTS failure_audit (
  id          bigserial PRIMARY KEY,
  instance_id text NOT NULL,
  cause       text NOT NULL CHECK (cause IN ('crash', 'timeout', 'http_error', 'incorrect_response')),
  detail      text,
  fault_id    bigint REFERENCES fault_injections (id),
  started_at  timestamptz NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  resolved_at timestamptz,
  ttd_ms      double precision NOT NULL,
  ttr_ms      double precision
);
CREATE INDEX IF NOT EXISTS failure_audit_instance_idx ON failure_audit (instance_id, detected_at DESC);

-- ---------- which monitor leads ----------
-- Two monitors probe; the one holding the leadership advisory lock leads and alone records
-- transitions. Each new leader raises the term, and every status write first checks (FOR SHARE)
-- that its term is still the current one: a leader that lost its lock with a dropped connection
-- cannot write once another has taken over, and a takeover waits for writes already under way.
CREATE TABLE IF NOT EXISTS monitor_leadership (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  leader    text NOT NULL,
  term      bigint NOT NULL,
  since     timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- ---------- which log this database was built from ----------
-- Everything above is derived from, or feeds, one Kafka log. A database next to a different log
-- (a wiped broker, another cluster or topic prefix) would hold offsets and seeds that log lacks.
CREATE TABLE IF NOT EXISTS deployment (
  singleton        boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  kafka_cluster_id text NOT NULL,
  topic_prefix     text NOT NULL,
  bound_at         timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- ---------- upgrades of a database made by an earlier version ----------
-- Published outbox rows used to be kept and marked; now they are deleted.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'outbox' AND column_name = 'published_at') THEN
    DELETE FROM outbox WHERE published_at IS NOT NULL;
    ALTER TABLE outbox DROP COLUMN published_at;
  END IF;
END $$;
DROP INDEX IF EXISTS orders_status_created_idx;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = 'orders'::regclass AND 'fillfactor=85' = ANY (COALESCE(reloptions, '{}'))) THEN
    ALTER TABLE orders SET (fillfactor = 85);
  END IF;
END $$;
-- Prices: products already in the catalogue get 10.00 (DEFAULT_UNIT_PRICE_CENTS), orders already
-- accepted keep no amount.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'products' AND column_name = 'unit_price_cents') THEN
    ALTER TABLE products ADD COLUMN unit_price_cents integer NOT NULL DEFAULT 1000 CHECK (unit_price_cents > 0);
    ALTER TABLE products ALTER COLUMN unit_price_cents DROP DEFAULT;
  END IF;
END $$;
-- The order's amount (prices) and the payment's outcome (the saga). Each column is added only when
-- missing: ALTER TABLE takes an ACCESS EXCLUSIVE lock even when IF NOT EXISTS finds the column, and
-- a process started beside live traffic (a restart, a duplicate replica) deadlocked on it.
DO $$
DECLARE
  col text[];
BEGIN
  FOREACH col SLICE 1 IN ARRAY ARRAY[
    ['amount_cents', 'bigint CHECK (amount_cents > 0)'],
    ['reserved_at', 'timestamptz'],
    ['payment_status', 'text'],
    ['payment_attempts', 'integer'],
    ['payment_error', 'text'],
    ['charge_id', 'text']
  ] LOOP
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'orders' AND column_name = col[1]) THEN
      EXECUTE format('ALTER TABLE orders ADD COLUMN %I %s', col[1], col[2]);
    END IF;
  END LOOP;
END $$;
-- Lists that grew: the saga's RESERVED status, and process faults (pause, duplicate) recorded
-- beside the replicas' own. Each CHECK is replaced only when it lacks the newest value.
DO $$
DECLARE
  c text[];
BEGIN
  FOREACH c SLICE 1 IN ARRAY ARRAY[
    ['orders', 'orders_status_check', 'RESERVED',
     $check$status IN ('PENDING', 'RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLED')$check$],
    ['fault_injections', 'fault_injections_fault_type_check', 'duplicate',
     $check$fault_type IN ('crash', 'latency', 'intermittent', 'incorrect', 'pause', 'duplicate')$check$]
  ] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = c[2] AND pg_get_constraintdef(oid) LIKE '%' || c[3] || '%') THEN
      EXECUTE format('ALTER TABLE %I DROP CONSTRAINT IF EXISTS %I', c[1], c[2]);
      EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%s)', c[1], c[2], c[4]);
    END IF;
  END LOOP;
END $$;
