-- Several bridge replicas behind one database (docs/operations.md). Plain SQL that H2 and PostgreSQL both accept.
-- A lease is a named row that one replica holds until expires_at; it is taken, renewed and taken over only by
-- compare-and-set UPDATEs (the holder, or an expired row), so two replicas can never both hold it. Rows:
--   'leader'            the replica that runs the reconcilers and sweepers;
--   'replica:<id>'      each replica's heartbeat, so the leader can tell a live replica from a dead one;
--   'github:<repo>'     held for the moment a replica decides which runners a repository's queued jobs need.
-- host and pid name the process that holds it: a restarted bridge on the same host sees at once that the
-- holder's process is gone, rather than waiting for the lease to run out.
CREATE TABLE leases (
  name        VARCHAR(300)             NOT NULL PRIMARY KEY,
  holder      VARCHAR(200)             NOT NULL,
  host        VARCHAR(200)             NOT NULL,
  pid         BIGINT                   NOT NULL,
  expires_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  renewed_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Which replica holds a session's tunnel (and so relays it and reconnects it). Apart from the sessions row
-- because ownership changes (a dead replica's sessions adopted by the leader) must not race with the broker's
-- compare-and-set updates of the whole row.
CREATE TABLE session_owners (
  session_id  VARCHAR(32)              NOT NULL PRIMARY KEY,
  replica_id  VARCHAR(200)             NOT NULL,
  updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX session_owners_replica ON session_owners (replica_id);
