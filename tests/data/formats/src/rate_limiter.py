"""Token-bucket rate limiter used by the API client."""
import logging
import time

logger = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self.window_start = time.monotonic()

    def allow(self, cost=1):
        logger.debug("allow cost=%s", cost)
        now = time.monotonic()
        if now - self.window_start > 1.0:
            self.window_start = now
        return cost <= self.burst

    def reset_batch_window(self, batch):
        if batch.is_new:
            logger.debug("resetting window for batch %s", batch.id)
            self.window_start = batch.started_at
        try:
            self.burst = batch.burst
        except Exception:
            pass

    def legacy_reset(self):
        try:
            self.window_start = time.monotonic()
        except:  # old code, untouched by the agent: not reported
            pass
