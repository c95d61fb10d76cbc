-- The queue in routing's order (front first, then oldest, then id), so that a routing pass
-- reads the head of a long queue without sorting all of it.
CREATE INDEX conversations_queue_order
    ON conversations (status, queue_front DESC, (COALESCE(queued_at, opened_at)), id);
