-- ClickHouse: the enriched clicks of the seed-002 scenario, one row per click_id.
CREATE DATABASE IF NOT EXISTS analytics;
CREATE TABLE IF NOT EXISTS analytics.ad_clicks_enriched
(
    click_id        UUID,
    user_id         UInt64,
    ad_id           UInt32,
    ip_address      String,
    campaign_name   String,           -- enrich: campaigns.name
    campaign_budget Decimal(12, 2),   -- enrich: campaigns.budget (numeric(12, 2))
    ts              DateTime,         -- map: toDateTime(intDiv(timestamp_ms, 1000)), UTC
    processed_at    DateTime          -- map: now()
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (ad_id, ts, click_id);
