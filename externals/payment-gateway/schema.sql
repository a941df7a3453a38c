-- The payment provider simulator's own ledger: not part of our services' schema (init.sql), as a
-- real provider's books are not. Applied idempotently by the gateway at start.

CREATE TABLE IF NOT EXISTS gateway_charges (
  id              text PRIMARY KEY,
  -- The unique constraint, not anything in memory, is what makes one key one charge, also for
  -- concurrent requests and across restarts.
  idempotency_key text NOT NULL UNIQUE,
  order_id        text NOT NULL,
  amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
  currency        text NOT NULL,
  description     text,
  status          text NOT NULL CHECK (status IN ('captured', 'declined')),
  decline_code    text,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS gateway_charges_order_id ON gateway_charges (order_id);

CREATE TABLE IF NOT EXISTS gateway_refunds (
  id                     text PRIMARY KEY,
  idempotency_key        text NOT NULL UNIQUE,
  charge_id              text NOT NULL REFERENCES gateway_charges (id),
  -- What the caller asked for (NULL: "the rest"), kept to tell a replay from a different request.
  requested_amount_cents bigint CHECK (requested_amount_cents > 0),
  amount_cents           bigint NOT NULL CHECK (amount_cents > 0),
  created_at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS gateway_refunds_charge_id ON gateway_refunds (charge_id);
