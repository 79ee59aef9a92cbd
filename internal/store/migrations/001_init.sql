-- One row per model call answered through the gateway, for usage and cost
-- accounting. Never holds prompts, answers or credentials.
CREATE TABLE usage (
    id             INTEGER PRIMARY KEY,
    request_id     TEXT    NOT NULL,
    at             TEXT    NOT NULL, -- RFC 3339, UTC
    api            TEXT    NOT NULL, -- converse, converse_stream, chat_completions, …
    model          TEXT    NOT NULL, -- the id the client sent
    provider       TEXT    NOT NULL,
    upstream_model TEXT    NOT NULL,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    cache_read_tokens  INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    latency_ms     INTEGER NOT NULL,
    status         TEXT    NOT NULL  -- ok, or the error kind
);
CREATE INDEX usage_at ON usage (at);
CREATE INDEX usage_model ON usage (model, at);
