-- Deliveries waiting behind an open circuit breaker are parked: due at 'infinity', so the scheduler
-- does not claim them again and again while the endpoint is down. They are found by subscription when
-- the breaker closes (or one at a time, as the half-open probe); see ParkedDeliveries.
CREATE INDEX deliveries_parked ON deliveries (subscription_id) WHERE next_attempt_at = 'infinity';
