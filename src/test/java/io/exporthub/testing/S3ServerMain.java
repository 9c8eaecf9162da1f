package io.exporthub.testing;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** The test S3 server as a process of its own, for the benchmark: {@code <dir> <port> <bucket>...}. */
public final class S3ServerMain {

    private S3ServerMain() {
    }

    public static void main(String[] args) throws Exception {
        S3Server server = new S3Server(Path.of(args[0]), "bench-access", "bench-secret", Integer.parseInt(args[1]));
        server.start();
        for (int i = 2; i < args.length; i++) {
            server.createBucket(args[i]);
        }
        System.out.println("S3 server ready on " + server.endpoint());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }));
        new CountDownLatch(1).await();
    }
}
