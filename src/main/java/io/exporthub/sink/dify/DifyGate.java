package io.exporthub.sink.dify;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The door to one Dify connector: at most {@code max_concurrency} requests in flight, and after a
 * rate-limit answer no request at all until the pause is over. Then a single request probes
 * whether the limit has lifted while the others keep waiting, so that a limited stretch costs a
 * handful of requests instead of every file's retries.
 */
final class DifyGate {

    private final Semaphore inFlight;
    private final long pauseMillis;

    // all guarded by this
    private long pausedUntil;
    private long limitedSince = -1;
    private boolean probing;

    DifyGate(int maxConcurrency, Duration pause) {
        this.inFlight = new Semaphore(maxConcurrency, true);
        this.pauseMillis = pause.toMillis();
    }

    /** What came of a request that went through the gate. */
    interface Pass {
        /** Dify answered, with anything but its rate limit. */
        void answered();

        /** Dify refused the request for its rate limit; {@code retryAfter} may be null. */
        void rateLimited(Duration retryAfter);

        /** No answer at all (refused connection, timeout). */
        void noAnswer();
    }

    /**
     * Waits for a free slot and for the end of any pause; answers null when {@code deadline}
     * (epoch millis) passes first, so that the caller can give up.
     */
    Pass enter(long deadline) throws InterruptedException {
        if (!inFlight.tryAcquire(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) {
            return null;
        }
        boolean probe = false;
        long sentAt;
        synchronized (this) {
            while (true) {
                long now = System.currentTimeMillis();
                if (now >= deadline) {
                    inFlight.release();
                    return null;
                }
                if (now < pausedUntil) {
                    wait(Math.min(pausedUntil, deadline) - now);
                } else if (limitedSince >= 0 && probing) {
                    wait(Math.min(deadline - now, pauseMillis));
                } else {
                    if (limitedSince >= 0) {
                        probing = true;
                        probe = true;
                    }
                    sentAt = now;
                    break;
                }
            }
        }
        return new Ticket(probe, sentAt);
    }

    /** For messages: the pause that follows a rate-limit answer. */
    Duration pause() {
        return Duration.ofMillis(pauseMillis);
    }

    private final class Ticket implements Pass {
        private final boolean probe;
        private final long sentAt;
        private boolean done;

        Ticket(boolean probe, long sentAt) {
            this.probe = probe;
            this.sentAt = sentAt;
        }

        @Override
        public void answered() {
            leave(() -> {
                // an answer to a request sent before the limit says nothing about the limit now
                if (limitedSince >= 0 && sentAt >= limitedSince) {
                    limitedSince = -1;
                }
            });
        }

        @Override
        public void rateLimited(Duration retryAfter) {
            leave(() -> {
                long now = System.currentTimeMillis();
                long wait = Math.max(pauseMillis, retryAfter == null ? 0 : retryAfter.toMillis());
                pausedUntil = Math.max(pausedUntil, now + wait);
                limitedSince = now;
            });
        }

        @Override
        public void noAnswer() {
            leave(() -> {
            });
        }

        private void leave(Runnable update) {
            synchronized (DifyGate.this) {
                if (done) {
                    return;
                }
                done = true;
                if (probe) {
                    probing = false;
                }
                update.run();
                DifyGate.this.notifyAll();
            }
            inFlight.release();
        }
    }
}
