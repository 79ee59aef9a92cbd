-- Stored OpenAI Responses API responses (/v1/responses with store=true):
-- the response object as served, and the canonical conversation that
-- previous_response_id continues (earlier turns, this input, this output).
CREATE TABLE responses (
    id           TEXT PRIMARY KEY,       -- resp_…
    status       TEXT NOT NULL,          -- queued, in_progress, completed, incomplete, failed, cancelled
    created_at   TEXT NOT NULL,          -- RFC 3339, UTC
    updated_at   TEXT NOT NULL,
    response     TEXT NOT NULL,          -- the response object JSON
    conversation TEXT NOT NULL           -- canonical conversation JSON
);
CREATE INDEX responses_status ON responses (status);

-- The input items of each response, in request order.
CREATE TABLE response_input_items (
    response_id TEXT    NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    item        TEXT    NOT NULL,        -- the item JSON, with its id
    PRIMARY KEY (response_id, position)
);
