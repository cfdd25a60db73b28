-- The Kafka example table: seed-002 ad clicks plus where each message came from.
CREATE TABLE IF NOT EXISTS default.ad_clicks_kafka
(
    click_id     UUID,
    user_id      UInt64,
    ad_id        UInt32,
    timestamp_ms UInt64,
    event_time   DateTime,
    ip_address   String,
    device       Enum8('desktop' = 1, 'mobile' = 2, 'tablet' = 3),
    price        Decimal(18, 4),
    tags         Array(String),
    referrer     Nullable(String),
    country      FixedString(2),
    city         String,
    _topic       LowCardinality(String),
    _partition   UInt32,
    _offset      UInt64,
    _kafka_time  DateTime,
    processed_at DateTime DEFAULT now()
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (ad_id, event_time)
