-- Sliding-window counters shared by every process (see the PostgreSQL
-- migration).
CREATE TABLE rate_counters (
    key          TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
