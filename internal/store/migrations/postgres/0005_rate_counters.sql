-- Sliding-window counters shared by every process of a cluster without
-- Redis (the job queues' rate limits).
CREATE TABLE rate_counters (
    key          text   NOT NULL,
    window_start bigint NOT NULL,
    count        bigint NOT NULL,
    PRIMARY KEY (key, window_start)
);
