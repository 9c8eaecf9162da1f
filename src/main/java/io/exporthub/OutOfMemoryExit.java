package io.exporthub;

import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.EventNotifier;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OutOfMemoryError ends the process, so that its supervisor starts a fresh one: a JVM that ran out of
 * memory on its event loop once kept failing every request for minutes while still looking alive.
 * Launch with {@code -XX:+ExitOnOutOfMemoryError} as well; this covers the errors that Vert.x, Netty or
 * Camel catch before the JVM would act on them.
 */
public final class OutOfMemoryExit {

    private static final Logger LOG = LoggerFactory.getLogger(OutOfMemoryExit.class);
    /** The exit code, the one the JVM's own {@code -XX:+ExitOnOutOfMemoryError} uses. */
    static final int STATUS = 3;
    private static volatile boolean enabled;

    private OutOfMemoryExit() {
    }

    /** From now on an OutOfMemoryError seen by {@link #check} halts the JVM; also one a thread dies of. */
    public static synchronized void enable() {
        if (enabled) {
            return;
        }
        enabled = true;
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            check(error);
            if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                LOG.error("Uncaught exception on thread {}", thread.getName(), error);
            }
        });
    }

    /** For Vert.x's handler of what its handlers throw (which, once set, no longer logs them itself). */
    public static void onUncaught(Throwable error) {
        check(error);
        LOG.error("Unhandled exception on the HTTP server", error);
    }

    /** Sees every failed exchange, handled or not, of every route. */
    public static EventNotifier exchangeFailures() {
        return new SimpleEventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.ExchangeEvent exchangeEvent) {
                    Exchange exchange = exchangeEvent.getExchange();
                    check(exchange.getException());
                    check(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
                }
            }

            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.ExchangeFailedEvent || event instanceof CamelEvent.ExchangeFailureHandledEvent;
            }
        };
    }

    /** Halts at once (no shutdown hooks: they would need memory, and may hang) if {@code error} is or wraps an OutOfMemoryError. */
    public static void check(Throwable error) {
        for (Throwable t = error; t != null && enabled; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                System.err.println("OutOfMemoryError: exiting so that the service is restarted");
                Runtime.getRuntime().halt(STATUS);
            }
        }
    }
}
