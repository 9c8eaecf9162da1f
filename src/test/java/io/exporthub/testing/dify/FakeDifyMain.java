package io.exporthub.testing.dify;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The fake Dify as a process of its own, for the benchmark:
 * {@code <port> <api key> <latency ms> <dataset name>...}. Every answer is held back by the
 * latency; indexing completes at once. Prints {@code dataset <name> <id>} for each new, empty
 * dataset, then a line with {@code ready}; on exit, how many requests strayed from Dify's
 * OpenAPI document.
 */
public final class FakeDifyMain {

    private FakeDifyMain() {
    }

    public static void main(String[] args) throws Exception {
        // the JDK's server writes an answer's head and body apart; with Nagle's algorithm on, the body
        // then waits for the client's delayed ACK (some 40 ms on Linux) and that, not the latency asked
        // for, would set the pace. Dify's nginx answers with TCP_NODELAY, as this then does.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        FakeDify dify = new FakeDify(args[1]);
        dify.latency(Duration.ofMillis(Long.parseLong(args[2])));
        dify.start(Integer.parseInt(args[0]));
        for (int i = 3; i < args.length; i++) {
            System.out.println("dataset " + args[i] + " " + dify.createDataset(args[i]).id);
        }
        System.out.println("fake Dify ready on " + dify.apiUrl());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println(dify.calls().size() + " requests, " + dify.violations().size() + " violations of the OpenAPI document");
            dify.violations().stream().limit(20).forEach(System.out::println);
            dify.close();
        }));
        new CountDownLatch(1).await();
    }
}
