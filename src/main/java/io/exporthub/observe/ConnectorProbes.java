package io.exporthub.observe;

import java.nio.file.Files;
import java.nio.file.Path;

import io.exporthub.connector.Connector;
import io.exporthub.target.s3.S3Delivery;

/** How to tell whether a connector's server can be reached, per kind: null when it can, else why not. */
public class ConnectorProbes {

    private final S3Delivery s3;

    public ConnectorProbes(S3Delivery s3) {
        this.s3 = s3;
    }

    public String problem(Connector connector) {
        try {
            return switch (connector.kind()) {
                case S3, OSS -> s3.probe(connector);
                case LOCAL -> localProblem(Path.of(connector.setting("directory")));
                // probed once their targets exist
                case DIFY, MATRIXONE -> null;
            };
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private static String localProblem(Path directory) {
        Path existing = directory;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            return "directory " + directory + " cannot be written";
        }
        return null;
    }
}
