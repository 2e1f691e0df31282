-- One row per state change, written in the same transaction as the change (see dev.wharf.audit.AuditWriter).
-- No API updates or deletes rows; only retention removes old ones.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account     VARCHAR(255)  NOT NULL,
    action      VARCHAR(100)  NOT NULL,
    name        VARCHAR(512)  NOT NULL,
    actor       VARCHAR(255)  NOT NULL,
    data_json   TEXT          NOT NULL,
    description TEXT          NOT NULL,
    at          BIGINT        NOT NULL
);
CREATE INDEX audit_events_account_at ON audit_events (account, at);
CREATE INDEX audit_events_at ON audit_events (at);
